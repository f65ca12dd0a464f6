package fivepp.runtime;

import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.model.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import org.HdrHistogram.Histogram;
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

  public interface Command {}

  /**
   * Output values from a classifier core of array {@code epoch}: channels from {@code channel0},
   * one row.
   */
  public record Output(int image, int channel0, int row, int count, float[] values, double ready,
      int epoch) implements Command {}

  /** A vertex of array {@code epoch} has its links and is ready for data. */
  public record Ready(int vertex, int epoch) implements Command {}

  /**
   * The actors of array {@code epoch}, by vertex, and (on a cluster) the member each runs on.
   * Sent by a {@link Deployment} from within this JVM.
   */
  public record Deployed(int epoch, Map<Integer, ActorRef<CoreActor.Command>> actors,
      Map<Integer, String> memberOf) implements Command, NoSerializationVerificationNeeded {}

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
  private Map<Integer, ActorRef<CoreActor.Command>> actors = Map.of();
  private Map<Integer, String> memberOf = Map.of();
  private final List<CorePlan> inputCores = new ArrayList<>();
  private final Map<Integer, Tensor> pending = new HashMap<>();
  private final List<String> incidents = new ArrayList<>();
  private int epoch;
  private int ready;
  private boolean started;
  private int redone;
  private final Shape out;
  private final int outValues;
  private final int total;
  private final float[][] logits;
  private final int[] received;
  private final double[] virtualDone;
  private final double[] virtualStart;
  private final long[] wallStart;
  private final Histogram latency = new Histogram(3);
  private final List<CoreActor.Stats> stats = new ArrayList<>();
  private int injected;
  private int maxInFlight;
  private int completed;
  private long t0;
  private long t1;

  public static Behavior<Command> create(Setup setup) {
    return Behaviors.setup(ctx -> new Coordinator(ctx, setup));
  }

  private Coordinator(ActorContext<Command> ctx, Setup s) {
    super(ctx);
    this.setup = s;
    this.out = s.graph().network().output().output();
    this.outValues = (int) out.elements();
    this.total = s.images().count();
    this.logits = new float[total][];
    this.received = new int[total];
    this.virtualDone = new double[total];
    this.virtualStart = new double[total];
    this.wallStart = new long[total];
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
      if (p.imagePorts().length > 0) {
        inputCores.add(p);
      }
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
        setup.live().start(total);
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
      logits[i] = null;
      received[i] = 0;
      virtualDone[i] = 0;
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

  /** Sends image {@code i} into the cores that read the image. */
  private void send(int i, Tensor image) {
    int w = setup.options().window();
    double ready = i >= w ? virtualDone[i - w] : 0;
    virtualStart[i] = ready;
    wallStart[i] = System.nanoTime();
    boolean pixels = setup.options().pixels();
    for (CorePlan p : inputCores) {
      int vertex = setup.vertexOf()[p.core.id()];
      ActorRef<CoreActor.Command> ref = actors.get(vertex);
      int[] route = {vertex};
      long sent = 0;
      for (int portId : p.imagePorts()) {
        CorePlan.Port port = p.ports.get(portId);
        int h = image.height(), wd = image.width();
        for (int y = 0; y < h; y++) {
          if (pixels) {
            for (int x = 0; x < wd; x++) {
              float[] v = new float[port.channels()];
              for (int c = 0; c < port.channels(); c++) {
                v[c] = image.get(port.sourceFrom() + c, y, x);
              }
              ref.tell(new CoreActor.Data(i, portId, y, x, 1, v, ready, route, 0, 8));
              sent++;
            }
          } else {
            float[] v = new float[port.channels() * wd];
            for (int c = 0; c < port.channels(); c++) {
              System.arraycopy(image.data(), ((port.sourceFrom() + c) * h + y) * wd, v, c * wd, wd);
            }
            ref.tell(new CoreActor.Data(i, portId, y, 0, wd, v, ready, route, 0, 8));
            sent++;
          }
        }
      }
      if (setup.live() != null) {
        setup.live().injected(vertex, sent);
      }
    }
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
    int i = o.image();
    if (o.epoch() != epoch) {
      return this;
    }
    if (logits[i] == null) {
      logits[i] = new float[outValues];
    }
    int hw = out.height() * out.width();
    int channels = o.values().length / o.count();
    for (int c = 0; c < channels; c++) {
      for (int x = 0; x < o.count(); x++) {
        logits[i][(o.channel0() + c) * hw + o.row() * out.width() + x] = o.values()[c * o.count() + x];
      }
    }
    received[i] += o.values().length;
    virtualDone[i] = Math.max(virtualDone[i], o.ready());
    if (received[i] == outValues) {
      long took = Math.max(1, System.nanoTime() - wallStart[i]);
      latency.recordValue(took);
      if (setup.live() != null) {
        setup.live().imageDone(took, virtualDone[i]);
      }
      completed++;
      pending.remove(i);
      setup.progress().accept(completed);
      if (injected < total && !inject()) {
        return Behaviors.stopped();
      }
      if (completed == total) {
        t1 = System.nanoTime();
        ActorRef<CoreActor.Stats> adapter = getContext().messageAdapter(CoreActor.Stats.class, GotStats::new);
        actors.values().forEach(a -> a.tell(new CoreActor.GetStats(adapter)));
      }
    } else if (received[i] > outValues) {
      throw new IllegalStateException("image " + i + " received " + received[i] + " output values, expected " + outValues);
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
    RunReport r = report();
    setup.deployment().finish(getContext());
    setup.result().complete(r);
    return Behaviors.stopped();
  }

  private RunReport report() {
    double wall = (t1 - t0) / 1e9;
    double[] done = virtualDone.clone();
    Arrays.sort(done);
    double span = done[total - 1] - done[0];
    double virtualRate = total > 1 && span > 0 ? (total - 1) / span : 1 / done[0];
    double[] vlat = new double[total];
    for (int i = 0; i < total; i++) {
      vlat[i] = virtualDone[i] - virtualStart[i];
    }
    Arrays.sort(vlat);
    double makespan = done[total - 1];
    List<RunReport.CoreReport> cores = new ArrayList<>();
    List<RunReport.ChannelReport> channels = new ArrayList<>();
    stats.sort((a, b) -> Integer.compare(a.vertex(), b.vertex()));
    for (CoreActor.Stats s : stats) {
      if (s.core() >= 0) {
        cores.add(new RunReport.CoreReport(s.core(), setup.graph().cores().get(s.core()).layer(),
            s.vertex(), s.mvms(), makespan > 0 ? s.virtualBusy() / makespan : 0,
            s.busyNanos() / 1e9 / wall, s.messagesIn(), s.messagesOut()));
      }
      s.channelBits().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
          channels.add(new RunReport.ChannelReport(s.vertex(), e.getKey(), e.getValue() / 8.0 / total)));
    }
    cores.sort((a, b) -> Integer.compare(a.id(), b.id()));
    Map<String, double[]> byMember = new java.util.TreeMap<>();
    for (CoreActor.Stats st : stats) {
      String m = memberOf.get(st.vertex());
      if (m != null) {
        double[] acc = byMember.computeIfAbsent(m, k -> new double[3]);
        acc[1]++;
        if (st.core() >= 0) {
          acc[0]++;
        }
      }
    }
    double cross = 0;
    for (RunReport.ChannelReport c : channels) {
      String a = memberOf.get(c.from());
      if (a != null && !a.equals(memberOf.get(c.to()))) {
        byMember.get(a)[2] += c.bytesPerImage();
        cross += c.bytesPerImage();
      }
    }
    List<RunReport.MemberReport> members = new ArrayList<>();
    byMember.forEach((m, acc) -> members.add(new RunReport.MemberReport(m, (int) acc[0], (int) acc[1], acc[2])));
    int[] top1 = new int[total];
    for (int i = 0; i < total; i++) {
      int best = 0;
      for (int c = 1; c < logits[i].length; c++) {
        if (logits[i][c] > logits[i][best]) {
          best = c;
        }
      }
      top1[i] = best;
    }
    CoreGraph g = setup.graph();
    return new RunReport(g.network().name(), setup.fabric().spec(), g.tiling().crossbar().toString(),
        setup.options().pixels() ? "pixel" : "row", total, wall, total / wall,
        latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
        virtualRate, vlat[total / 2] * 1e6, Double.NaN, Double.NaN, maxInFlight,
        stats.stream().mapToInt(CoreActor.Stats::maxImagesHeld).max().orElse(0), cores, channels,
        members, cross, List.copyOf(incidents), redone, top1, logits);
  }
}
