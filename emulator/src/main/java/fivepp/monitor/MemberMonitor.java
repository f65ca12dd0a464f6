package fivepp.monitor;

import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Placement;
import fivepp.runtime.LiveStats;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Live monitoring of one cluster member ({@code fivepp node --monitor-port}): the cores it hosts
 * for the run it took on last, served like a run's monitor. Between runs it serves an empty
 * snapshot. The coordinator's monitor shows the whole array, gathered from every member.
 */
public final class MemberMonitor implements AutoCloseable {
  private volatile String member;
  private final MonitorServer server;
  private final ScheduledExecutorService ticker;
  private volatile Sampler current;
  private volatile Snapshot idle;

  private MemberMonitor(String member, MonitorServer server, ScheduledExecutorService ticker) {
    this.member = member;
    this.server = server;
    this.ticker = ticker;
  }

  /**
   * Serves on {@code host}:{@code port} (0: a free port) for the member at {@code member}.
   *
   * @throws IllegalArgumentException with a one-line message when it cannot listen there
   */
  public static MemberMonitor start(String host, int port, String member) {
    MemberMonitor[] self = new MemberMonitor[1];
    MonitorServer server = MonitorServer.start(host, port, () -> self[0].latest());
    ScheduledExecutorService ticker = Monitor.everySecond("fivepp-member-monitor", () -> {
      Sampler s = self[0] == null ? null : self[0].current;
      if (s != null) {
        s.sample();
      }
    });
    self[0] = new MemberMonitor(member, server, ticker);
    self[0].idle = Snapshot.plain(0, System.currentTimeMillis(),
        new Snapshot.Run("none", "none", "row", 0, 0, 0, 0, 0, false, Snapshot.Run.INFERENCE), List.of(), List.of(), List.of(),
        new Snapshot.Latency(0, 0, 0, 0, 0), new FabricView("none", "no run on this member yet", "circle",
            List.of(), List.of()));
    return self[0];
  }

  /** Watches a run this member begins to host: its counters and the array it belongs to. */
  public void watch(LiveStats live, CoreGraph graph, Fabric fabric, Placement placement, String granularity) {
    current = new Sampler(live, FabricView.of(fabric, graph, placement), member, graph.network().name(), granularity);
  }

  /** Labels what follows with the member's address, once it is known. */
  public void member(String address) {
    member = address;
  }

  /** The latest snapshot of the current run, or an empty one before the first. */
  public Snapshot latest() {
    Sampler s = current;
    return s == null ? idle : s.latest();
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
