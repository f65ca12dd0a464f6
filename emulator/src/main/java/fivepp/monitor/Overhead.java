package fivepp.monitor;

import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Placement;
import fivepp.model.Weights;
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.LiveStats;
import fivepp.runtime.RunOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What live monitoring costs in wall-clock throughput: the same run without it, with only the
 * counters the actors publish, and with the whole monitor, in one process, after a warm-up, in
 * rounds whose order rotates so that drifts of a shared machine hit every kind alike. A
 * monitored leg runs the whole monitor: the
 * counters, the sampler, the HTTP server, and a client that reads /api/stream (one snapshot a
 * second, as an open dashboard does) and fetches /metrics every 5 s (as Prometheus would).
 */
public final class Overhead {
  private Overhead() {}

  /** What a leg runs: no monitoring, only the counters (no sampler, no server), or the whole monitor, watched. */
  public enum Kind { NONE, COUNTERS, FULL }

  /** One leg: wall-clock images/s, and the process's CPU time per image in ms (all threads). */
  public record Leg(Kind kind, double imagesPerSecond, double cpuMsPerImage) {}

  /** Every leg, in the order they ran. */
  public record Result(List<Leg> legs) {
    public double medianRate(Kind kind) {
      return median(legs.stream().filter(l -> l.kind() == kind).mapToDouble(Leg::imagesPerSecond).toArray());
    }

    public double medianCpu(Kind kind) {
      return median(legs.stream().filter(l -> l.kind() == kind).mapToDouble(Leg::cpuMsPerImage).toArray());
    }

    /** Wall-clock throughput lost to {@code kind} of monitoring: 1 - its median rate / the median rate without. */
    public double rateCost(Kind kind) {
      return 1 - medianRate(kind) / medianRate(Kind.NONE);
    }

    /** CPU time per image {@code kind} of monitoring adds: its median / the median without - 1. */
    public double cpuCost(Kind kind) {
      return medianCpu(kind) / medianCpu(Kind.NONE) - 1;
    }

    private static double median(double[] v) {
      double[] s = v.clone();
      Arrays.sort(s);
      return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
  }

  /**
   * Measures {@code rounds} legs of {@code images} images of each kind, the order of the kinds
   * rotating from round to round; {@code progress} hears each leg.
   */
  public static Result measure(CoreGraph g, Weights w, Fabric f, Placement p, RunOptions o, int images,
      int warmup, int rounds, Consumer<Leg> progress) throws IOException {
    if (warmup > 0) {
      // monitored, so that the JIT has compiled the monitor's code as well as the emulator's
      leg(g, w, f, p, o, warmup, Kind.FULL);
    }
    Kind[] kinds = Kind.values();
    List<Leg> legs = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < kinds.length; i++) {
        Leg l = leg(g, w, f, p, o, images, kinds[(i + r) % kinds.length]);
        legs.add(l);
        progress.accept(l);
      }
    }
    return new Result(legs);
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static Leg leg(CoreGraph g, Weights w, Fabric f, Placement p, RunOptions o, int images,
      Kind kind) throws IOException {
    Images.Source src = Images.synthetic(g.network().input(), 1, images);
    if (kind != Kind.FULL) {
      LiveStats live = kind == Kind.COUNTERS ? new LiveStats(f.nodes(), o.tMvmSeconds()) : null;
      long cpu = cpuNanos();
      double rate = Emulator.run(g, w, f, p, src, o, i -> { }, live).wallImagesPerSecond();
      return new Leg(kind, rate, (cpuNanos() - cpu) / 1e6 / images);
    }
    try (Monitor m = Monitor.start("127.0.0.1", 0, "local", g, f, p, o.tMvmSeconds(), o.pixels() ? "pixel" : "row")) {
      Thread viewer = viewer(m.url());
      try {
        long cpu = cpuNanos();
        double rate = Emulator.run(g, w, f, p, src, o, i -> { }, m.live()).wallImagesPerSecond();
        return new Leg(kind, rate, (cpuNanos() - cpu) / 1e6 / images);
      } finally {
        viewer.interrupt();
      }
    }
  }

  /**
   * A daemon thread that watches like an open dashboard and a Prometheus server: it reads
   * {@code /api/stream} and fetches {@code /metrics} every 5 s, until interrupted.
   */
  private static Thread viewer(String url) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    java.util.concurrent.CompletableFuture<HttpResponse<Void>> stream = http.sendAsync(
        HttpRequest.newBuilder(URI.create(url + "api/stream")).build(), HttpResponse.BodyHandlers.discarding());
    Thread t = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          http.send(HttpRequest.newBuilder(URI.create(url + "metrics")).build(), HttpResponse.BodyHandlers.discarding());
          Thread.sleep(5000);
        }
      } catch (InterruptedException e) {
        // the leg is over
      } catch (IOException e) {
        // the server is closing: the leg is over
      } finally {
        stream.cancel(true);
      }
    }, "fivepp-monitor-viewer");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
