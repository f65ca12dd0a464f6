package fivepp.stress;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What one region of a run counted, in a form that adds up: the measurements of a network cut into
 * regions are the sum of the regions' tallies, exactly those of the whole network simulated at
 * once. Arrays are indexed by global node or channel.
 *
 * @param offeredFlits per source node, flits created in the measurement window
 * @param acceptedFlits per source node, flits of its packets ejected in the window
 * @param lostFlits per source node, flits of its packets dropped in the window
 * @param channelBusy per channel, flits carried in the window
 * @param latencies the latency of every measured packet delivered, in no particular order
 * @param sumNetworkLatency their latencies from injection, summed
 * @param sumHops their hops, summed
 * @param sumZeroLoad their routes' zero-load latencies, summed
 * @param generated packets created
 * @param delivered packets delivered
 * @param measured packets created in the window
 * @param measuredDone measured packets delivered or dropped
 * @param flitHops flits moved over channels
 * @param drops the packets dropped, with their faults
 */
public record Tally(long[] offeredFlits, long[] acceptedFlits, long[] lostFlits, long[] channelBusy, int[] latencies,
    long sumNetworkLatency, long sumHops, long sumZeroLoad, long generated, long delivered, long measured,
    long measuredDone, long flitHops, List<StressResult.Drop> drops) {

  /** The sum of several regions' tallies; drops in the order of cycle, source and sequence. */
  public static Tally sum(List<Tally> parts) {
    Tally first = parts.get(0);
    long[] offered = new long[first.offeredFlits.length];
    long[] accepted = new long[offered.length];
    long[] lost = new long[offered.length];
    long[] busy = new long[first.channelBusy.length];
    int latencyCount = parts.stream().mapToInt(t -> t.latencies.length).sum();
    int[] lat = new int[latencyCount];
    long net = 0, hops = 0, zero = 0, gen = 0, del = 0, meas = 0, done = 0, fh = 0;
    List<StressResult.Drop> drops = new ArrayList<>();
    int at = 0;
    for (Tally t : parts) {
      add(offered, t.offeredFlits);
      add(accepted, t.acceptedFlits);
      add(lost, t.lostFlits);
      add(busy, t.channelBusy);
      System.arraycopy(t.latencies, 0, lat, at, t.latencies.length);
      at += t.latencies.length;
      net += t.sumNetworkLatency;
      hops += t.sumHops;
      zero += t.sumZeroLoad;
      gen += t.generated;
      del += t.delivered;
      meas += t.measured;
      done += t.measuredDone;
      fh += t.flitHops;
      drops.addAll(t.drops);
    }
    drops.sort(Comparator.comparingInt(StressResult.Drop::cycle).thenComparingInt(StressResult.Drop::src)
        .thenComparingLong(StressResult.Drop::seq));
    return new Tally(offered, accepted, lost, busy, lat, net, hops, zero, gen, del, meas, done, fh, List.copyOf(drops));
  }

  private static void add(long[] into, long[] from) {
    for (int i = 0; i < into.length; i++) {
      into[i] += from[i];
    }
  }
}
