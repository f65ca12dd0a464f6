package fivepp.monitor;

import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Placement;
import fivepp.runtime.LiveStats;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Live monitoring of one run in one JVM: the {@link LiveStats} the run publishes to, a
 * {@link Sampler} taking a snapshot every second on a daemon thread, and the {@link
 * MonitorServer}. Pass {@link #live()} to {@code Emulator.run}; close it when done.
 */
public final class Monitor implements AutoCloseable {
  private final LiveStats live;
  private final Sampler sampler;
  private final MonitorServer server;
  private final ScheduledExecutorService ticker;

  private Monitor(LiveStats live, Sampler sampler, MonitorServer server, ScheduledExecutorService ticker) {
    this.live = live;
    this.sampler = sampler;
    this.server = server;
    this.ticker = ticker;
  }

  /**
   * Starts watching a run of {@code graph} on {@code fabric}, placed by {@code placement},
   * serving on {@code host}:{@code port} (0: a free port), labelling everything with {@code member}.
   *
   * @throws IllegalArgumentException with a one-line message when it cannot listen there
   */
  public static Monitor start(String host, int port, String member, CoreGraph graph, Fabric fabric,
      Placement placement, double tMvmSeconds, String granularity) {
    LiveStats live = new LiveStats(fabric.nodes(), tMvmSeconds);
    Sampler sampler = new Sampler(live, FabricView.of(fabric, graph, placement), member,
        graph.network().name(), granularity);
    MonitorServer server = MonitorServer.start(host, port, sampler::latest);
    sampler.onLatency(server.metrics()::recordLatency);
    return new Monitor(live, sampler, server, everySecond("fivepp-monitor-sampler", sampler::sample));
  }

  /** Runs {@code task} once a second on a daemon thread of its own, until shut down. */
  static ScheduledExecutorService everySecond(String name, Runnable task) {
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(task, 1, 1, TimeUnit.SECONDS);
    return ticker;
  }

  /** What the run publishes its counters to. */
  public LiveStats live() {
    return live;
  }

  /** Takes a sample now (e.g. right after the run, so the final counts show at once). */
  public Snapshot sample() {
    return sampler.sample();
  }

  public String url() {
    return server.url();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    server.close();
  }
}
