package fivepp.cluster;

import fivepp.runtime.RunReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Placement of an array on cluster members balanced by work: the array's vertices, in fabric
 * vertex order, cut into contiguous segments, one per member in address order, so that the
 * slowest member's work per processor is as small as it can be, while each member's segment fits
 * in its heap and its {@code --capacity}. Contiguous segments keep 5PP's single-hop flows inside
 * a machine except at the cuts.
 *
 * <p>Exact: the smallest bottleneck {@code T} (work per image per processor, a whole number of
 * MAC equivalents) is found by binary search, each candidate checked greedily (every member in
 * turn takes the longest prefix that fits {@code T} times its processors, its memory and its
 * capacity; that greedy reaches furthest, so it fails only when no cut fits). Among the cuts
 * that meet {@code T}, each member takes the share of the remaining work its processors are owed
 * (as near as whole vertices and the members after it allow), and at least one vertex while
 * there are vertices enough for every member.
 */
public final class WorkPlacement {
  /** The part of a member's maximum heap an array may fill; the rest is the JVM's and Pekko's. */
  public static final double HEAP_USABLE = 0.8;

  private final int[] vertices;
  private final List<Member.Info> members;
  private final long[] work;
  private final long[] memory;
  private final int[] processors;
  private final long[] budget;

  private WorkPlacement(VertexCosts costs, int[] vertices, List<Member.Info> members) {
    this.vertices = vertices.clone();
    Arrays.sort(this.vertices);
    List<Member.Info> ms = new ArrayList<>(members);
    ms.sort(Comparator.comparing(Member.Info::address));
    this.members = ms;
    int n = this.vertices.length;
    work = new long[n + 1];
    memory = new long[n + 1];
    for (int i = 0; i < n; i++) {
      VertexCosts.Vertex x = costs.vertex(this.vertices[i]);
      work[i + 1] = work[i] + x.work();
      memory[i + 1] = memory[i] + x.memoryBytes();
    }
    processors = new int[ms.size()];
    budget = new long[ms.size()];
    for (int m = 0; m < ms.size(); m++) {
      processors[m] = Math.max(1, ms.get(m).processors());
      budget[m] = usableHeap(ms.get(m)) - costs.sharedBytes();
    }
  }

  /** The heap an array may fill on {@code m}: unbounded when it did not say. */
  static long usableHeap(Member.Info m) {
    return m.maxHeapBytes() <= 0 ? Long.MAX_VALUE / 4 : (long) (m.maxHeapBytes() * HEAP_USABLE);
  }

  /**
   * Cuts the {@code vertices} of the array priced by {@code costs} into one contiguous segment per
   * member (address to its vertices, in address order; a member left without vertices is left out).
   *
   * @throws IllegalArgumentException when the members' capacities or heaps cannot hold the array,
   *     in one line saying what is needed and what to do
   */
  public static Map<String, int[]> cut(VertexCosts costs, int[] vertices, List<Member.Info> members) {
    return new WorkPlacement(costs, vertices, members).cut(costs);
  }

