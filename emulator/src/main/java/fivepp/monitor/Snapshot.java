package fivepp.monitor;

import java.util.ArrayList;
import java.util.List;

/**
 * What the monitor shows at one moment: the run's progress, every core's and channel's
 * counters and rates, the latency so far, and the fabric with the placement. A plain value:
 * serialised as JSON for {@code /api/snapshot} and {@code /api/stream}, and exported as
 * Prometheus metrics. Snapshots of several members merge into one ({@link #merge}); every core,
 * router and channel carries the member that runs it.
 *
 * @param seq increases by one with every sample the sampler takes
 * @param timeMillis wall clock of the sample (ms since the epoch)
 */
public record Snapshot(long seq, long timeMillis, Run run, List<CoreSample> cores,
    List<CoreSample> routers, List<ChannelSample> channels, Latency latency, FabricView fabric) {

  /**
   * The run as a whole.
   *
   * @param imagesPerSecond images completed per wall-clock second over the last interval
   * @param elapsedSeconds wall-clock seconds since the monitor started sampling
   * @param virtualSeconds the latest virtual time at which a completed image was ready
   * @param done true once every image has completed
   */
  public record Run(String model, String fabric, String granularity, long imagesTotal,
      long imagesDone, double imagesPerSecond, double elapsedSeconds, double virtualSeconds,
      boolean done) {}

  /**
   * One core (or router) at this moment: counters since the run began and rates over the last
   * interval.
   *
   * @param busy fraction of the last interval's wall-clock time the core spent computing
   * @param virtualBusy the core's MVM time over the virtual time elapsed so far (the latest
   *     virtual clock of any core)
   * @param queueDepth messages sent to the vertex that it has not yet taken in
   */
  public record CoreSample(String member, int core, String layer, int vertex, long mvms,
      double mvmsPerSecond, long messagesIn, long messagesOut, double busy, double virtualBusy,
      long queueDepth) {}

  /** One channel (a direction of a link) at this moment: bytes since the run began, and per second. */
  public record ChannelSample(String member, int from, int to, long bytes, double bytesPerSecond,
      long messages) {}

  /** Wall-clock latency of the images completed so far, in milliseconds. */
  public record Latency(long count, double meanMs, double p50Ms, double p99Ms, double maxMs) {}

  /** This snapshot without the fabric, which does not change during a run. */
  public Snapshot withoutFabric() {
    return new Snapshot(seq, timeMillis, run, cores, routers, channels, latency, null);
  }

  /**
   * The snapshot of a whole array run by several members: the cores, routers and channels of
   * all of them, the run and latency of {@code parts.get(0)} (the coordinator, where images
   * complete) and the fabric of the first part that has one.
   */
  public static Snapshot merge(long seq, List<Snapshot> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("nothing to merge");
    }
    Snapshot head = parts.get(0);
    List<CoreSample> cores = new ArrayList<>();
    List<CoreSample> routers = new ArrayList<>();
    List<ChannelSample> channels = new ArrayList<>();
    FabricView fabric = null;
    long time = 0;
    for (Snapshot p : parts) {
      cores.addAll(p.cores());
      routers.addAll(p.routers());
      channels.addAll(p.channels());
      time = Math.max(time, p.timeMillis());
      if (fabric == null) {
        fabric = p.fabric();
      }
    }
    cores.sort((a, b) -> Integer.compare(a.core(), b.core()));
    return new Snapshot(seq, time, head.run(), List.copyOf(cores), List.copyOf(routers),
        List.copyOf(channels), head.latency(), fabric);
  }
}
