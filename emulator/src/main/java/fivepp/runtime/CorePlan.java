package fivepp.runtime;

import fivepp.model.Weights;
import fivepp.model.LayerWeights;
import fivepp.mapping.Core;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Flow;
import fivepp.mapping.Replication;
import fivepp.mapping.Transfer;
import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.Network;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one core actor needs to know, derived from the core graph and the weights: its weight
 * tile, its digital unit's parameters, what it receives on which port, and what it sends where.
 *
 * <p>Ports number what a core receives: the transfers addressed to it, in core-graph order, then
 * the image channels the coordinator injects (for layers that read the image).
 */
public final class CorePlan {
  /**
   * A rectangle of one group's crossbar matrix: rows [rowFrom, rowTo) of group {@code group}
   * (channel-major (ci, ky, kx)), output channels [colFrom, colTo), weights row-major with rows
   * padded to whole vectors ({@link #stride()}); for each
   * row, the core-input channel it reads, its kernel row and its column offset (kx * dilation).
   */
  public record Block(int group, int rowFrom, int rowTo, int colFrom, int colTo, float[] weights,
      int[] channel, int[] ky, int[] dx) {
    /** Columns of {@link #weights()} per row: the block's columns padded to whole vectors. */
    public int stride() {
      return Kernels.padded(colTo - colFrom);
    }
  }

  /**
   * An input port: what arrives on it and where it goes. Rows [rowFrom, rowTo) of the source's
   * output arrive on it (before a residual's subsampling; for partial sums, of the convolution's
   * output): every row unless a layer is copied.
   */
  public record Port(Flow.Kind kind, String source, int sourceFrom, int channels, int destChannel,
      int stride, fivepp.model.Shape sourceShape, int rowFrom, int rowTo) {}

  /**
   * An outgoing transfer: send channels [sourceFrom, sourceTo) of {@code source} to core
   * {@code to}, port {@code port}, along {@code route} (fabric vertices, both ends included).
   * {@code bitsPerImage} is what it carries per image; {@code share[h]} is its share of the
   * bandwidth of the channel from {@code route[h]} to {@code route[h+1]}: its bits over the bits
   * of every transfer routed over that channel (1 when it has the channel to itself). Only rows
   * [rowFrom, rowTo) of the source go (numbered as {@link Port}'s): every row unless a layer is
   * copied ({@link fivepp.mapping.Replication}).
   */
  public record Send(Flow.Kind kind, String source, int sourceFrom, int sourceTo, int to, int port,
      int stride, int bits, int[] route, long bitsPerImage, double[] share, int rowFrom, int rowTo) {

    /** A send of every row. */
    public Send(Flow.Kind kind, String source, int sourceFrom, int sourceTo, int to, int port,
        int stride, int bits, int[] route, long bitsPerImage, double[] share) {
      this(kind, source, sourceFrom, sourceTo, to, port, stride, bits, route, bitsPerImage, share, 0,
          Transfer.ALL_ROWS);
    }
  }

  public final Core core;
  public final Layer layer;
  public final List<Block> blocks;
  /** Bias of the output channels [core.outFrom, core.outTo); used by the accumulator only. */
  public final float[] bias;
  /** Pre-activation scale and shift per input channel [core.inFrom, core.inTo), or null. */
  public final float[] inScale;
  public final float[] inShift;
  public final List<Port> ports;
  public final List<Send> sends;
  /** True when the layer's output goes to the coordinator (the classifier's accumulators). */
  public final boolean sink;
  /** The rows this core computes when its layer is copied; null when it computes every row. */
  public final Replication.Band band;

  private CorePlan(Core core, Layer layer, List<Block> blocks, float[] bias, float[] inScale,
      float[] inShift, List<Port> ports, List<Send> sends, boolean sink, Replication.Band band) {
    this.band = band;
    this.core = core;
    this.layer = layer;
    this.blocks = blocks;
    this.bias = bias;
    this.inScale = inScale;
    this.inShift = inShift;
    this.ports = ports;
    this.sends = sends;
    this.sink = sink;
  }

