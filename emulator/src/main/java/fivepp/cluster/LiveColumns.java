package fivepp.cluster;

import fivepp.runtime.LiveStats;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Packs a member's live counters of one run into the columns of a {@link Member.LiveCounters}:
 * one entry per registered vertex (by ascending vertex), one per channel leaving them (in the
 * order they were registered), and one per (vertex, other member) the vertex sent envelopes to,
 * by vertex and then by the other member's address.
 */
final class LiveColumns {

  private LiveColumns() {}

  /**
   * The counters of {@code live} (null when the member hosts nothing of the run: every column
   * empty) as member {@code address} reports them for run {@code run}, with its heap in use and
   * its long-lived heap's peak.
   */
  static Member.LiveCounters pack(String address, long run, LiveStats live, long heapUsedBytes, long heapPeakBytes) {
    List<LiveStats.Vertex> vs = live == null ? List.of() : live.vertices();
    List<LiveStats.Channel> cs = live == null ? List.of() : live.channels();
    int n = vs.size();
    int[] vertex = new int[n];
    int[] core = new int[n];
    long[] mvms = new long[n];
    long[] busy = new long[n];
    double[] vtime = new double[n];
    long[] in = new long[n];
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      LiveStats.Vertex v = vs.get(i);
      vertex[i] = v.vertex;
      core[i] = v.core;
      mvms[i] = v.mvms();
      busy[i] = v.busyNanos();
      vtime[i] = v.virtualTime();
      in[i] = v.messagesIn();
      out[i] = v.messagesOut();
    }
    long[] flushes = new long[n];
    List<Integer> envFrom = new ArrayList<>();
    List<String> envTo = new ArrayList<>();
    List<Long> envs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      LiveStats.Envelopes e = vs.get(i).envelopes();
      flushes[i] = e.flushes();
      int v = vertex[i];
      new TreeMap<>(e.envelopesOut()).forEach((to, k) -> {
        envFrom.add(v);
        envTo.add(to);
        envs.add(k);
      });
    }
    int m = cs.size();
    int[] from = new int[m];
    int[] to = new int[m];
    long[] bits = new long[m];
    long[] msgs = new long[m];
    for (int i = 0; i < m; i++) {
      LiveStats.Channel c = cs.get(i);
      from[i] = c.from;
      to[i] = c.to;
      bits[i] = c.bits();
      msgs[i] = c.messages();
    }
    return new Member.LiveCounters(address, run, vertex, core, mvms, busy, vtime, in, out, from, to, bits, msgs,
        flushes, envFrom.stream().mapToInt(Integer::intValue).toArray(), envTo.toArray(String[]::new),
        envs.stream().mapToLong(Long::longValue).toArray(), heapUsedBytes, heapPeakBytes);
  }
}
