package fivepp.mapping;

import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.Network;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network cut into CM cores, and the flows between them (paper.md B2, B3).
 *
 * <p>Rules, stated once:
 *
 * <ul>
 *   <li>Rows of a layer's matrix are ordered channel-major (channel, ky, kx), so a row tile reads
 *       a contiguous range of input channels and receives only those.
 *   <li>A layer of R x C needs ceil(R/X) row tiles in each of ceil(C/Y) column groups. The row
 *       tiles of a column group accumulate in a chain: tile t sends its partial sums to tile t+1;
 *       the last tile adds the bias, runs activation and pooling, and sends the activations.
 *   <li>A residual enters a column group at its first row tile, which starts the chain of partial
 *       sums from it (at layer granularity that is the one core of the layer). The residual
 *       travels once, at activation width, and the chain carries it on in the partial sums.
 *   <li>Grouped and depthwise convolutions are packed block-diagonally: as many whole groups as fit
 *       in both dimensions share one crossbar (one MVM computes them all, the off-diagonal devices
 *       hold zeros); a group too large for a crossbar is tiled on its own as above.
 *   <li>A squeeze-and-excitation gate (1x1xC) travels from the gate layer's accumulating cores to
 *       every core of the gated layer whose input channels it scales, at activation width, once
 *       per image; the gated core holds its input until the gate has arrived.
 *   <li>The network's input image enters the first layer's cores, and the logits leave the last
 *       layer's, off the fabric: neither is a flow.
 * </ul>
 */
public final class CoreGraph {
  private final Network network;
  private final Tiling tiling;
  private final List<Core> cores;
  private final List<Flow> flows;
  private final List<Transfer> transfers;
  private final Map<String, List<Core>> coresByLayer;
  private final List<List<String>> forwardedConcats;
  private final Replication replication;

  private CoreGraph(Network network, Tiling tiling, List<Core> cores, List<Flow> flows,
      List<Transfer> transfers, Map<String, List<Core>> coresByLayer,
      List<List<String>> forwardedConcats, Replication replication) {
    this.network = network;
    this.replication = replication;
    this.tiling = tiling;
    this.cores = List.copyOf(cores);
    this.flows = List.copyOf(flows);
    this.transfers = List.copyOf(transfers);
    this.coresByLayer = Collections.unmodifiableMap(coresByLayer);
    this.forwardedConcats = List.copyOf(forwardedConcats);
  }

  public Network network() {
    return network;
  }

  public Tiling tiling() {
    return tiling;
  }

  public List<Core> cores() {
    return cores;
  }

  public List<Flow> flows() {
    return flows;
  }

  /** The transfers behind the flows, in the order they were derived. */
  public List<Transfer> transfers() {
    return transfers;
  }

  /** The layers copied, and how many times ({@link Replication#NONE} for none). */
  public Replication replication() {
    return replication;
  }

  /** The band of rows core {@code c} computes: every row unless its layer is copied. */
  public Replication.Band band(Core c) {
    return Replication.band(network.layer(c.layer()), c.copy(), c.copies());
  }

  /** All the cores of {@code layer}, every copy's, copy by copy. */
  public List<Core> coresOf(String layer) {
    return coresByLayer.getOrDefault(layer, List.of());
  }

  /** The concatenations that are forwarded (each a list of producers, in chain order). */
  public List<List<String>> forwardedConcats() {
    return forwardedConcats;
  }

  /** The most MVMs any core does per image: the pipeline's bound (paper.md B8). */
  public long maxMvmsPerCore() {
    return cores.stream().mapToLong(Core::mvmsPerImage).max().orElse(0);
  }

  /** One line naming the representation used for the layer graph (paper.md B1). */
  public String representation() {
    boolean concats = network.layers().stream().anyMatch(l -> l.inputs().size() > 1);
    String c = !concats ? "no concatenation"
        : tiling.concat() == Tiling.Concat.FORWARD
            ? "concat forwarding (" + forwardedConcats.size() + " concatenations chained)"
            : "direct concatenation";
    boolean gates = network.hasGates();
    return "weight layers as nodes; batch-norm folded; activation, pooling and residual addition"
        + " in the digital unit of the receiving core; " + c
        + "; partial sums accumulated in a chain of row tiles, residuals entering at the first"
        + (gates ? "; squeeze-and-excitation gates sent to every core of the gated layer, which"
            + " holds its input until the gate arrives" : "");
  }

