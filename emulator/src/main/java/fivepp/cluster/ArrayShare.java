package fivepp.cluster;

import fivepp.runtime.CoreActor;
import fivepp.runtime.CorePlan;
import fivepp.runtime.LiveStats;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One member's share of one array (an epoch of a run): the parent of the actors of the vertices
 * placed on the member, and their gateway. A vertex sends what it has for this member's vertices
 * in one {@link CoreActor.Envelope} per flush, addressed here (the parent of the neighbour it
 * knows, see {@link #transport}); the share hands each item to its vertex's actor in the order
 * sent, so that each pair of actors keeps its order. It answers the spawn itself, once its
 * children exist, and stopping it stops them.
 */
final class ArrayShare extends AbstractBehavior<CoreActor.Command> {

  private final Map<Integer, ActorRef<CoreActor.Command>> actors = new TreeMap<>();

  /**
   * The actors of {@code s.vertices()}, with the plans of {@code byVertex} (no plan: a router),
   * publishing to {@code meters}; answers {@code s.replyTo()}.
   */
  static Behavior<CoreActor.Command> create(Member.Spawn s, Map<Integer, CorePlan> byVertex, LiveStats meters,
      String address, long heapBytes) {
    return Behaviors.setup(ctx -> new ArrayShare(ctx, s, byVertex, meters, address, heapBytes));
  }

  private ArrayShare(ActorContext<CoreActor.Command> ctx, Member.Spawn s, Map<Integer, CorePlan> byVertex,
      LiveStats meters, String address, long heapBytes) {
    super(ctx);
    CoreActor.LinkModel link = new CoreActor.LinkModel(s.recipe().options().linkBitsPerSecond(),
        s.recipe().options().linkLatencySeconds());
    CoreActor.Transport transport = transport(ctx.getSystem());
    for (int v : s.vertices()) {
      CorePlan p = byVertex.get(v);
      actors.put(v, ctx.spawn(
          CoreActor.create(v, p, link, s.recipe().options().tMvmSeconds(), s.recipe().options().pixels(),
              meters.vertex(v, p == null ? -1 : p.core.id()), transport, s.recipe().options().analog()),
          p == null ? "router-" + v : "core-" + p.core.id()));
    }
    s.replyTo().tell(new Member.Spawned(s.run(), s.epoch(), address, Map.copyOf(actors), "", heapBytes));
  }

  /**
   * How the vertices of a cluster run reach neighbours on other members: through the neighbour's
   * parent, the share of its member, in envelopes of at most half an Artery frame.
   */
  static CoreActor.Transport transport(ActorSystem<?> system) {
    ActorRefResolver resolver = ActorRefResolver.get(system);
    String frame = "pekko.remote.artery.advanced.maximum-frame-size";
    long max = system.settings().config().hasPath(frame) ? system.settings().config().getBytes(frame) / 2 : 1 << 20;
    int cap = (int) Math.min(Integer.MAX_VALUE, max);
    return new CoreActor.Transport() {
      @Override
      public ActorRef<CoreActor.Command> gateway(ActorRef<CoreActor.Command> neighbour) {
        if (neighbour.path().address().hasLocalScope()) {
          return null;
        }
        return resolver.resolveActorRef(neighbour.path().parent().toSerializationFormat());
      }

      @Override
      public int maxEnvelopeBytes() {
        return cap;
      }
    };
  }

  @Override
  public Receive<CoreActor.Command> createReceive() {
    return newReceiveBuilder().onMessage(CoreActor.Envelope.class, this::onEnvelope).build();
  }

  private Behavior<CoreActor.Command> onEnvelope(CoreActor.Envelope e) {
    for (CoreActor.Data d : e.data()) {
      int v = d.route()[d.hop()];
      ActorRef<CoreActor.Command> to = actors.get(v);
      if (to == null) {
        throw new IllegalStateException("an envelope for vertex " + v + ", which runs elsewhere, reached "
            + getContext().getSelf().path());
      }
      to.tell(d);
    }
    return this;
  }
}
