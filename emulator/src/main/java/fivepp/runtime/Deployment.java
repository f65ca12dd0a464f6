package fivepp.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Brings the actors of an array to life, in this JVM or on cluster members. The coordinator calls
 * {@link #deploy} once per epoch: at the start, and again after part of the array was lost.
 */
public interface Deployment {

  /**
   * Creates one actor per vertex of {@code plans} (a core's plan, or {@code null} for a bare
   * router) for {@code epoch}, and answers the coordinator ({@code ctx.getSelf()}) with
   * {@link Coordinator.Deployed} or {@link Coordinator.DeployFailed}; later it tells it
   * {@link Coordinator.Lost} when some of those actors are gone.
   */
  void deploy(ActorContext<Coordinator.Command> ctx, int epoch, SortedMap<Integer, CorePlan> plans);

  /** The array cannot be built (no members, too little capacity, ...): the user's to fix. */
  final class Failed extends RuntimeException {
    public Failed(String reason) {
      super(reason);
    }
  }

  /**
   * How the coordinator reaches the array's vertices: in this JVM each message directly; on a
   * cluster, what goes to a member in envelopes (an image's rows are many messages, and Artery's
   * outbound queue drops what does not fit).
   */
  default CoreActor.Transport transport(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return CoreActor.Transport.LOCAL;
  }

  /**
   * True when the cores run in this JVM and need their weights here; false when they all run on
   * cluster members, which build their own: the coordinator then plans them without weights.
   */
  default boolean computesHere() {
    return true;
  }

  /** The run is over: stop whatever {@link #deploy} created elsewhere. */
  default void finish(ActorContext<Coordinator.Command> ctx) {}

  /** Every actor a child of the coordinator, in this JVM. */
  static Deployment local(RunOptions o) {
    return local(o, null);
  }

  /** Every actor a child of the coordinator, in this JVM, publishing to {@code live} (null: nobody watches). */
  static Deployment local(RunOptions o, LiveStats live) {
    return (ctx, epoch, plans) -> {
      CoreActor.LinkModel link = new CoreActor.LinkModel(o.linkBitsPerSecond(), o.linkLatencySeconds());
      Map<Integer, ActorRef<CoreActor.Command>> actors = new HashMap<>();
      plans.forEach((v, p) -> {
        LiveStats.Vertex meter = live == null ? null : live.vertex(v, p == null ? -1 : p.core.id());
        ActorRef<CoreActor.Command> a = ctx.spawn(CoreActor.create(v, p, link, o.tMvmSeconds(), o.pixels(), meter,
                CoreActor.Transport.LOCAL, o.analog()),
            (p == null ? "router-" + v : "core-" + p.core.id()) + (epoch == 0 ? "" : "-e" + epoch));
        ctx.watch(a);
        actors.put(v, a);
      });
      ctx.getSelf().tell(new Coordinator.Deployed(epoch, actors, Map.of(), java.util.List.of()));
    };
  }
}