  /** The system property that raises (or lowers) the limit on cores. */
  public static final String MAX_CORES_PROPERTY = "fivepp.max-cores";
  /** Cores a network may be cut into unless {@value #MAX_CORES_PROPERTY} says otherwise. */
  public static final int DEFAULT_MAX_CORES = 20_000;

  /** The core limit in force: {@value #MAX_CORES_PROPERTY} if set to a whole number >= 1, else the default. */
  public static int maxCores() {
    return fivepp.fabric.Limits.ofInt(MAX_CORES_PROPERTY, DEFAULT_MAX_CORES);
  }

  /**
   * How many cores {@link #of} cuts {@code network} into, counted from the layer shapes alone
   * (no core is built): the same rule as the tiling, in constant time per layer.
   */
  public static long coreCount(Network network, Tiling tiling) {
    return coreCount(network, tiling, Replication.NONE);
  }

  /** As {@link #coreCount(Network, Tiling)}, with every copy of the layers {@code r} copies. */
  public static long coreCount(Network network, Tiling tiling, Replication r) {
    long x = tiling.crossbar().rows();
    long y = tiling.crossbar().cols();
    long n = 0;
    for (Layer l : network.layers()) {
      long g = l.groups();
      long rg = l.rows();
      long cg = l.outChannels() / g;
      long k;
      if (g > 1 && rg <= x && cg <= y) {
        long perCore = Math.min(x / rg, y / cg);
        k = (g + perCore - 1) / perCore;
      } else {
        k = g * ((cg + y - 1) / y) * ((rg + x - 1) / x);
      }
      n += k * r.copiesOf(l.name());
    }
    return n;
  }

  /**
   * Cuts {@code network} into cores and derives every flow.
   *
   * @throws IllegalArgumentException when it would take more than {@link #maxCores()} cores: the
   *     message names the count, the limit and how to raise it
   */
  public static CoreGraph of(Network network, Tiling tiling) {
    return of(network, tiling, Replication.NONE);
  }

  /**
   * Cuts {@code network} into cores, copies the layers {@code replication} names (each copy
   * computing its band of rows), and derives every flow.
   *
   * @throws IllegalArgumentException as {@link #of(Network, Tiling)}
   */
  public static CoreGraph of(Network network, Tiling tiling, Replication replication) {
    long n = coreCount(network, tiling, replication);
    int limit = maxCores();
    if (n > limit) {
      throw new IllegalArgumentException(String.format("%s with crossbar %s needs %,d cores, over the limit of %,d;"
          + " use a larger --crossbar, or raise the limit with FIVEPP_JAVA_OPTS=-D%s=N", network.name(),
          tiling.crossbar(), n, limit, MAX_CORES_PROPERTY));
    }
    return new Builder(network, tiling, replication).build();
  }

  /**
   * Where a channel range of some producer's output is held, as seen by a consumer: rows
   * [rowFrom, rowTo) of it, each {@code width} pixels wide.
   */
  private record Part(int holder, int offset, int channels, long pixels, String source, int sourceFrom,
      int rowFrom, int rowTo, int width) {}

  private static final class Builder {
    private final Network net;
    private final Tiling tiling;
    private final Replication replication;
    private final List<Core> cores = new ArrayList<>();
    private final Map<String, List<Core>> byLayer = new LinkedHashMap<>();
    private final List<Transfer> transfers = new ArrayList<>();
    /** Forward mode: producer -> the producers whose channels it receives and passes on. */
    private final Map<String, List<String>> prefix = new HashMap<>();
    private final List<List<String>> chains = new ArrayList<>();

    private record FlowKey(int from, int to, Flow.Kind kind) {}

    Builder(Network net, Tiling tiling, Replication replication) {
      this.net = net;
      this.tiling = tiling;
      this.replication = replication;
    }

    CoreGraph build() {
      for (Layer l : net.layers()) {
        tile(l);
      }
      if (tiling.concat() == Tiling.Concat.FORWARD) {
        planForwarding();
      }
      for (Layer l : net.layers()) {
        partialSums(l);
        activations(l);
        residual(l);
        gate(l);
      }
      forwards();
      Map<FlowKey, Long> bits = new LinkedHashMap<>();
      for (Transfer t : transfers) {
        bits.merge(new FlowKey(t.from(), t.to(), t.kind()), t.bitsPerImage(), Long::sum);
      }
      List<Flow> list = new ArrayList<>();
      bits.forEach((k, b) -> list.add(new Flow(k.from(), k.to(), (b + 7) / 8, k.kind())));
      return new CoreGraph(net, tiling, cores, list, transfers, byLayer, chains, replication);
    }