  /** The ports on which the core receives channels straight from the image. */
  public int[] imagePorts() {
    return java.util.stream.IntStream.range(0, ports.size())
        .filter(i -> ports.get(i).source().equals(Network.INPUT)).toArray();
  }

  /**
   * Plans every core. {@code vertexOf[core]} places cores on the fabric and {@code route}
   * gives the path between two vertices.
   */
  public static List<CorePlan> of(CoreGraph g, Weights w, int[] vertexOf,
      java.util.function.BiFunction<Integer, Integer, int[]> route) {
    return of(g, w, vertexOf, route, c -> true);
  }

  /**
   * Plans the cores {@code wanted} accepts (by id, in id order) and no other: {@code w} needs
   * the weights of their layers only.
   */
  public static List<CorePlan> of(CoreGraph g, Weights w, int[] vertexOf,
      java.util.function.BiFunction<Integer, Integer, int[]> route, java.util.function.IntPredicate wanted) {
    return of(g, w, vertexOf, route, wanted, true);
  }

  /**
   * Plans every core without its weights: no blocks, a zero bias, no pre-activation: what a
   * coordinator whose cores are all on cluster members needs (ports, routes, MVMs per image),
   * without drawing or holding the array's weights.
   */
  public static List<CorePlan> routesOf(CoreGraph g, int[] vertexOf,
      java.util.function.BiFunction<Integer, Integer, int[]> route) {
    return of(g, null, vertexOf, route, c -> true, false);
  }

  private static List<CorePlan> of(CoreGraph g, Weights w, int[] vertexOf,
      java.util.function.BiFunction<Integer, Integer, int[]> route, java.util.function.IntPredicate wanted,
      boolean weights) {
    Network net = g.network();
    List<List<Port>> ports = new ArrayList<>();
    List<List<Send>> sends = new ArrayList<>();
    for (int i = 0; i < g.cores().size(); i++) {
      ports.add(new ArrayList<>());
      sends.add(new ArrayList<>());
    }
    for (Transfer t : g.transfers()) {
      List<Port> in = ports.get(t.to());
      fivepp.model.Shape shape = t.kind() == Flow.Kind.PARTIAL_SUM ? net.layer(t.source()).convOutput()
          : net.outputOf(t.source());
      int rowTo = Math.min(t.rowTo(), shape.height());
      in.add(new Port(t.kind(), t.source(), t.sourceFrom(), t.channels(), t.destChannel(), t.stride(),
          shape, t.rowFrom(), rowTo));
      int[] path = route.apply(vertexOf[t.from()], vertexOf[t.to()]);
      sends.get(t.from()).add(new Send(t.kind(), t.source(), t.sourceFrom(), t.sourceTo(), t.to(),
          in.size() - 1, t.stride(), t.bits(), path, t.bitsPerImage(), new double[Math.max(0, path.length - 1)],
          t.rowFrom(), rowTo));
    }
    shareChannels(sends);
    List<CorePlan> plans = new ArrayList<>();
    for (Core c : g.cores()) {
      if (!wanted.test(c.id())) {
        continue;
      }
      Layer l = net.layer(c.layer());
      Replication.Band band = Replication.bandOf(l, c);
      int offset = 0;
      for (Input in : l.inputs()) {
        if (in.from().equals(Network.INPUT)) {
          int lo = Math.max(c.inFrom(), offset);
          int hi = Math.min(c.inTo(), offset + in.channels());
          if (lo < hi) {
            ports.get(c.id()).add(new Port(Flow.Kind.ACTIVATION, Network.INPUT,
                in.firstChannel() + lo - offset, hi - lo, lo, 1, net.input(),
                band == null ? 0 : band.inFrom(), band == null ? net.input().height() : band.inTo()));
          }
        }
        offset += in.channels();
      }
      if (!weights) {
        plans.add(new CorePlan(c, l, List.of(), new float[c.outTo() - c.outFrom()], null, null,
            List.copyOf(ports.get(c.id())), List.copyOf(sends.get(c.id())), l == net.output() && c.accumulator(), band));
        continue;
      }
      LayerWeights lw = w.of(l.name());
      plans.add(new CorePlan(c, l, blocks(l, c, lw, g.tiling().crossbar().rows()),
          java.util.Arrays.copyOfRange(lw.bias(), c.outFrom(), c.outTo()),
          lw.inScale() == null ? null : java.util.Arrays.copyOfRange(lw.inScale(), c.inFrom(), c.inTo()),
          lw.inShift() == null ? null : java.util.Arrays.copyOfRange(lw.inShift(), c.inFrom(), c.inTo()),
          List.copyOf(ports.get(c.id())), List.copyOf(sends.get(c.id())),
          l == net.output() && c.accumulator(), band));
    }
    return plans;
  }

