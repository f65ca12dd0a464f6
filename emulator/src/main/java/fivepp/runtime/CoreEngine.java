package fivepp.runtime;

import fivepp.mapping.Flow;
import fivepp.model.Activation;
import fivepp.model.Layer;
import fivepp.model.Pool;
import fivepp.model.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The work of one CM core, free of actors: it assembles its input rows from what arrives on its
 * ports, runs the digital unit's pre-activation and pre-pool, does one MVM per output pixel on
 * its weight tile, chains partial sums, adds the residual, bias and activation, pools, and hands
 * each finished row (or pixel) to {@link Out}. It also passes forwarded concatenations on.
 *
 * <p>Virtual time (paper.md B8): every value carries the time it is ready; an MVM starts at the
 * later of its window's ready times and the core's free time and takes {@code tMvm}. Images are
 * computed strictly in order, so virtual time does not depend on message timing.
 *
 * <p>{@link #receive} only stores what arrives; {@link #flush} computes every row it made ready,
 * several rows (of one image or more) per pass over the weights.
 */
public final class CoreEngine {

  /** Where finished data goes. {@code values} are channel-major: [channel][pixel]. */
  public interface Out {
    void send(CorePlan.Send send, int image, int row, int col, int count, float[] values, double ready);

    void sink(int image, int row, int count, float[] values, double ready);
  }

  private static final class RowBuf {
    final float[] v;
    final double[] ready;
    int received;
    boolean activated;
    /** The ready time of every pixel, -1 when they differ, NaN until asked (once complete). */
    private double uniform = Double.NaN;

    RowBuf(int values, int width) {
      v = new float[values];
      ready = new double[width];
    }

    /** A complete row of these values, ready at these times. */
    RowBuf(float[] values, double[] ready) {
      v = values;
      this.ready = ready;
      received = values.length;
    }

    /** A complete row that takes {@code values} as they are, ready at {@code at}. */
    RowBuf(float[] values, int width, double at) {
      v = values;
      ready = new double[width];
      java.util.Arrays.fill(ready, at);
      received = values.length;
    }

    double uniformReady() {
      if (Double.isNaN(uniform)) {
        double u = ready.length == 0 ? 0 : ready[0];
        for (double d : ready) {
          if (d != u) {
            u = -1;
            break;
          }
        }
        uniform = u;
      }
      return uniform;
    }
  }

  /** Row buffers indexed by row; rows outside [0, height) read as absent (padding). */
  private static final class Rows {
    final RowBuf[] at;
    /** Rows below this one have been dropped. */
    int low;

    Rows(int height) {
      at = new RowBuf[height];
    }

    RowBuf get(int y) {
      return y >= 0 && y < at.length ? at[y] : null;
    }

    RowBuf remove(int y) {
      RowBuf r = at[y];
      at[y] = null;
      return r;
    }

    /** Drops the rows below {@code y}. */
    void dropBelow(int y) {
      dropBelow(y, null);
    }

    /** Drops the rows below {@code y}, adding them to {@code into} unless it is null. */
    void dropBelow(int y, List<RowBuf> into) {
      for (int i = low, end = Math.min(y, at.length); i < end; i++) {
        if (into != null && at[i] != null) {
          into.add(at[i]);
        }
        at[i] = null;
      }
      low = Math.max(low, y);
    }
  }

  private final class ImageState {
    final int image;
    final Rows raw = new Rows(in.height());
    final Rows convIn = new Rows(conv.height());
    final Rows psum = new Rows(convOut.height());
    final Rows residual = new Rows(convOut.height());
    final Rows post = new Rows(convOut.height());
    final Map<String, TreeMap<Integer, RowBuf>> held = new HashMap<>();
    final Map<String, Integer> heldRowsDone = new HashMap<>();
    int nextConvIn = firstConvIn;
    int nextOut = firstOut;
    int nextPost = firstPost;
    /**
     * The squeeze-and-excitation gate of this image, one value per input channel of the core,
     * once any of it has arrived; how many channels have, and when the last did.
     */
    float[] gate;
    int gateReceived;
    double gateReady;

    ImageState(int image) {
      this.image = image;
    }
  }

  /** An output row whose inputs are complete, queued for the next {@link #flush()}. */
  private record Job(int image, ImageState s, int yo, RowBuf[] win, RowBuf psum, RowBuf res) {}

  /**
   * Rows queued by this flush. A new list every flush: storing young objects into a long-lived
   * array costs a G1 write barrier with a memory fence each time, into a young one it does not.
   */
  private List<Job> jobs = new ArrayList<>();
  /** Rows per pass over the weights. */
  private static final int BATCH = 8;
  /** Spare raw rows kept at most. */
  private static final int SPARE_ROWS = 64;
  private final CorePlan plan;
  private final Layer layer;
  private final double tMvm;
  private final boolean pixels;
  private final Out out;
  private final int chIn;
  private final int cols;
  private final Shape in;
  private final Shape conv;
  private final Shape convOut;
  private final Shape output;
  private final int residualChannels;
  /**
   * The rows this core computes, each range [first, end): conv input rows, conv output rows (its
   * MVMs) and output rows after the post-pool. Every row, unless its layer is copied and this core
   * computes one band of them ({@link fivepp.mapping.Replication}).
   */
  private final int firstConvIn;
  private final int endConvIn;
  private final int firstOut;
  private final int endOut;
  private final int firstPost;
  private final int endPost;
  /**
   * Raw input rows with no pre-pool are kept in the conv's zero-padded layout from the start
   * ({@code rawPitch} values per channel, the row at {@code rawLead}), so no copy pads them.
   */
  private final int rawPitch;
  private final int rawLead;
  /** Per output pixel: whether any column of its window lies inside the row (not padding). */
  private final boolean[] windowInside;
  /** Unit horizontal stride and whole vectors of pixels: MVMs by direct convolution. */
  private final boolean channelMajor;
  private final Map<String, Integer> heldChannels = new HashMap<>();
  private final Map<String, Integer> heldHeight = new HashMap<>();
  /**
   * The layer's input is gated (squeeze-and-excitation): an image's input rows wait for its
   * gate, which scales them channel by channel before the input activation and pre-pool.
   */
  private final boolean gated;
  /**
   * The state of images [current, current + ring.length), at {@code image & (ring.length - 1)}:
   * images are done in order, so this is a ring that grows when more are held. Data for an
   * image before {@code current} (never computed) is kept in {@code stale}.
   */
  private ImageState[] ring = new ImageState[16];
  private int held;
  private final Map<Integer, ImageState> stale = new TreeMap<>();
  /**
   * Buffers of a flush, per thread rather than per core: a flush leaves nothing in them, and a
   * thread runs one flush at a time. The outputs of a batch (channel-major), the kernel's
   * pixel-major outputs, and the batch's inputs packed for {@link Kernels#gemm}. One set per
   * core held 1.4 MB for each core of a 56-pixel-wide layer (ResNet-50 has 422 cores), and a
   * thread's set stays in its caches from one core to the next.
   */
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});
  /** Per queued row of a batch, the rows of its window ({@code lines[k][ky]}). */
  private final float[][][] lines;
  /** Per weight block, per crossbar row: where in its window row the row's input starts. */
  private final int[][] blockOffsets;
  /**
   * Raw input rows no longer needed, kept for rows to come: they have the same zero-padded
   * layout, so only their bookkeeping is reset. {@code released} waits for the end of a flush,
   * when no queued row reads them any more.
   */
  private final java.util.ArrayDeque<RowBuf> spare = new java.util.ArrayDeque<>();
  private List<RowBuf> released = new ArrayList<>();
  /** A conv input row of zeros: the padding rows above and below the image. */
  private final float[] zeroRow;
  private int current;
  private int maxHeld;
  private double free;
  private long mvms;
  /** The analog MVMs, or null: exact float32, the exact path and nothing more. */
  private final Analog analog;

  public CoreEngine(CorePlan plan, double tMvmSeconds, boolean pixelGranularity, Out out) {
    this(plan, tMvmSeconds, pixelGranularity, out, AnalogSettings.EXACT);
  }

  /** A core whose MVMs are analog as {@code analog} says (docs/analog.md), unless it is off. */
  public CoreEngine(CorePlan plan, double tMvmSeconds, boolean pixelGranularity, Out out, AnalogSettings analog) {
    this.plan = plan;
    this.layer = plan.layer;
    this.tMvm = tMvmSeconds;
    this.pixels = pixelGranularity;
    this.out = out;
    this.chIn = plan.core.inTo() - plan.core.inFrom();
    this.cols = plan.core.outTo() - plan.core.outFrom();
    this.in = layer.input();
    this.conv = layer.convInput();
    this.convOut = layer.convOutput();
    this.output = layer.output();
    var band = plan.band;
    this.firstConvIn = band == null ? 0 : band.convInFrom();
    this.endConvIn = band == null ? conv.height() : band.convInTo();
    this.firstOut = band == null ? 0 : band.convFrom();
    this.endOut = band == null ? convOut.height() : band.convTo();
    this.firstPost = band == null ? 0 : band.outFrom();
    this.endPost = band == null ? output.height() : band.outTo();
    int firstIn = band == null ? 0 : band.inFrom();
    int endIn = band == null ? in.height() : band.inTo();
    // every input row this core reads must arrive with all its channels, once
    int[] perRow = new int[in.height()];
    java.util.BitSet res = new java.util.BitSet();
    boolean gate = false;
    for (CorePlan.Port p : plan.ports) {
      switch (p.kind()) {
        case ACTIVATION -> {
          for (int y = Math.max(0, p.rowFrom()); y < Math.min(in.height(), p.rowTo()); y++) {
            perRow[y] += p.channels();
          }
        }
        case RESIDUAL -> res.set(p.destChannel(), p.destChannel() + p.channels());
        case GATE -> gate = true;
        case FORWARD -> {
          heldChannels.merge(p.source(), p.channels(), Integer::sum);
          heldHeight.put(p.source(), p.sourceShape().height());
        }
        default -> { }
      }
    }
    for (int y = firstIn; y < endIn; y++) {
      if (perRow[y] != chIn) {
        throw new IllegalStateException("core " + plan.core.id() + " receives " + perRow[y]
            + " input channels of row " + y + " on its ports but reads " + chIn);
      }
    }
    this.residualChannels = res.cardinality();
    this.gated = gate;
    boolean direct = layer.prePool() == null;
    this.rawLead = direct ? layer.padLeft() : 0;
    this.rawPitch = direct ? in.width() + layer.padLeft() + layer.padRight() : in.width();
    this.windowInside = new boolean[convOut.width()];
    for (int xo = 0; xo < windowInside.length; xo++) {
      for (int kx = 0; kx < layer.kernelW(); kx++) {
        int x = xo * layer.strideW() - layer.padLeft() + kx * layer.dilationW();
        windowInside[xo] |= x >= 0 && x < conv.width();
      }
    }
    this.channelMajor = Kernels.directFits(convOut.width(), layer.strideW());
    int pitch = conv.width() + layer.padLeft() + layer.padRight();
    this.zeroRow = new float[chIn * pitch];
    this.lines = new float[BATCH][layer.kernelH()][];
    this.blockOffsets = new int[plan.blocks.size()][];
    for (int bi = 0; bi < blockOffsets.length; bi++) {
      CorePlan.Block b = plan.blocks.get(bi);
      int[] at = blockOffsets[bi] = new int[b.channel().length];
      for (int i = 0; i < at.length; i++) {
        at[i] = b.channel()[i] * pitch + b.dx()[i];
      }
    }
    this.analog = analog.on() ? new Analog(plan, analog, blockOffsets, convOut.width(), layer.strideW()) : null;
  }

  /**
   * With analog MVMs, the sums over the analog images of this core's exact MVM outputs squared
   * and of the analog outputs' errors squared; null when the MVMs are exact.
   */
  public double[] analogSums() {
    return analog == null ? null : new double[] {analog.signal(), analog.error()};
  }

  /** The most images this core has held state for at once (bounded by the window). */
  public int maxImagesHeld() {
    return maxHeld;
  }

  public long mvms() {
    return mvms;
  }

  /**
   * The first image this core will see: 0 for a new run, or the oldest image redone by an array
   * rebuilt after a loss (images are computed strictly in order from there).
   */
  public void startAt(int image) {
    current = image;
  }

  /** The core's virtual clock: when its latest MVM ends, in seconds. */
  public double virtualTime() {
    return free;
  }

  /** Virtual seconds spent in MVMs. */
  public double virtualBusy() {
    return mvms * tMvm;
  }

  /** Data on {@code port}: channels x count values for pixels [col, col+count) of {@code row}. */
  public void receive(int image, int port, int row, int col, int count, float[] values, double ready) {
    ImageState s = stateOrNew(image);
    maxHeld = Math.max(maxHeld, held + stale.size());
    CorePlan.Port p = plan.ports.get(port);
    switch (p.kind()) {
      case ACTIVATION -> {
        RowBuf r = s.raw.at[row];
        if (r == null) {
          r = s.raw.at[row] = rawRow();
        }
        put(r, p.destChannel() - plan.core.inFrom(), p.channels(), rawPitch, rawLead, col, count,
            values, ready);
      }
      case PARTIAL_SUM -> {
        RowBuf r = s.psum.at[row];
        if (r == null && count == convOut.width() && values.length == cols * count) {
          // a whole row, taken over: a row of partial sums has one receiver, which may write it
          // (finishRow sums into it and sends it on), and its sender keeps no reference to it
          s.psum.at[row] = new RowBuf(values, count, ready);
          return;
        }
        if (r == null) {
          r = s.psum.at[row] = new RowBuf(cols * convOut.width(), convOut.width());
        }
        put(r, 0, cols, convOut.width(), 0, col, count, values, ready);
      }
      case RESIDUAL -> {
        RowBuf r = s.residual.at[row];
        if (r == null && count == convOut.width() && p.channels() == cols && p.destChannel() == plan.core.outFrom()) {
          // all of the residual row at once: it is only read, so it needs no copy either
          s.residual.at[row] = new RowBuf(values, count, ready);
          return;
        }
        if (r == null) {
          r = s.residual.at[row] = new RowBuf(cols * convOut.width(), convOut.width());
        }
        put(r, p.destChannel() - plan.core.outFrom(), p.channels(), convOut.width(), 0, col, count,
            values, ready);
      }
      case FORWARD -> {
        Shape src = p.sourceShape();
        TreeMap<Integer, RowBuf> held = s.held.computeIfAbsent(p.source(), k -> new TreeMap<>());
        RowBuf r = held.computeIfAbsent(row, y -> new RowBuf(src.channels() * src.width(), src.width()));
        put(r, p.sourceFrom(), p.channels(), src.width(), 0, col, count, values, ready);
        if (r.received == heldChannels.get(p.source()) * src.width()) {
          held.remove(row);
          for (CorePlan.Send send : plan.sends) {
            if (send.source().equals(p.source())) {
              emit(send, image, row, r.v, r.ready, src.width());
            }
          }
          s.heldRowsDone.merge(p.source(), 1, Integer::sum);
        }
      }
      case GATE -> {
        // 1x1xC: one value per channel, whatever the granularity
        if (s.gate == null) {
          s.gate = new float[chIn];
        }
        System.arraycopy(values, 0, s.gate, p.destChannel() - plan.core.inFrom(), p.channels());
        s.gateReceived += p.channels();
        s.gateReady = Math.max(s.gateReady, ready);
      }
    }
  }

  /**
   * Computes every output row that the data received so far makes ready, in image and row
   * order, with one pass over the weight tile for all of them, and hands on what is finished.
   * The caller calls it once a burst of {@link #receive}s is over (an actor: when its mailbox
   * holds no more data), so that rows which arrived together share the weights' trip through
   * the cache. What is computed, and every virtual time, does not depend on how the rows were
   * grouped.
   */
  public void flush() {
    int image = current;
    while (true) {
      ImageState s = state(image);
      if (s == null) {
        break;
      }
      queueReady(image, s);
      if (!imageQueued(s)) {
        break;
      }
      image++;
    }
    if (!jobs.isEmpty()) {
      // in batches small enough that their rows and a slice of the weights stay in the caches
      for (int from = 0; from < jobs.size(); from += BATCH) {
        int to = Math.min(jobs.size(), from + BATCH);
        float[] acc = multiply(from, to);
        if (analog != null) {
          analogOutputs(from, to, acc);
        }
        for (int k = from; k < to; k++) {
          finishRow(jobs.get(k), acc, (k - from) * cols * convOut.width());
        }
      }
      jobs = new ArrayList<>();
    }
    while (true) {
      ImageState s = state(current);
      if (s == null || !done(s)) {
        break;
      }
      ring[current & (ring.length - 1)] = null;
      held--;
      if (recycled()) {
        s.convIn.dropBelow(conv.height(), released);
      }
      current++;
    }
    for (RowBuf r : released) {
      if (spare.size() < SPARE_ROWS) {
        spare.push(r);
      }
    }
    if (!released.isEmpty()) {
      released = new ArrayList<>();
    }
  }

  /** Conv input rows are the raw rows themselves (no pre-pool), so they can be used again. */
  private boolean recycled() {
    return layer.prePool() == null;
  }

  /** An empty raw input row: a spare one if there is one. */
  private RowBuf rawRow() {
    RowBuf r = spare.poll();
    if (r == null) {
      return new RowBuf(chIn * rawPitch, in.width());
    }
    // every value between the padding is written before the row is used; the padding stays 0
    java.util.Arrays.fill(r.ready, 0);
    r.received = 0;
    r.activated = false;
    r.uniform = Double.NaN;
    return r;
  }

  /** The state of {@code image}, or null if nothing of it has arrived yet. */
  private ImageState state(int image) {
    if (image < current) {
      return stale.get(image);
    }
    if (image - current >= ring.length) {
      return null;
    }
    ImageState s = ring[image & (ring.length - 1)];
    return s != null && s.image == image ? s : null;
  }

  private ImageState stateOrNew(int image) {
    if (image < current) {
      return stale.computeIfAbsent(image, ImageState::new);
    }
    while (image - current >= ring.length) {
      ImageState[] bigger = new ImageState[2 * ring.length];
      for (ImageState s : ring) {
        if (s != null) {
          bigger[s.image & (bigger.length - 1)] = s;
        }
      }
      ring = bigger;
    }
    int i = image & (ring.length - 1);
    if (ring[i] == null) {
      ring[i] = new ImageState(image);
      held++;
    }
    return ring[i];
  }

  /**
   * Copies channels x count values into row r, whose channels are {@code pitch} apart and start at
   * {@code lead}.
   */
  private static void put(RowBuf r, int channel0, int channels, int pitch, int lead, int col,
      int count, float[] values, double ready) {
    for (int c = 0; c < channels; c++) {
      System.arraycopy(values, c * count, r.v, (channel0 + c) * pitch + lead + col, count);
    }
    for (int x = col; x < col + count; x++) {
      r.ready[x] = Math.max(r.ready[x], ready);
    }
    r.received += channels * count;
  }

  // ---- the pipeline ---------------------------------------------------------------------

  private boolean done(ImageState s) {
    if (s.nextOut < endOut || (plan.core.accumulator() && s.nextPost < endPost)) {
      return false;
    }
    for (Map.Entry<String, Integer> e : heldChannels.entrySet()) {
      if (s.heldRowsDone.getOrDefault(e.getKey(), 0) < heldHeight.get(e.getKey())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Moves image {@code image}'s complete input rows on to conv input rows, and queues every
   * output row whose window, partial sums and residual are complete as a {@link Job}.
   */
  private void queueReady(int image, ImageState s) {
    // 1. raw input rows -> pre-activation -> pre-pool -> conv input rows
    while (s.nextConvIn < endConvIn && convInReady(s, s.nextConvIn)) {
      RowBuf r = convInRow(s, s.nextConvIn);
      // rows with no pre-pool arrive padded already
      s.convIn.at[s.nextConvIn] = layer.prePool() == null ? r : padded(r);
      s.nextConvIn++;
    }
    // 2. conv output rows, queued with what they read
    while (s.nextOut < endOut && outReady(s, s.nextOut)) {
      int yo = s.nextOut;
      RowBuf[] win = new RowBuf[layer.kernelH()];
      int yBase = yo * layer.strideH() - layer.padTop();
      for (int ky = 0; ky < win.length; ky++) {
        win[ky] = s.convIn.get(yBase + ky * layer.dilationH());
      }
      RowBuf psum = plan.core.rowTile() > 0 ? s.psum.remove(yo) : null;
      RowBuf res = plan.core.rowTile() == 0 && residualChannels > 0 ? s.residual.remove(yo) : null;
      jobs.add(new Job(image, s, yo, win, psum, res));
      s.nextOut++;
      s.convIn.dropBelow(s.nextOut * layer.strideH() - layer.padTop(), recycled() ? released : null);
    }
  }

  /**
   * True when every output row of the image is queued and its forwarded rows are through:
   * once the queued rows are computed the image is done, and the next one may start.
   */
  private boolean imageQueued(ImageState s) {
    if (s.nextOut < endOut) {
      return false;
    }
    for (Map.Entry<String, Integer> e : heldChannels.entrySet()) {
      if (s.heldRowsDone.getOrDefault(e.getKey(), 0) < heldHeight.get(e.getKey())) {
        return false;
      }
    }
    return true;
  }

  // -- input side

  private boolean rawComplete(ImageState s, int y) {
    RowBuf r = s.raw.get(y);
    return r != null && r.received == chIn * in.width();
  }

  private boolean convInReady(ImageState s, int row) {
    if (gated && s.gateReceived < chIn) {
      // the gate scales every input value: the rows wait for all of it
      return false;
    }
    Pool p = layer.prePool();
    if (p == null) {
      return rawComplete(s, row);
    }
    int[] span = p.rows(row, in.height());
    for (int y = span[0]; y < span[1]; y++) {
      if (!rawComplete(s, y)) {
        return false;
      }
    }
    return true;
  }

  private RowBuf convInRow(ImageState s, int row) {
    Pool p = layer.prePool();
    if (p == null) {
      RowBuf r = s.raw.remove(row);
      activateInput(s, r);
      return r;
    }
    int[] span = p.rows(row, in.height());
    for (int y = span[0]; y < span[1]; y++) {
      RowBuf r = s.raw.get(y);
      if (!r.activated) {
        activateInput(s, r);
        r.activated = true;
      }
    }
    RowBuf pooled = pool(p, s.raw, row, chIn, in.height(), in.width(), conv.width());
    int nextStart = p.rows(row + 1, in.height())[0];
    s.raw.dropBelow(Math.min(nextStart, span[1]));
    return pooled;
  }

  /**
   * The gate's product (if the layer is gated), then the input activation, in place on a complete
   * raw row of image {@code s}: in the reference's order, so bit for bit its values. A gated row
   * is ready no sooner than its gate.
   */
  private void activateInput(ImageState s, RowBuf r) {
    Activation act = layer.inputActivation();
    float[] g = gated ? s.gate : null;
    if (g != null) {
      for (int x = 0; x < r.ready.length; x++) {
        r.ready[x] = Math.max(r.ready[x], s.gateReady);
      }
      if (act == Activation.NONE) {
        for (int c = 0; c < chIn; c++) {
          for (int i = c * rawPitch + rawLead, end = i + in.width(); i < end; i++) {
            r.v[i] = r.v[i] * g[c];
          }
        }
        return;
      }
    }
    if (act == Activation.NONE) {
      return;
    }
    for (int c = 0; c < chIn; c++) {
      float scale = plan.inScale[c];
      float shift = plan.inShift[c];
      float gc = g == null ? 1f : g[c];
      int channel = plan.core.inFrom() + c;
      for (int x = 0, end = in.width(); x < end; x++) {
        int i = c * rawPitch + rawLead + x;
        float v = g == null ? r.v[i] : r.v[i] * gc;
        r.v[i] = activate(act, channel, v * scale + shift);
      }
    }
  }

  /** {@code a} of {@code v} in channel {@code channel} of the layer's input or output. */
  static float activate(Activation a, int channel, float v) {
    return a.apply(channel, v);
  }

  /**
   * The conv input row with {@code padLeft} zeros before and {@code padRight} after every channel,
   * so that the kernels read every window without bounds checks; ready times stay unpadded.
   */
  private RowBuf padded(RowBuf r) {
    int pl = layer.padLeft();
    int pr = layer.padRight();
    if (pl == 0 && pr == 0) {
      return r;
    }
    int wc = conv.width();
    int pitch = wc + pl + pr;
    RowBuf p = new RowBuf(chIn * pitch, wc);
    for (int c = 0; c < chIn; c++) {
      System.arraycopy(r.v, c * wc, p.v, c * pitch + pl, wc);
    }
    System.arraycopy(r.ready, 0, p.ready, 0, wc);
    return p;
  }

  /**
   * One pooled row from complete rows of {@code rows}. Channel by channel, so that each channel's
   * input stays in the cache for all its output pixels; every output is the max (or the sum, in
   * row-then-column order, over the divisor) of its window, as always.
   */
  private static RowBuf pool(Pool p, Rows rows, int row, int channels,
      int height, int width, int outWidth) {
    RowBuf o = new RowBuf(channels * outWidth, outWidth);
    int[] span = p.rows(row, height);
    boolean global = p.kind() == Pool.Kind.GLOBAL_AVG;
    boolean max = p.kind() == Pool.Kind.MAX;
    float[][] src = new float[span[1] - span[0]][];
    for (int y = span[0]; y < span[1]; y++) {
      src[y - span[0]] = rows.get(y).v;
    }
    int[] los = new int[outWidth];
    int[] his = new int[outWidth];
    int[] divisors = new int[outWidth];
    for (int ox = 0; ox < outWidth; ox++) {
      int x0 = global ? 0 : ox * p.stride() - p.padLeft();
      int x1 = global ? width : x0 + p.kernel();
      int lo = Math.max(0, x0), hi = Math.min(width, x1);
      double ready = 0;
      for (int y = span[0]; y < span[1]; y++) {
        double[] rd = rows.get(y).ready;
        for (int x = lo; x < hi; x++) {
          ready = Math.max(ready, rd[x]);
        }
      }
      o.ready[ox] = ready;
      int inside = (span[1] - span[0]) * (hi - lo);
      int divisor;
      if (global) {
        divisor = height * width;
      } else if (p.countIncludePad()) {
        int ph0 = row * p.stride() - p.padTop();
        int ph1 = Math.min(ph0 + p.kernel(), height + p.padBottom());
        int pw1 = Math.min(x1, width + p.padRight());
        divisor = (ph1 - ph0) * (pw1 - x0);
      } else {
        divisor = inside;
      }
      los[ox] = lo;
      his[ox] = hi;
      divisors[ox] = divisor;
    }
    for (int c = 0; c < channels; c++) {
      int cb = c * width;
      int ob = c * outWidth;
      for (int ox = 0; ox < outWidth; ox++) {
        int lo = cb + los[ox], hi = cb + his[ox];
        if (max) {
          float m = Float.NEGATIVE_INFINITY;
          for (float[] v : src) {
            for (int x = lo; x < hi; x++) {
              m = Math.max(m, v[x]);
            }
          }
          o.v[ob + ox] = m;
        } else {
          float sum = 0;
          for (float[] v : src) {
            for (int x = lo; x < hi; x++) {
              sum += v[x];
            }
          }
          o.v[ob + ox] = sum / divisors[ox];
        }
      }
    }
    return o;
  }

  // -- the MVMs

  private boolean outReady(ImageState s, int yo) {
    int last = yo * layer.strideH() - layer.padTop() + layer.dilationH() * (layer.kernelH() - 1);
    if (Math.min(last, endConvIn - 1) >= s.nextConvIn) {
      return false;
    }
    if (plan.core.rowTile() > 0) {
      RowBuf p = s.psum.get(yo);
      if (p == null || p.received < cols * convOut.width()) {
        return false;
      }
    }
    if (plan.core.rowTile() == 0 && residualChannels > 0) {
      RowBuf r = s.residual.get(yo);
      if (r == null || r.received < residualChannels * convOut.width()) {
        return false;
      }
    }
    return true;
  }

  /** The MVMs of queued rows [from, to): one pass over each weight block for all of them. */
  private float[] multiply(int from, int to) {
    int wo = convOut.width();
    int sw = layer.strideW();
    int n = to - from;
    int len = cols * wo;
    // the batch's output rows, channel-major, one after the other: a buffer that stays in the
    // cache, where the rows are finished before they are copied out
    float[] acc = scratch(0, n * len);
    if (!channelMajor) {
      // the pixel-major kernel's outputs are added in; the direct kernel writes every column of
      // every row (the blocks cover the core's columns), so its rows need no zeros first
      java.util.Arrays.fill(acc, 0, n * len, 0f);
    }
    // each crossbar row reads its input for all the row's pixels straight from its zero-padded
    // line-buffer row, at the layer's horizontal stride: nothing is gathered; a window row above
    // or below the image reads zeros
    for (int k = 0; k < n; k++) {
      RowBuf[] win = jobs.get(from + k).win();
      float[][] lk = lines[k];
      for (int ky = 0; ky < win.length; ky++) {
        lk[ky] = win[ky] == null ? zeroRow : win[ky].v;
      }
    }
    for (int bi = 0; bi < plan.blocks.size(); bi++) {
      CorePlan.Block b = plan.blocks.get(bi);
      int rows = b.channel().length;
      int[] line = b.ky();
      int[] at = blockOffsets[bi];
      int off = b.colFrom() - plan.core.outFrom();
      int cn = b.colTo() - b.colFrom();
      if (channelMajor) {
        for (int k = 0; k < n; k++) {
          Kernels.direct(lines[k], line, at, rows, wo, b.weights(), b.stride(), cn, acc,
              k * len + off * wo);
        }
        continue;
      }
      int stride = b.stride();
      float[] ys = scratch(1, n * wo * stride);
      float[][] sc = SCRATCH.get();
      sc[2] = Kernels.gemm(lines, line, at, n, sw, rows, wo, b.weights(), stride, ys, sc[2]);
      // pixel-major to channel-major, 16 pixels at a time: their rows of ys stay in the L1 cache
      for (int k = 0; k < n; k++) {
        int y0 = k * wo * stride;
        for (int x0 = 0; x0 < wo; x0 += 16) {
          int x1 = Math.min(wo, x0 + 16);
          for (int c = 0; c < cn; c++) {
            int base = k * len + (off + c) * wo;
            for (int xo = x0, yi = y0 + x0 * stride + c; xo < x1; xo++, yi += stride) {
              acc[base + xo] += ys[yi];
            }
          }
        }
      }
    }
    return acc;
  }

  /** The analog MVMs of queued rows [from, to), in place of the exact ones in {@code acc}. */
  private void analogOutputs(int from, int to, float[] acc) {
    int n = to - from;
    int[] images = new int[n];
    int[] rows = new int[n];
    for (int k = 0; k < n; k++) {
      images[k] = jobs.get(from + k).image();
      rows[k] = jobs.get(from + k).yo();
    }
    analog.apply(lines, images, rows, n, acc);
  }

  /**
   * The rest of a queued row once its MVMs are done: partial sums and residual, virtual time,
   * bias and activation, post-pool, and on to its consumers.
   */
  private void finishRow(Job j, float[] acc, int at) {
    int image = j.image();
    ImageState s = j.s();
    int yo = j.yo();
    RowBuf psum = j.psum();
    RowBuf res = j.res();
    RowBuf[] win = j.win();
    int wo = convOut.width();
    int wc = conv.width();
    int sw = layer.strideW();
    int len = cols * wo;
    if (psum != null && plan.core.accumulator()) {
      for (int i = 0; i < len; i++) {
        acc[at + i] += psum.v[i];
      }
    }
    if (res != null) {
      for (int i = 0; i < len; i++) {
        acc[at + i] += res.v[i];
      }
    }
    double[] times = new double[wo];
    // virtual time: one MVM per pixel, in raster order, once its window is ready; when every
    // window row was ready at once (whole rows), the window of each pixel is ready then too
    double common = 0;
    for (RowBuf r : win) {
      if (r != null) {
        double u = r.uniformReady();
        common = u < 0 || common < 0 ? -1 : Math.max(common, u);
      }
    }
    for (int xo = 0; xo < wo; xo++) {
      double ready = 0;
      if (common >= 0) {
        ready = windowInside[xo] ? common : 0;
      } else {
        int xBase = xo * sw - layer.padLeft();
        for (RowBuf r : win) {
          if (r == null) {
            continue;
          }
          for (int kx = 0; kx < layer.kernelW(); kx++) {
            int x = xBase + kx * layer.dilationW();
            if (x >= 0 && x < wc) {
              ready = Math.max(ready, r.ready[x]);
            }
          }
        }
      }
      if (psum != null) {
        ready = Math.max(ready, psum.ready[xo]);
      }
      if (res != null) {
        ready = Math.max(ready, res.ready[xo]);
      }
      free = Math.max(free, ready) + tMvm;
      times[xo] = free;
    }
    mvms += wo;
    if (!plan.core.accumulator()) {
      float[] v;
      if (psum != null) {
        // the partial sums received are this core's to write (see receive): the sums go on in them
        v = psum.v;
        for (int i = 0; i < len; i++) {
          v[i] = acc[at + i] + v[i];
        }
      } else {
        // copied out whole: a copy into a new array is not zeroed first
        v = java.util.Arrays.copyOfRange(acc, at, at + len);
      }
      boolean first = true;
      for (CorePlan.Send send : plan.sends) {
        if (send.kind() == Flow.Kind.PARTIAL_SUM) {
          // each receiver gets a row of its own, since it writes it
          emit(send, image, yo, first ? v : v.clone(), times, wo);
          first = false;
        }
      }
      return;
    }
    Activation act = layer.activation();
    for (int c = 0; c < cols; c++) {
      float bias = plan.bias[c];
      int base = at + c * wo;
      switch (act.kind()) {
        case NONE -> {
          for (int x = base; x < base + wo; x++) {
            acc[x] += bias;
          }
        }
        case RELU -> {
          for (int x = base; x < base + wo; x++) {
            acc[x] = Math.max(acc[x] + bias, 0f);
          }
        }
        case RELU6 -> {
          for (int x = base; x < base + wo; x++) {
            acc[x] = Math.min(Math.max(acc[x] + bias, 0f), 6f);
          }
        }
        default -> {
          int channel = plan.core.outFrom() + c;
          for (int x = base; x < base + wo; x++) {
            acc[x] = activate(act, channel, acc[x] + bias);
          }
        }
      }
    }
    float[] v;
    if (psum != null) {
      // the partial sums received are this core's (see receive): the row goes out in them
      v = psum.v;
      System.arraycopy(acc, at, v, 0, len);
    } else {
      v = java.util.Arrays.copyOfRange(acc, at, at + len);
    }
    RowBuf o = new RowBuf(v, times);
    Pool p = layer.postPool();
    if (p == null) {
      sendOutputRow(image, yo, o, wo);
      s.nextPost++;
      return;
    }
    s.post.at[yo] = o;
    while (s.nextPost < endPost) {
      int[] span = p.rows(s.nextPost, convOut.height());
      if (span[1] > yo + 1) {
        break;
      }
      RowBuf pooled = pool(p, s.post, s.nextPost, cols, convOut.height(), wo, output.width());
      sendOutputRow(image, s.nextPost, pooled, output.width());
      s.nextPost++;
      s.post.dropBelow(Math.min(p.rows(s.nextPost, convOut.height())[0], span[1]));
    }
  }

  private static float[] scratch(int which, int size) {
    float[][] scratch = SCRATCH.get();
    if (scratch[which].length < size) {
      scratch[which] = new float[size];
    }
    return scratch[which];
  }

  /** A finished output row of this core's channels: send it to every consumer. */
  private void sendOutputRow(int image, int row, RowBuf r, int width) {
    for (CorePlan.Send send : plan.sends) {
      if (send.kind() != Flow.Kind.PARTIAL_SUM && send.source().equals(layer.name())) {
        emit(send, image, row, r.v, r.ready, width);
      }
    }
    if (plan.sink) {
      double ready = 0;
      for (double d : r.ready) {
        ready = Math.max(ready, d);
      }
      out.sink(image, row, width, r.v, ready);
    }
  }

  /**
   * Sends channels [send.sourceFrom, send.sourceTo) of a row (values [channel][width]; this
   * core's own output and partial sums start at channel outFrom, forwarded rows at 0),
   * subsampled for residuals, as one row or one message per pixel.
   */
  private void emit(CorePlan.Send send, int image, int row, float[] v, double[] ready, int width) {
    if (row < send.rowFrom() || row >= send.rowTo()) {
      // a row of a band the receiver does not read (only when a layer is copied)
      return;
    }
    int base = send.source().equals(layer.name()) ? plan.core.outFrom() : 0;
    int s = send.stride();
    if (row % s != 0) {
      return;
    }
    int ch = send.sourceTo() - send.sourceFrom();
    int outW = (width + s - 1) / s;
    int c0 = send.sourceFrom() - base;
    if (pixels) {
      for (int x = 0; x < outW; x++) {
        float[] m = new float[ch];
        for (int c = 0; c < ch; c++) {
          m[c] = v[(c0 + c) * width + x * s];
        }
        out.send(send, image, row / s, x, 1, m, ready[x * s]);
      }
      return;
    }
    float[] m;
    if (s == 1 && c0 == 0 && ch * width == v.length) {
      // the whole row: nothing writes v once it is emitted, and receivers copy what they get
      m = v;
    } else if (s == 1) {
      m = java.util.Arrays.copyOfRange(v, c0 * width, (c0 + ch) * width);
    } else {
      m = new float[ch * outW];
      for (int c = 0; c < ch; c++) {
        for (int x = 0; x < outW; x++) {
          m[c * outW + x] = v[(c0 + c) * width + x * s];
        }
      }
    }
    double rd = 0;
    for (int x = 0; x < outW; x++) {
      rd = Math.max(rd, ready[x * s]);
    }
    out.send(send, image, row / s, 0, outW, m, rd);
  }
}