    // ---- tiling -------------------------------------------------------------------------

    private void tile(Layer l) {
      List<Core> mine = new ArrayList<>();
      int copies = replication.copiesOf(l.name());
      for (int copy = 0; copy < copies; copy++) {
        tile(l, copy, copies, mine);
      }
      byLayer.put(l.name(), mine);
    }

    /** The cores of copy {@code copy} of {@code copies} of layer l, added to {@code mine}. */
    private void tile(Layer l, int copy, int copies, List<Core> mine) {
      int g = l.groups();
      int cin = l.input().channels();
      int kk = l.kernelH() * l.kernelW();
      int rg = l.rows();
      int cg = l.outChannels() / g;
      long x = tiling.crossbar().rows();
      long y = tiling.crossbar().cols();
      long mvms = copies == 1 ? l.mvmsPerImage()
          : (long) Replication.band(l, copy, copies).convRows() * l.convOutput().width();
      int colGroup = 0;
      if (g > 1 && rg <= x && cg <= y) {
        long perCore = Math.min(x / rg, y / cg);
        for (long first = 0; first < g; first += perCore, colGroup++) {
          int n = (int) Math.min(perCore, g - first);
          int f = (int) first;
          mine.add(core(l, colGroup, 0, 1, n * rg, n * cg, f * (cin / g), (f + n) * (cin / g),
              f * cg, (f + n) * cg, mvms, copy, copies));
        }
      } else {
        for (int grp = 0; grp < g; grp++) {
          int inBase = grp * (cin / g);
          int outBase = grp * cg;
          int rowTiles = (int) ((rg + x - 1) / x);
          for (long c0 = 0; c0 < cg; c0 += y, colGroup++) {
            int c1 = (int) Math.min(cg, c0 + y);
            for (int t = 0; t < rowTiles; t++) {
              long r0 = t * x;
              int r1 = (int) Math.min(rg, r0 + x);
              mine.add(core(l, colGroup, t, rowTiles, (int) (r1 - r0), (int) (c1 - c0),
                  inBase + (int) (r0 / kk), inBase + (r1 - 1) / kk + 1,
                  outBase + (int) c0, outBase + c1, mvms, copy, copies));
            }
          }
        }
      }
    }

    private Core core(Layer l, int colGroup, int rowTile, int rowTiles, int rows, int cols,
        int inFrom, int inTo, int outFrom, int outTo, long mvms, int copy, int copies) {
      Core c = new Core(cores.size(), l.name(), net.indexOf(l.name()), colGroup, rowTile, rowTiles,
          rows, cols, inFrom, inTo, outFrom, outTo, mvms, copy, copies);
      cores.add(c);
      return c;
    }

    // ---- flows --------------------------------------------------------------------------

    private void add(Transfer t) {
      if (t.channels() > 0 && t.from() != t.to()) {
        transfers.add(t);
      }
    }

    private void partialSums(Layer l) {
      List<Core> cs = byLayer.get(l.name());
      for (int i = 0; i + 1 < cs.size(); i++) {
        Core a = cs.get(i);
        Core b = cs.get(i + 1);
        if (!a.accumulator() && b.colGroup() == a.colGroup() && b.copy() == a.copy()) {
          Replication.Band band = Replication.band(l, a.copy(), a.copies());
          int r0 = a.copies() == 1 ? 0 : band.convFrom();
          int r1 = a.copies() == 1 ? l.convOutput().height() : band.convTo();
          add(new Transfer(a.id(), b.id(), Flow.Kind.PARTIAL_SUM, l.name(), a.outFrom(), a.outTo(),
              -1, 1, a.mvmsPerImage(), tiling.partialSumBits(), r0, r1));
        }
      }
    }