  /**
   * Fills every send's share of each channel on its route: its bits per image over the channel's
   * (paper.md B7: a channel's load is the sum of the flows routed over it). Links are shared in
   * fixed proportions, so a transfer's timing never depends on the order in which other
   * transfers happen to reach a channel.
   */
  private static void shareChannels(List<List<Send>> sends) {
    Map<Long, Long> load = channelLoads(sends.stream().flatMap(List::stream).toList());
    for (List<Send> ss : sends) {
      for (Send s : ss) {
        for (int h = 0; h + 1 < s.route().length; h++) {
          long total = load.get(channel(s.route(), h));
          s.share()[h] = total == 0 ? 1 : (double) s.bitsPerImage() / total;
        }
      }
    }
  }

  /**
   * The bits per image on every channel {@code sends} cross, keyed by {@link #channel}: a
   * channel's load is the sum of the transfers routed over it (paper.md B7).
   */
  static Map<Long, Long> channelLoads(Iterable<Send> sends) {
    Map<Long, Long> load = new HashMap<>();
    for (Send s : sends) {
      for (int h = 0; h + 1 < s.route().length; h++) {
        load.merge(channel(s.route(), h), s.bitsPerImage(), Long::sum);
      }
    }
    return load;
  }

  /** The channel from {@code route[h]} to {@code route[h+1]}: the first vertex high, the second low. */
  static long channel(int[] route, int h) {
    return ((long) route[h] << 32) | (route[h + 1] & 0xffffffffL);
  }

  /** The weight blocks of core c: whole groups packed block-diagonally, or one group's tile. */
  private static List<Block> blocks(Layer l, Core c, LayerWeights lw, int crossbarRows) {
    int g = l.groups();
    int cg = l.outChannels() / g;
    int rg = l.rows();
    List<Block> out = new ArrayList<>();
    int firstGroup = c.outFrom() / cg;
    int lastGroup = (c.outTo() - 1) / cg;
    boolean packed = c.outFrom() % cg == 0 && c.outTo() % cg == 0 && c.rows() == (lastGroup - firstGroup + 1) * rg;
    for (int grp = firstGroup; grp <= lastGroup; grp++) {
      int r0 = packed ? 0 : (int) Math.min((long) c.rowTile() * crossbarRows, rg);
      int r1 = packed ? rg : r0 + c.rows();
      int c0 = Math.max(c.outFrom(), grp * cg);
      int c1 = Math.min(c.outTo(), (grp + 1) * cg);
      out.add(block(l, lw, grp, r0, r1, c0, c1, c.inFrom()));
    }
    return out;
  }

  private static Block block(Layer l, LayerWeights lw, int grp, int r0, int r1, int c0, int c1, int inFrom) {
    int kk = l.kernelH() * l.kernelW();
    int cinG = l.input().channels() / l.groups();
    int rg = l.rows();
    int stride = Kernels.padded(c1 - c0);
    float[] wt = new float[(r1 - r0) * stride];
    int[] channel = new int[r1 - r0];
    int[] kys = new int[r1 - r0];
    int[] dx = new int[r1 - r0];
    for (int r = r0; r < r1; r++) {
      int ci = r / kk;
      int ky = (r % kk) / l.kernelW();
      int kx = r % l.kernelW();
      channel[r - r0] = grp * cinG + ci - inFrom;
      kys[r - r0] = ky;
      dx[r - r0] = kx * l.dilationW();
      for (int co = c0; co < c1; co++) {
        wt[(r - r0) * stride + co - c0] = lw.weights()[co * rg + r];
      }
    }
    return new Block(grp, r0, r1, c0, c1, wt, channel, kys, dx);
  }
}