  private Map<String, int[]> cut(VertexCosts costs) {
    int n = vertices.length;
    int k = members.size();
    long capacity = members.stream().mapToLong(Member.Info::capacity).sum();
    if (capacity < n) {
      throw new IllegalArgumentException("the cluster's " + k + " member(s) host at most " + capacity
          + " vertices and the array needs " + n + ": start more members or raise their --capacity");
    }
    if (!fits(Long.MAX_VALUE / 4)) {
      long offered = members.stream().mapToLong(WorkPlacement::usableHeap).sum();
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
          "the array does not fit in the heap of the cluster's %d member(s): its vertices need %,d MiB, every"
              + " member also holds %,d MiB of the model, and they offer %,d MiB (%.0f%% of their maximum heap):"
              + " start more members or give them more heap (-Xmx)",
          k, mib(memory[n]), mib(costs.sharedBytes()), mib(offered), 100 * HEAP_USABLE));
    }
    long lo = 0;
    long hi = work[n];
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (fits(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    int[] ends = balanced(hi);
    Map<String, int[]> out = new LinkedHashMap<>();
    int from = 0;
    for (int m = 0; m < k; m++) {
      if (ends[m] > from) {
        out.put(members.get(m).address(), Arrays.copyOfRange(vertices, from, ends[m]));
      }
      from = ends[m];
    }
    return out;
  }

  private static long mib(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }

  /** True when every vertex can be placed with no member doing more than {@code t} per processor. */
  private boolean fits(long t) {
    int c = 0;
    for (int m = 0; m < members.size(); m++) {
      c = reach(m, c, t);
    }
    return c == vertices.length;
  }

  /** The furthest end of a segment of member {@code m} starting at {@code from} under {@code t}. */
  private int reach(int m, int from, long t) {
    if (budget[m] < 0) {
      return from;
    }
    int cap = (int) Math.min(vertices.length, (long) from + members.get(m).capacity());
    int j = Math.min(cap, last(work, from, t * processors[m]));
    return Math.min(j, last(memory, from, budget[m]));
  }

  /** The earliest start of a segment of member {@code m} ending at {@code to} under {@code t}. */
  private int start(int m, int to, long t) {
    if (budget[m] < 0) {
      return to;
    }
    int s = Math.max(0, to - members.get(m).capacity());
    s = Math.max(s, first(work, to, t * processors[m]));
    return Math.max(s, first(memory, to, budget[m]));
  }

  /** The largest j >= from with prefix[j] - prefix[from] <= limit. */
  private static int last(long[] prefix, int from, long limit) {
    int lo = from;
    int hi = prefix.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (prefix[mid] - prefix[from] <= limit) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** The smallest s <= to with prefix[to] - prefix[s] <= limit. */
  private static int first(long[] prefix, int to, long limit) {
    int lo = 0;
    int hi = to;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (prefix[to] - prefix[mid] <= limit) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * The end of every member's segment under bottleneck {@code t} (which fits): each member's end
   * lies between the earliest from which the members after it can still finish and the furthest it
   * reaches, as near as possible to its processors' share of the work left.
   */
  private int[] balanced(long t) {
    int n = vertices.length;
    int k = members.size();
    int[] after = new int[k]; // after[m]: smallest end of m from which members m+1.. cover the rest
    after[k - 1] = n;
    for (int m = k - 1; m > 0; m--) {
      after[m - 1] = start(m, after[m], t);
    }
    long[] procsFrom = new long[k + 1];
    for (int m = k - 1; m >= 0; m--) {
      procsFrom[m] = procsFrom[m + 1] + processors[m];
    }
    int[] ends = new int[k];
    int c = 0;
    for (int m = 0; m < k; m++) {
      int lo = Math.max(c, after[m]);
      int hi = reach(m, c, t);
      int later = k - 1 - m;
      if (n - c > later && Math.max(lo, c + 1) <= Math.min(hi, n - later)) { // vertices enough for everyone
        lo = Math.max(lo, c + 1);
        hi = Math.min(hi, n - later);
      }
      double target = work[c] + (work[n] - work[c]) * (double) processors[m] / procsFrom[m];
      int j = Math.max(lo, Math.min(hi, last(work, c, (long) (target - work[c]))));
      if (j < hi && Math.abs(work[j + 1] - target) <= Math.abs(work[j] - target)) { // a tie: take more
        j++;
      }
      ends[m] = j;
      c = j;
    }
    return ends;
  }

  /**
   * Each member's share of the array under {@code assignment} (address to vertices), in address
   * order: cores, vertices, MACs and work per image with its share of the total, weight bytes,
   * estimated heap, and the bytes and messages per image its channels send to other members.
   */
  public static List<RunReport.MemberShare> shares(VertexCosts costs, Map<String, int[]> assignment,
      List<Member.Info> members) {
    Map<Integer, String> owner = new HashMap<>();
    assignment.forEach((a, vs) -> Arrays.stream(vs).forEach(v -> owner.put(v, a)));
    long total = owner.keySet().stream().mapToLong(v -> costs.vertex(v).work()).sum();
    List<RunReport.MemberShare> out = new ArrayList<>();
    assignment.keySet().stream().sorted().forEach(a -> {
      Member.Info info = members.stream().filter(i -> i.address().equals(a)).findFirst().orElse(null);
      int cores = 0;
      long macs = 0;
      long w = 0;
      long weights = 0;
      long mem = costs.sharedBytes();
      for (int v : assignment.get(a)) {
        VertexCosts.Vertex x = costs.vertex(v);
        cores += x.core() >= 0 ? 1 : 0;
        macs += x.macs();
        w += x.work();
        weights += x.weightBytes();
        mem += x.memoryBytes();
      }
      double bytesOut = 0;
      long messagesOut = 0;
      for (VertexCosts.Channel ch : costs.channels()) {
        if (a.equals(owner.get(ch.from())) && !a.equals(owner.get(ch.to()))) {
          bytesOut += ch.bytesPerImage();
          messagesOut += ch.messagesPerImage();
        }
      }
      out.add(new RunReport.MemberShare(a, info == null ? 0 : info.processors(),
          info == null ? 0 : info.maxHeapBytes(), cores, assignment.get(a).length, macs, w,
          total == 0 ? 0 : w / (double) total, weights, mem, bytesOut, messagesOut));
    });
    return out;
  }
}