    /** The cores holding the layer's own output channels [from, from+count), one part each. */
    private List<Part> own(String producer, int from, int count, int offset) {
      List<Part> parts = new ArrayList<>();
      fivepp.model.Shape out = net.outputOf(producer);
      long pixels = out.pixels();
      Layer l = net.layer(producer);
      for (Core c : byLayer.get(producer)) {
        if (c.accumulator()) {
          int lo = Math.max(c.outFrom(), from);
          int hi = Math.min(c.outTo(), from + count);
          if (lo < hi) {
            Replication.Band band = Replication.bandOf(l, c);
            parts.add(new Part(c.id(), offset + lo - from, hi - lo, pixels, producer, lo,
                band == null ? 0 : band.outFrom(), band == null ? out.height() : band.outTo(), out.width()));
          }
        }
      }
      return parts;
    }

    /** The core that receives and passes on the channels forwarded to a layer. */
    private int forwardingCore(String layer) {
      List<Core> cs = byLayer.get(layer);
      return cs.get(cs.size() - 1).id();
    }

    private int channelsOf(List<String> producers) {
      return producers.stream().mapToInt(p -> net.outputOf(p).channels()).sum();
    }

    /**
     * Where the channels of a forwarded concatenation are held: the last producer of the chain
     * holds everything the chain passed on to it, plus its own output. Offsets are those of
     * {@code offsets} (the concatenation's channel order, which the chain order need not follow).
     */
    private List<Part> forwardedConcat(List<String> chain, Map<String, Integer> offsets) {
      String last = chain.get(chain.size() - 1);
      fivepp.model.Shape out = net.outputOf(last);
      long pixels = out.pixels();
      List<Part> parts = new ArrayList<>();
      for (String p : chain.subList(0, chain.size() - 1)) {
        parts.add(new Part(forwardingCore(last), offsets.get(p), net.outputOf(p).channels(), pixels, p, 0,
            0, out.height(), out.width()));
      }
      parts.addAll(own(last, 0, net.outputOf(last).channels(), offsets.get(last)));
      return parts;
    }

    private void activations(Layer l) {
      List<Part> parts = new ArrayList<>();
      List<String> chain = forwardedChain(l);
      if (chain != null) {
        Map<String, Integer> offsets = new HashMap<>();
        int offset = 0;
        for (Input in : l.inputs()) {
          offsets.put(in.from(), offset);
          offset += in.channels();
        }
        parts.addAll(forwardedConcat(chain, offsets));
      } else {
        int offset = 0;
        for (Input in : l.inputs()) {
          if (!in.from().equals(Network.INPUT)) {
            parts.addAll(own(in.from(), in.firstChannel(), in.channels(), offset));
          }
          offset += in.channels();
        }
      }
      int height = l.input().height();
      for (Core c : byLayer.get(l.name())) {
        Replication.Band band = Replication.bandOf(l, c);
        int need0 = band == null ? 0 : band.inFrom();
        int need1 = band == null ? height : band.inTo();
        for (Part p : parts) {
          int lo = Math.max(c.inFrom(), p.offset());
          int hi = Math.min(c.inTo(), p.offset() + p.channels());
          int r0 = Math.max(need0, p.rowFrom());
          int r1 = Math.min(need1, p.rowTo());
          if (lo < hi && r0 < r1) {
            int s0 = p.sourceFrom() + lo - p.offset();
            long pixels = r1 - r0 == height ? p.pixels() : (long) (r1 - r0) * p.width();
            add(new Transfer(p.holder(), c.id(), Flow.Kind.ACTIVATION, p.source(), s0, s0 + hi - lo,
                lo, 1, pixels, tiling.activationBits(), r0, r1));
          }
        }
      }
    }

    private void residual(Layer l) {
      if (l.residual() == null) {
        return;
      }
      String src = l.residual().from();
      int first = l.residual().firstChannel();
      long pixels = l.convOutput().pixels();
      int s = l.residual().stride();
      int srcHeight = net.outputOf(src).height();
      for (Core c : byLayer.get(l.name())) {
        if (c.rowTile() != 0) {
          continue;
        }
        // the residual of conv row y is the source's row y * stride
        Replication.Band band = Replication.bandOf(l, c);
        int need0 = band == null ? 0 : band.convFrom() * s;
        int need1 = band == null ? srcHeight : (band.convTo() - 1) * s + 1;
        for (Part p : own(src, 0, net.outputOf(src).channels(), 0)) {
          // source channel k is added to output channel first + k
          int lo = Math.max(c.outFrom() - first, p.offset());
          int hi = Math.min(c.outTo() - first, p.offset() + p.channels());
          int r0 = Math.max(need0, p.rowFrom());
          int r1 = Math.min(need1, p.rowTo());
          // rows r0 <= y < r1 with y % s == 0
          long rows = Math.max(0, (r1 + s - 1) / s - (r0 + s - 1) / s);
          if (lo < hi && rows > 0) {
            boolean all = band == null && p.rowFrom() == 0 && p.rowTo() == srcHeight;
            add(new Transfer(p.holder(), c.id(), Flow.Kind.RESIDUAL, src, lo, hi, first + lo,
                s, all ? pixels : rows * l.convOutput().width(), tiling.activationBits(), r0, r1));
          }
        }
      }
    }

