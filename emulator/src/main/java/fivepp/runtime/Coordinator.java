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

  /** Output values from a classifier core: channels from {@code channel0}, one row. */
  public record Output(int image, int channel0, int row, int count, float[] values, double ready)
      implements Command {}

  private record GotStats(CoreActor.Stats stats) implements Command {}

  /** Everything a run needs. */
  public record Setup(CoreGraph graph, List<CorePlan> plans, Fabric fabric, int[] vertexOf,
      Images.Source images, RunOptions options, IntConsumer progress,
      CompletableFuture<RunReport> result, LiveStats live) {

    /** A run nobody watches live. */
    public Setup(CoreGraph graph, List<CorePlan> plans, Fabric fabric, int[] vertexOf,
        Images.Source images, RunOptions options, IntConsumer progress,
        CompletableFuture<RunReport> result) {
      this(graph, plans, fabric, vertexOf, images, options, progress, result, null);
    }
  }

  private final Setup setup;
  private final Map<Integer, ActorRef<CoreActor.Command>> actors = new HashMap<>();
  private final List<CorePlan> inputCores = new ArrayList<>();
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
    build(ctx);
    ctx.getSelf().tell(Start.INSTANCE);
  }

  private enum Start implements Command { INSTANCE }

  private Behavior<Command> onStart() {
    t0 = System.nanoTime();
    if (setup.live() != null) {
      setup.live().start(total);
    }
    while (injected < Math.min(total, setup.options().window())) {
      if (!inject()) {
        return Behaviors.stopped();
      }
    }
    return this;
  }

  private void build(ActorContext<Command> ctx) {
    Fabric f = setup.fabric();
    RunOptions o = setup.options();
    CoreActor.LinkModel link = new CoreActor.LinkModel(o.linkBitsPerSecond(), o.linkLatencySeconds());
    Map<Integer, CorePlan> byVertex = new HashMap<>();
    for (CorePlan p : setup.plans()) {
      byVertex.put(setup.vertexOf()[p.core.id()], p);
      if (p.imagePorts().length > 0) {
        inputCores.add(p);
      }
    }
    java.util.TreeSet<Integer> vertices = new java.util.TreeSet<>(byVertex.keySet());
    for (CorePlan p : setup.plans()) {
      for (CorePlan.Send s : p.sends) {
        for (int v : s.route()) {
          vertices.add(v);
        }
      }
    }
    for (int v : vertices) {
      CorePlan p = byVertex.get(v);
      LiveStats.Vertex live = setup.live() == null ? null : setup.live().vertex(v, p == null ? -1 : p.core.id());
      ActorRef<CoreActor.Command> a = ctx.spawn(CoreActor.create(v, p, link, o.tMvmSeconds(), o.pixels(), live),
          p == null ? "router-" + v : "core-" + p.core.id());
      ctx.watch(a);
      actors.put(v, a);
    }
    for (int v : vertices) {
      Map<Integer, ActorRef<CoreActor.Command>> neighbours = new HashMap<>();
      for (int n : f.neighbors(v)) {
        ActorRef<CoreActor.Command> ref = actors.get(n);
        if (ref != null) {
          neighbours.put(n, ref);
        }
      }
      actors.get(v).tell(new CoreActor.Wire(neighbours, ctx.getSelf()));
    }
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
    return true;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Start.INSTANCE, this::onStart)
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
    if (stats.size() < actors.size()) {
      return this;
    }
    setup.result().complete(report());
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
        top1, logits);
  }
}
