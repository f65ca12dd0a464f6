package fivepp.runtime;

import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Builds the array from a mapping (one actor per fabric vertex that a core occupies or a route
 * crosses), injects images off-fabric into the cores of the layers that read the image, keeps
 * at most {@code window} images in flight, collects every output and measures the run.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

  public sealed interface Command {}

  /**
   * Output values from a classifier core of array {@code epoch}: channels from {@code channel0},
   * one row.
   */
  public record Output(int image, int channel0, int row, int count, float[] values, double ready,
      int epoch) implements Command {}

  /** A vertex of array {@code epoch} has its links and is ready for data. */
  public record Ready(int vertex, int epoch) implements Command {}

  /**
   * The actors of array {@code epoch}, by vertex, and (on a cluster) the member each runs on and
   * each member's share of the array, in address order (empty in one JVM). Sent by a
   * {@link Deployment} from within this JVM.
   */
  public record Deployed(int epoch, Map<Integer, ActorRef<CoreActor.Command>> actors,
      Map<Integer, String> memberOf, List<RunReport.MemberShare> shares)
      implements Command, NoSerializationVerificationNeeded {}

  /** The array cannot be built: the run fails with {@code reason}. */
  public record DeployFailed(String reason) implements Command, NoSerializationVerificationNeeded {}

  /** Actors of array {@code epoch} are gone ({@code what} says why): rebuild and redo. */
  public record Lost(int epoch, String what) implements Command, NoSerializationVerificationNeeded {}

  private record GotStats(CoreActor.Stats stats) implements Command, NoSerializationVerificationNeeded {}

  /** Everything a run needs. */
  public record Setup(CoreGraph graph, List<CorePlan> plans, Fabric fabric, int[] vertexOf,
      Images.Source images, RunOptions options, IntConsumer progress,
      CompletableFuture<RunReport> result, Deployment deployment, LiveStats live) {}

  private final Setup setup;
  private final java.util.SortedMap<Integer, CorePlan> byVertex = new java.util.TreeMap<>();
  private final ImageSlicer slicer;
  private final OutputAssembly outputs;
  private final PipelineBound bound;
  private final CoreActor.Transport transport;
  private Map<Integer, ActorRef<CoreActor.Command>> actors = Map.of();
  private Map<Integer, String> memberOf = Map.of();
  private List<RunReport.MemberShare> shares = List.of();
  /** Images in the array and not yet out, by number: they are sent again if the array is lost. */
  private final Map<Integer, Tensor> pending = new HashMap<>();
  private final List<String> incidents = new ArrayList<>();
  private final List<CoreActor.Stats> stats = new ArrayList<>();
  private final int total;
  private int epoch;
  private int ready;
  private boolean started;
  private int redone;
  private int injected;
  private int maxInFlight;
  private int completed;
  private long t0;
  private long t1;

  public static Behavior<Command> create(Setup setup) {
    return OutOfHeap.guard(Behaviors.setup(ctx -> new Coordinator(ctx, setup)));
  }

  private Coordinator(ActorContext<Command> ctx, Setup s) {
    super(ctx);
    this.setup = s;
    this.total = s.images().count();
    this.slicer = new ImageSlicer(s.plans(), s.vertexOf(), s.options().pixels());
    this.outputs = new OutputAssembly(s.graph().network().output().output(), total);
    this.bound = PipelineBound.of(s.plans(), s.options());
    this.transport = s.deployment().transport(ctx.getSystem());
    plan();
    if (s.live() != null) {
      byVertex.forEach((v, p) -> s.live().vertex(v, p == null ? -1 : p.core.id()));
    }
    s.deployment().deploy(ctx, epoch, java.util.Collections.unmodifiableSortedMap(byVertex));
  }

  /** Every vertex a core occupies or a route crosses, with its core's plan (null: a router). */
  private void plan() {
    for (CorePlan p : setup.plans()) {
      byVertex.put(setup.vertexOf()[p.core.id()], p);
    }
    for (CorePlan p : setup.plans()) {
      for (CorePlan.Send s : p.sends) {
        for (int v : s.route()) {
          byVertex.putIfAbsent(v, null);
        }
      }
    }
  }

  /** The actors of the current epoch exist: give each its links to its fabric neighbours. */
  private Behavior<Command> onDeployed(Deployed d) {
    if (d.epoch() != epoch) {
      return this;
    }
    actors = d.actors();
    memberOf = d.memberOf();
    shares = d.shares();
    ready = 0;
    Fabric f = setup.fabric();
    int first = pending.isEmpty() ? injected : java.util.Collections.min(pending.keySet());
    for (int v : byVertex.keySet()) {
      Map<Integer, ActorRef<CoreActor.Command>> neighbours = new HashMap<>();
      for (int n : f.neighbors(v)) {
        ActorRef<CoreActor.Command> ref = actors.get(n);
        if (ref != null) {
          neighbours.put(n, ref);
        }
      }
      actors.get(v).tell(new CoreActor.Wire(neighbours, getContext().getSelf(), epoch, first));
    }
    return this;
  }

  /** Once every vertex has its links, images go in: the first ones, or those lost with an array. */
  private Behavior<Command> onReady(Ready r) {
    if (r.epoch() != epoch || ++ready < actors.size()) {
      return this;
    }
    if (!started) {
      started = true;
      t0 = System.nanoTime();
      if (setup.live() != null) {
        setup.live().start(total, bound.imagesPerSecond());
      }
      while (injected < Math.min(total, setup.options().window())) {
        if (!inject()) {
          return Behaviors.stopped();
        }
      }
    } else {
      for (int i : new java.util.TreeSet<>(pending.keySet())) {
        send(i, pending.get(i));
      }
    }
    return this;
  }

  /** Part of the array is gone: every image not yet complete is redone on a rebuilt array. */
  private Behavior<Command> onLost(Lost l) {
    if (l.epoch() != epoch || completed == total) {
      return this;
    }
    epoch++;
    incidents.add(l.what());
    actors = Map.of();
    for (int i : pending.keySet()) {
      outputs.forget(i);
      redone++;
    }
    setup.deployment().deploy(getContext(), epoch, java.util.Collections.unmodifiableSortedMap(byVertex));
    return this;
  }

  private Behavior<Command> onFailed(DeployFailed f) {
    setup.result().completeExceptionally(new Deployment.Failed(f.reason()));
    return Behaviors.stopped();
  }

  /** Injects the next image; false (and the run failed) when it cannot be read. */
  private boolean inject() {
    int i = injected++;
    maxInFlight = Math.max(maxInFlight, injected - completed);
    Tensor image;
    try {
      image = setup.images().next();
    } catch (IOException e) {
      setup.result().completeExceptionally(e);
      return false;
    }
    pending.put(i, image);
    send(i, image);
    return true;
  }

  /**
   * Sends image {@code i} into the cores that read the image. In virtual time the source offers
   * image i at i periods of the pipeline's bound, the rate its slowest core (or link) can take:
   * the modelled hardware is never held back by the emulator's window of images in flight.
   */
  private void send(int i, Tensor image) {
    double ready = i * bound.period();
    outputs.started(i, ready, System.nanoTime());
    for (ImageSlicer.Slice slice : slicer.slice(i, image, ready)) {
      ActorRef<CoreActor.Command> ref = actors.get(slice.vertex());
      ActorRef<CoreActor.Command> gateway = transport.gateway(ref);
      if (gateway == null) {
        slice.messages().forEach(ref::tell);
      } else {
        envelopes(slice.messages(), transport.maxEnvelopeBytes()).forEach(gateway::tell);
      }
      if (setup.live() != null) {
        setup.live().injected(slice.vertex(), slice.messages().size());
      }
    }
  }

  /** Messages for another member, in envelopes of at most {@code max} bytes, in order. */
  static List<CoreActor.Envelope> envelopes(List<CoreActor.Data> messages, int max) {
    List<CoreActor.Envelope> out = new ArrayList<>();
    List<CoreActor.Data> batch = new ArrayList<>();
    long bytes = 0;
    for (CoreActor.Data d : messages) {
      long size = CoreActor.Envelope.bytesOf(d);
      if (!batch.isEmpty() && bytes + size > max) {
        out.add(new CoreActor.Envelope(batch));
        batch = new ArrayList<>();
        bytes = 0;
      }
      batch.add(d);
      bytes += size;
    }
    if (!batch.isEmpty()) {
      out.add(new CoreActor.Envelope(batch));
    }
    return out;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Deployed.class, this::onDeployed)
        .onMessage(Ready.class, this::onReady)
        .onMessage(Lost.class, this::onLost)
        .onMessage(DeployFailed.class, this::onFailed)
        .onMessage(Output.class, this::onOutput)
        .onMessage(GotStats.class, this::onStats)
        .onSignal(org.apache.pekko.actor.typed.Terminated.class, t -> {
          setup.result().completeExceptionally(new IllegalStateException(
              "actor " + t.getRef().path().name() + " stopped during the run"));
          return Behaviors.stopped();
        })
        .build();
  }

  private Behavior<Command> onOutput(Output o) {
    if (o.epoch() != epoch) {
      return this;
    }
    long took = outputs.add(o, System.nanoTime());
    if (took < 0) {
      return this;
    }
    if (setup.live() != null) {
      setup.live().imageDone(took, outputs.virtualDone(o.image()));
    }
    completed++;
    pending.remove(o.image());
    setup.progress().accept(completed);
    if (injected < total && !inject()) {
      return Behaviors.stopped();
    }
    if (completed == total) {
      t1 = System.nanoTime();
      ActorRef<CoreActor.Stats> adapter = getContext().messageAdapter(CoreActor.Stats.class, GotStats::new);
      actors.values().forEach(a -> a.tell(new CoreActor.GetStats(adapter)));
    }
    return this;
  }

  private Behavior<Command> onStats(GotStats g) {
    stats.add(g.stats());
    String runsOn = memberOf.get(g.stats().vertex());
    if (setup.live() != null && runsOn != null) {
      // the final counts of a vertex on a cluster member, exact, for the monitor's last sample
      CoreActor.Stats s = g.stats();
      LiveStats.Vertex v = setup.live().vertex(s.vertex(), s.core());
      v.mirror(runsOn, s.mvms(), s.busyNanos(), v.virtualTime(), s.messagesIn(), s.messagesOut());
      s.channelBits().forEach((to, bits) -> {
        LiveStats.Channel c = v.channel(to);
        c.publish(bits, c.messages());
      });
    }
    if (stats.size() < actors.size()) {
      return this;
    }
    RunReport r = new RunSummary(setup.graph(), setup.fabric().spec(), setup.options(), bound, memberOf)
        .report(stats, outputs, new RunSummary.Tally((t1 - t0) / 1e9, maxInFlight, incidents, redone))
        .withShares(shares);
    setup.deployment().finish(getContext());
    setup.result().complete(r);
    return Behaviors.stopped();
  }
}