    /** The gate: channel k of its source scales input channel k of every core reading it. */
    private void gate(Layer l) {
      if (l.gate() == null) {
        return;
      }
      String src = l.gate().from();
      List<Part> parts = own(src, 0, net.outputOf(src).channels(), 0);
      for (Core c : byLayer.get(l.name())) {
        for (Part p : parts) {
          int lo = Math.max(c.inFrom(), p.offset());
          int hi = Math.min(c.inTo(), p.offset() + p.channels());
          if (lo < hi) {
            add(new Transfer(p.holder(), c.id(), Flow.Kind.GATE, src, lo, hi, lo, 1, 1,
                tiling.activationBits()));
          }
        }
      }
    }

    /**
     * The chain order of l's input when it is a concatenation of >= 2 distinct whole layer
     * outputs: the producers by depth (longest path from the image), ties in concatenation order,
     * so the deepest producer, which finishes last, passes the whole concatenation on.
     */
    private List<String> chainOf(Layer l) {
      if (l.inputs().size() < 2) {
        return null;
      }
      List<String> ps = new ArrayList<>();
      for (Input in : l.inputs()) {
        if (in.from().equals(Network.INPUT) || in.firstChannel() != 0
            || in.channels() != net.outputOf(in.from()).channels() || ps.contains(in.from())) {
          return null;
        }
        ps.add(in.from());
      }
      ps.sort(java.util.Comparator.comparingInt(this::depth));
      return ps;
    }

    private final Map<String, Integer> depths = new HashMap<>();

    private int depth(String layer) {
      Integer d = depths.get(layer);
      if (d == null) {
        d = 1 + net.layer(layer).producers().stream().mapToInt(this::depth).max().orElse(0);
        depths.put(layer, d);
      }
      return d;
    }

    /** The chain l's input is forwarded along, or null when it is received directly. */
    private List<String> forwardedChain(Layer l) {
      List<String> chain = chainOf(l);
      if (chain == null) {
        return null;
      }
      for (int i = 0; i < chain.size(); i++) {
        if (!chain.subList(0, i).equals(prefix.get(chain.get(i)))) {
          return null;
        }
      }
      return chain;
    }

    /**
     * Chooses the concatenations to forward: each producer can pass on one prefix, so a
     * concatenation whose producers already forward a different prefix stays direct.
     */
    private void planForwarding() {
      for (Layer l : net.layers()) {
        List<String> chain = chainOf(l);
        if (chain == null) {
          continue;
        }
        boolean fits = true;
        for (int i = 0; i < chain.size(); i++) {
          List<String> had = prefix.get(chain.get(i));
          fits &= had == null || had.equals(chain.subList(0, i));
        }
        if (fits) {
          for (int i = 0; i < chain.size(); i++) {
            prefix.putIfAbsent(chain.get(i), List.copyOf(chain.subList(0, i)));
          }
          if (!chains.contains(chain)) {
            chains.add(List.copyOf(chain));
          }
        }
      }
    }

    /** Forwarding flows: each producer with a prefix p1..pk receives it from pk's holders. */
    private void forwards() {
      for (Layer l : net.layers()) {
        List<String> before = prefix.get(l.name());
        if (before == null || before.isEmpty()) {
          continue;
        }
        int to = forwardingCore(l.name());
        Map<String, Integer> anyOffsets = new HashMap<>();
        before.forEach(b -> anyOffsets.put(b, 0));
        List<Part> parts = before.size() == 1
            ? own(before.get(0), 0, net.outputOf(before.get(0)).channels(), 0)
            : forwardedConcat(before, anyOffsets);
        for (Part p : parts) {
          add(new Transfer(p.holder(), to, Flow.Kind.FORWARD, p.source(), p.sourceFrom(),
              p.sourceFrom() + p.channels(), -1, 1, p.pixels(), tiling.activationBits()));
        }
      }
    }
  }
}
