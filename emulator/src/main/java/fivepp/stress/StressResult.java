package fivepp.stress;

import java.util.List;

/**
 * What one stress run measured. Latencies are in cycles, counted from the cycle a packet is created
 * to the cycle its tail flit is ejected, both included (zero-load: hops x router delay + extra link
 * delay + packet flits); network latency starts when the head leaves the source instead. Throughputs
 * are flits per node per cycle over the measurement window, per sending node.
 *
 * @param fabric the fabric's description
 * @param traffic the traffic's description
 * @param faults the faults' description
 * @param nodes fabric nodes
 * @param sources nodes that send
 * @param vcs virtual channels per input port: classes deadlock freedom needs x VCs per class
 * @param reroutedPairs source-destination pairs routed around a fault
 * @param config the run's router model and lengths
 * @param zeroLoadLatency mean zero-load latency of the measured packets' routes
 * @param avgLatency mean packet latency of the measured packets delivered
 * @param p99Latency 99th percentile of it
 * @param maxLatency the largest
 * @param avgNetworkLatency mean latency from injection
 * @param avgHops mean hops of the measured packets delivered
 * @param offered mean offered flits per sending node per cycle (generated in the window)
 * @param minOffered the least of any sending node
 * @param accepted mean accepted flits per sending node per cycle (ejected in the window, by source)
 * @param minAccepted the least of any sending node
 * @param lost mean flits per sending node per cycle dropped in the window (by a fault)
 * @param channelUtilisation flits per cycle on every channel in the window, by channel index
 * @param channelNames "a->b" of every channel
 * @param generated packets created in the whole run
 * @param delivered packets delivered
 * @param dropped packets dropped, each listed in {@code drops}
 * @param measured packets created in the measurement window
 * @param measuredDone measured packets delivered or dropped before the drain limit
 * @param drops every dropped packet with its reason
 * @param cycles simulated cycles in all
 * @param flitHops flits moved over channels in all
 * @param wallSeconds wall-clock time of the run
 */
public record StressResult(
    String fabric, String traffic, String faults, int nodes, int sources, int vcs, int reroutedPairs,
    SimulatorSettings config, double zeroLoadLatency, double avgLatency, double p99Latency, double maxLatency,
    double avgNetworkLatency, double avgHops, double offered, double minOffered, double accepted,
    double minAccepted, double lost, double[] channelUtilisation, String[] channelNames, long generated, long delivered,
    long dropped, long measured, long measuredDone, List<Drop> drops, long cycles, long flitHops,
    double wallSeconds) {

  /**
   * A packet that did not arrive, with the fault that dropped it: the {@code seq}-th packet (from 0)
   * its source created, dropped at {@code node} in {@code cycle}.
   */
  public record Drop(int src, long seq, int dst, int cycle, int node, String reason) {
    /** The packet's name, {@code SOURCE.SEQ}. */
    public String id() {
      return src + "." + seq;
    }
  }

  /** True when every measured packet arrived or was dropped before the drain limit. */
  public boolean drained() {
    return measuredDone == measured;
  }

  /** The busiest channel's utilisation. */
  public double maxUtilisation() {
    double max = 0;
    for (double u : channelUtilisation) {
      max = Math.max(max, u);
    }
    return max;
  }

  /** Mean utilisation over the channels that carried anything. */
  public double meanUtilisation() {
    double sum = 0;
    int used = 0;
    for (double u : channelUtilisation) {
      if (u > 0) {
        sum += u;
        used++;
      }
    }
    return used == 0 ? 0 : sum / used;
  }

  /** Simulated flit-hops per wall-clock second. */
  public double flitHopsPerSecond() {
    return wallSeconds > 0 ? flitHops / wallSeconds : 0;
  }

  /** True when what was accepted, with what faults dropped, is at least 98% of what was offered. */
  public boolean keptUp() {
    return accepted + lost >= 0.98 * offered;
  }

  /**
   * True when the network kept up with the offered load ({@link #keptUp()}), every measured packet
   * was done within the drain limit, and no channel was busy 99% or more of the measurement window
   * (such a channel is saturated: its queue only grows).
   */
  public boolean sustained() {
    return drained() && keptUp() && maxUtilisation() < 0.99;
  }
}
