package fivepp.monitor;

import fivepp.runtime.LiveStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Turns a run's {@link LiveStats} into {@link Snapshot}s: counters as they stand, rates over
 * the interval since the previous sample. {@link #sample()} is called once a second by
 * whoever drives it (see {@link Monitor}); {@link #latest()} is the last sample taken.
 * Latencies drained from the run are handed to listeners too, exactly once each (the
 * Prometheus latency histogram is one).
 */
public final class Sampler {
  private final LiveStats live;
  private final FabricView fabric;
  private final String member;
  private final String model;
  private final String granularity;
  private final Map<Integer, String> layerOf = new HashMap<>();
  private final Histogram latency = new Histogram(3);
  private final List<LongConsumer> latencyListeners = new CopyOnWriteArrayList<>();
  private final long start = System.nanoTime();
  private long seq;
  private long lastNanos = start;
  private long lastDone;
  private Map<Integer, long[]> lastVertex = new HashMap<>();
  private Map<Long, Long> lastChannel = new HashMap<>();
  private volatile Snapshot latest;

  public Sampler(LiveStats live, FabricView fabric, String member, String model, String granularity) {
    this.live = live;
    this.fabric = fabric;
    this.member = member;
    this.model = model;
    this.granularity = granularity;
    for (FabricView.Node n : fabric.nodes()) {
      if (n.core() >= 0) {
        layerOf.put(n.core(), n.layer());
      }
    }
    this.latest = sample();
  }

  /** Receives every wall-clock image latency (ns) once, when the sample that drains it is taken. */
  public void onLatency(LongConsumer listener) {
    latencyListeners.add(listener);
  }

  /** The last sample taken. */
  public Snapshot latest() {
    return latest;
  }

  /** Takes a sample now and makes it the latest. */
  public synchronized Snapshot sample() {
    long now = System.nanoTime();
    double dt = Math.max(1e-9, (now - lastNanos) / 1e9);
    Histogram fresh = live.drainLatencies();
    latency.add(fresh);
    if (!latencyListeners.isEmpty()) {
      for (HistogramIterationValue v : fresh.recordedValues()) {
        for (long i = 0; i < v.getCountAtValueIteratedTo(); i++) {
          latencyListeners.forEach(l -> l.accept(v.getValueIteratedTo()));
        }
      }
    }
    Map<Integer, Long> sentTo = new HashMap<>();
    List<Snapshot.ChannelSample> channels = new ArrayList<>();
    Map<Long, Long> channelNow = new HashMap<>();
    for (LiveStats.Channel c : live.channels()) {
      long bits = c.bits();
      long msgs = c.messages();
      long key = ((long) c.from << 32) | c.to;
      channelNow.put(key, bits);
      sentTo.merge(c.to, msgs, Long::sum);
      if (bits > 0) {
        long before = lastChannel.getOrDefault(key, 0L);
        LiveStats.Vertex src = live.vertexOrNull(c.from);
        String runsOn = src == null || src.member() == null ? member : src.member();
        channels.add(new Snapshot.ChannelSample(runsOn, c.from, c.to, bits / 8,
            (bits - before) / 8.0 / dt, msgs));
      }
    }
    channels.sort((a, b) -> a.from() != b.from() ? Integer.compare(a.from(), b.from()) : Integer.compare(a.to(), b.to()));
    double horizon = 0;
    for (LiveStats.Vertex v : live.vertices()) {
      horizon = Math.max(horizon, v.virtualTime());
    }
    List<Snapshot.CoreSample> cores = new ArrayList<>();
    List<Snapshot.CoreSample> routers = new ArrayList<>();
    Map<Integer, long[]> vertexNow = new HashMap<>();
    for (LiveStats.Vertex v : live.vertices()) {
      long in = v.messagesIn();
      long mvms = v.mvms();
      long busy = v.busyNanos();
      long queued = Math.max(0, sentTo.getOrDefault(v.vertex, 0L) + v.injected() - in);
      long[] before = lastVertex.getOrDefault(v.vertex, new long[2]);
      vertexNow.put(v.vertex, new long[] {mvms, busy});
      Snapshot.CoreSample s = new Snapshot.CoreSample(v.member() == null ? member : v.member(), v.core,
          v.core < 0 ? "router" : layerOf.get(v.core), v.vertex, mvms, (mvms - before[0]) / dt,
          in, v.messagesOut(), Math.min(1, (busy - before[1]) / 1e9 / dt),
          horizon > 0 ? Math.min(1, mvms * live.tMvmSeconds() / horizon) : 0, queued);
      (v.core < 0 ? routers : cores).add(s);
    }
    cores.sort((a, b) -> Integer.compare(a.core(), b.core()));
    long done = live.imagesDone();
    long total = live.imagesTotal();
    Snapshot.Run run = new Snapshot.Run(model, fabric.spec(), granularity, total, done,
        (done - lastDone) / dt, (now - start) / 1e9, live.virtualHorizon(), total > 0 && done >= total, Snapshot.Run.INFERENCE);
    Snapshot.Latency lat = new Snapshot.Latency(latency.getTotalCount(),
        latency.getTotalCount() == 0 ? 0 : latency.getMean() / 1e6,
        latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
        latency.getMaxValue() / 1e6);
    Snapshot snap = Snapshot.inference(seq++, System.currentTimeMillis(), run, List.copyOf(cores),
        List.copyOf(routers), List.copyOf(channels), lat, fabric, live.boundImagesPerSecond(),
        Members.of(cores, channels, live.health()));
    lastNanos = now;
    lastDone = done;
    lastVertex = vertexNow;
    lastChannel = channelNow;
    latest = snap;
    return snap;
  }
}
