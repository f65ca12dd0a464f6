package fivepp.mapping;

import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Pool;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Weight replication (issue 14, item 4): the cores of a layer copied {@code r} times, copy j
 * computing a contiguous band of every image's output rows, so that each copy does about 1/r of
 * the layer's MVMs and the pipeline's bound (paper.md B8) rises.
 *
 * <p>Rules, stated once:
 *
 * <ul>
 *   <li><b>Bands.</b> Copy j of r computes output rows [floor(j H / r), floor((j+1) H / r)) of the
 *       layer's output (after its post-pool), so the bands differ by at most one row. It computes
 *       the convolution rows those need: the same rows without a post-pool; with one, the rows
 *       its pooled rows' windows read, so a pooling window that straddles two bands has its
 *       shared convolution row computed by both copies (and counted in both copies' MVMs).
 *   <li><b>Halo.</b> A copy receives the input rows its windows read: its band's rows, plus up to
 *       {@code dilation (kernel - 1)} rows of the next band's (and fewer, at the top, of the
 *       previous band's, where the padding ends). A producer row that two copies read travels to
 *       both: that duplication is the halo's whole cost on the channels.
 *   <li><b>Outputs.</b> A copy sends each consumer core the rows of its band that the consumer
 *       reads; the consumer reassembles rows by their number, so it sees the same rows as without
 *       copies, from several producers. Partial sums chain within a copy; a residual travels from
 *       the copy holding its rows to the copy adding them.
 *   <li><b>What is copied.</b> A layer whose output has at least two rows, with no global pooling,
 *       not gated by squeeze-and-excitation nor gating, not in a forwarded concatenation and not
 *       the network's output. Every core of the layer (row tiles and column groups) is copied.
 *   <li><b>How many copies</b> ({@link #auto}): greedily, level by level. The layers at the
 *       current bound (the most MVMs per core) each get the fewest more copies that lower their
 *       MVMs per core; all of them at once, since the bound falls only when every one does. It
 *       stops when that would exceed the budget of cores, or a layer at the bound cannot be
 *       copied (or split) further.
 * </ul>
 */
public final class Replication {

  /** No copies. */
  public static final Replication NONE = new Replication(Map.of(), 0, 0, 0, 0, 0, "");

  /**
   * The rows one copy covers, each range [from, to): {@code out} of the layer's output (after the
   * post-pool), {@code conv} of the convolution's output (its MVMs), {@code convIn} of the
   * convolution's input (after the pre-pool) and {@code in} of the layer's input as received.
   */
  public record Band(int copy, int outFrom, int outTo, int convFrom, int convTo, int convInFrom,
      int convInTo, int inFrom, int inTo) {
    /** Convolution rows computed: the copy's MVMs are these times the row's width. */
    public int convRows() {
      return convTo - convFrom;
    }
  }

  private final Map<String, Integer> copies;
  private final int budget;
  private final int coresBefore;
  private final int coresAfter;
  private final long maxMvmsBefore;
  private final long maxMvmsAfter;
  private final String stopped;

  private Replication(Map<String, Integer> copies, int budget, int coresBefore, int coresAfter,
      long maxMvmsBefore, long maxMvmsAfter, String stopped) {
    this.stopped = stopped;
    this.copies = Collections.unmodifiableMap(new LinkedHashMap<>(copies));
    this.budget = budget;
    this.coresBefore = coresBefore;
    this.coresAfter = coresAfter;
    this.maxMvmsBefore = maxMvmsBefore;
    this.maxMvmsAfter = maxMvmsAfter;
  }

  /** The layers with more than one copy, in layer order, and their number of copies. */
  public Map<String, Integer> copies() {
    return copies;
  }

  /** Copies of {@code layer}: 1 unless it is replicated. */
  public int copiesOf(String layer) {
    return copies.getOrDefault(layer, 1);
  }

  public int budget() {
    return budget;
  }

  public int coresBefore() {
    return coresBefore;
  }

  public int coresAfter() {
    return coresAfter;
  }

  /** The most MVMs per image of any core without copies. */
  public long maxMvmsBefore() {
    return maxMvmsBefore;
  }

  /** The most MVMs per image of any core with the copies. */
  public long maxMvmsAfter() {
    return maxMvmsAfter;
  }

  /** Why {@link #auto} copied no further, in words. */
  public String stopped() {
    return stopped;
  }

  /** Band {@code copy} of {@code copies} of layer {@code l}. */
  public static Band band(Layer l, int copy, int copies) {
    int h = l.output().height();
    int o0 = (int) ((long) copy * h / copies);
    int o1 = (int) ((long) (copy + 1) * h / copies);
    int hc = l.convOutput().height();
    int c0 = o0, c1 = o1;
    if (l.postPool() != null) {
      c0 = l.postPool().rows(o0, hc)[0];
      c1 = l.postPool().rows(o1 - 1, hc)[1];
    }
    int hci = l.convInput().height();
    int i0 = Math.max(0, c0 * l.strideH() - l.padTop());
    int i1 = Math.min(hci, (c1 - 1) * l.strideH() - l.padTop() + l.dilationH() * (l.kernelH() - 1) + 1);
    int r0 = i0, r1 = i1;
    if (l.prePool() != null) {
      int hin = l.input().height();
      r0 = l.prePool().rows(i0, hin)[0];
      r1 = l.prePool().rows(i1 - 1, hin)[1];
    }
    return new Band(copy, o0, o1, c0, c1, i0, i1, r0, r1);
  }

  /**
   * The band core {@code c} (of layer {@code l}) computes, or null when its layer is not copied and
   * it computes every row.
   */
  public static Band bandOf(Layer l, Core c) {
    return c.copies() == 1 ? null : band(l, c.copy(), c.copies());
  }

  /** MVMs per image of the busiest copy when {@code l} has {@code copies} copies. */
  public static long mvmsPerCopy(Layer l, int copies) {
    if (copies == 1) {
      return l.mvmsPerImage();
    }
    long w = l.convOutput().width();
    long max = 0;
    for (int j = 0; j < copies; j++) {
      max = Math.max(max, band(l, j, copies).convRows() * w);
    }
    return max;
  }

  /** Why {@code l} cannot be copied, or null when it can. */
  public static String notCopyable(CoreGraph g, Layer l) {
    Network net = g.network();
    if (l == net.output()) {
      return "the network's output";
    }
    if (l.output().height() < 2) {
      return "an output of one row";
    }
    if ((l.postPool() != null && l.postPool().kind() == Pool.Kind.GLOBAL_AVG)
        || (l.prePool() != null && l.prePool().kind() == Pool.Kind.GLOBAL_AVG)) {
      return "global pooling";
    }
    if (l.gate() != null || net.layers().stream().anyMatch(o -> o.gate() != null && o.gate().from().equals(l.name()))) {
      return "a squeeze-and-excitation gate";
    }
    for (List<String> chain : g.forwardedConcats()) {
      if (chain.contains(l.name())) {
        return "a forwarded concatenation";
      }
    }
    return null;
  }

  /**
   * Chooses the copies for {@code base} (a core graph without copies) within {@code budget}
   * cores, greedily raising the slowest stage (see the class comment).
   *
   * @throws IllegalArgumentException when the budget is below the cores {@code base} needs
   */
  public static Replication auto(CoreGraph base, int budget) {
    Network net = base.network();
    int cores = base.cores().size();
    if (budget < cores) {
      throw new IllegalArgumentException(String.format("--core-budget %d is below the %d cores %s needs"
          + " without copies; give at least %d", budget, cores, net.name(), cores));
    }
    Map<String, Integer> n = new LinkedHashMap<>();
    Set<String> fixed = new HashSet<>();
    for (Layer l : net.layers()) {
      n.put(l.name(), 1);
      if (notCopyable(base, l) != null) {
        fixed.add(l.name());
      }
    }
    long before = base.maxMvmsPerCore();
    long level = before;
    int used = cores;
    String stopped = null;
    while (stopped == null) {
      Map<String, Integer> next = new LinkedHashMap<>();
      int extra = 0;
      for (Layer l : net.layers()) {
        int r = n.get(l.name());
        if (mvmsPerCopy(l, r) < level) {
          continue;
        }
        if (fixed.contains(l.name())) {
          stopped = l.name() + ", at the bound, cannot be copied: " + notCopyable(base, l);
          break;
        }
        int r2 = r + 1;
        int h = l.output().height();
        while (r2 <= h && mvmsPerCopy(l, r2) >= level) {
          r2++;
        }
        if (r2 > h) {
          stopped = l.name() + ", at the bound, has no rows left to split";
          break;
        }
        next.put(l.name(), r2);
        extra += (r2 - r) * base.coresOf(l.name()).size();
      }
      if (stopped != null) {
        break;
      }
      Map<String, Integer> tried = new LinkedHashMap<>(n);
      tried.putAll(next);
      long nextLevel = 0;
      for (Layer l : net.layers()) {
        nextLevel = Math.max(nextLevel, mvmsPerCopy(l, tried.get(l.name())));
      }
      if (used + extra > budget) {
        stopped = String.format("the next level, %d MVMs per core, needs %d cores", nextLevel, used + extra);
        break;
      }
      n = tried;
      used += extra;
      level = nextLevel;
    }
    Map<String, Integer> copied = new LinkedHashMap<>();
    n.forEach((l, r) -> {
      if (r > 1) {
        copied.put(l, r);
      }
    });
    return new Replication(copied, budget, cores, used, before, level, stopped);
  }

  /** Exactly these copies (layers absent have one), for tests and for members rebuilding an array. */
  public static Replication of(CoreGraph base, Map<String, Integer> copies) {
    Network net = base.network();
    Map<String, Integer> copied = new LinkedHashMap<>();
    int used = 0;
    long level = 0;
    for (Layer l : net.layers()) {
      int r = copies.getOrDefault(l.name(), 1);
      if (r > 1) {
        String why = notCopyable(base, l);
        if (why != null) {
          throw new IllegalArgumentException("layer " + l.name() + " cannot be copied: " + why);
        }
        if (r > l.output().height()) {
          throw new IllegalArgumentException("layer " + l.name() + " has " + l.output().height()
              + " output rows, too few for " + r + " copies");
        }
        copied.put(l.name(), r);
      }
      used += r * base.coresOf(l.name()).size();
      level = Math.max(level, mvmsPerCopy(l, r));
    }
    return new Replication(copied, used, base.cores().size(), used, base.maxMvmsPerCore(), level, "as given");
  }
}
