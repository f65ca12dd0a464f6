package fivepp.cluster;

import fivepp.mapping.Core;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Flow;
import fivepp.mapping.Replication;
import fivepp.mapping.Transfer;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * What each fabric vertex of an array costs the JVM that hosts it, per image, and what it holds
 * in memory: the weights {@link WorkPlacement} balances members by. Pure: computed from the core
 * graph, the placement of cores on vertices and the fabric's routes.
 *
 * <p>The model, in multiply-accumulate equivalents (MACs) per image, priced from the figures in
 * {@code stack.md} (a vectorised MVM does 12-25 G MACs/s per thread; a scalar digital operation
 * on a buffered value costs about half a nanosecond; an actor message about 290 ns of CPU):
 *
 * <ul>
 *   <li>a core's MACs: {@code mvmsPerImage x rows x cols};
 *   <li>{@value #OUTPUT_MACS} MACs per value its MVMs output ({@code mvmsPerImage x cols}): what
 *       an MVM costs the emulator besides its MACs (moving its outputs into rows, their partial
 *       sums, activation and pooling, its virtual time), so that the early, wide layers, which do
 *       many small MVMs, weigh what they cost. Calibrated on the measured busy time of every core
 *       of five networks in one JVM (the files under {@code src/test/resources/calibration}):
 *       cut for 2 members by the model without it, the busier member had up to 1.27x half the
 *       measured busy time, with it up to 1.20x (ResNet-50 at 112x112: 1.22x and 1.01x). No
 *       static price fits every network better, since how rows batch at a core depends on the
 *       run: a run that must balance better places by measured work ({@code --work-profile});
 *   <li>its digital work, {@value #VALUE_MACS} MACs per value: every value it receives (copied into
 *       its row buffers; the image's too) and sends (the logits too); the pre-activation and pre-pool of its input channels; at the
 *       output ({@code cols} values per MVM) one operation each for the partial-sum add (row tiles
 *       after the first), the residual add (the first row tile of a layer with a residual), and, at
 *       the accumulating tile, bias with activation and the post-pool;
 *   <li>{@value #MESSAGE_MACS} MACs per message received or sent (one per row of a transfer, or per
 *       pixel at pixel granularity);
 *   <li>forwarding (a vertex on the route between two cores that are not neighbours) costs the
 *       messages and values forwarded, received and sent on, priced the same way: all a
 *       router-only vertex costs.
 * </ul>
 *
 * <p>Memory, in bytes: a core's weights (rows x cols x 4) plus its buffers for {@code window}
 * images in flight: a line buffer of {@code kernelH} rows of its input (its channels, the input's
 * width, float32), a row of incoming partial sums (tiles after the first), a row of residual (first
 * tile of a residual layer) and a row of output; plus {@value #ACTOR_BYTES} bytes of actor and plan
 * overhead per vertex. Besides its segment a member holds {@link #sharedBytes()}: a member
 * builds only its own cores' weights and plans ({@link ArrayRecipe#build}), but a member of an
 * ONNX model reads the whole model's weights once before it drops the layers it does not host,
 * so then every member needs room for all of them at that moment; for a zoo model, nothing.
 */
public final class VertexCosts {
  /** MACs one digital operation on a value costs (buffer copy, add, activation, pooling). */
  public static final long VALUE_MACS = 8;
  /** MACs one actor message costs its sender or receiver. */
  public static final long MESSAGE_MACS = 4_000;
  /** MACs each value an MVM outputs costs besides the MVM's multiply-accumulates (see the class comment). */
  public static final long OUTPUT_MACS = 600;
  /** Bytes of actor, mailbox and plan overhead per vertex. */
  public static final long ACTOR_BYTES = 64 * 1024;

  /**
   * One vertex: its core (-1 for a router), MACs and work (MACs plus digital work, in MAC
   * equivalents) per image, weight bytes and memory (weights plus buffers) in bytes.
   */
  public record Vertex(int vertex, int core, long macs, long work, long weightBytes, long memoryBytes) {}

  /** One channel of the fabric (a direction of a link) and what the array sends over it per image. */
  public record Channel(int from, int to, double bytesPerImage, long messagesPerImage) {}

  private final Map<Integer, Vertex> vertices;
  private final List<Channel> channels;
  private final long sharedBytes;

  private VertexCosts(Map<Integer, Vertex> vertices, List<Channel> channels, long sharedBytes) {
    this.vertices = vertices;
    this.channels = channels;
    this.sharedBytes = sharedBytes;
  }

  /** Costs given vertex by vertex, for tests and for arrays priced elsewhere. */
  public static VertexCosts of(List<Vertex> vertices, List<Channel> channels, long sharedBytes) {
    Map<Integer, Vertex> m = new TreeMap<>();
    vertices.forEach(v -> m.put(v.vertex(), v));
    return new VertexCosts(m, List.copyOf(channels), sharedBytes);
  }

  /**
   * Prices every vertex of the array {@code g} placed by {@code vertexOf}, whose transfers follow
   * {@code route}; {@code pixels} for one message per pixel (else per row), {@code window} images
   * in flight at most.
   */
  public static VertexCosts of(CoreGraph g, int[] vertexOf, BiFunction<Integer, Integer, int[]> route,
      boolean pixels, int window, boolean wholeModelRead) {
    Network net = g.network();
    int n = g.cores().size();
    long[] values = new long[n];
    long[] messages = new long[n];
    Map<Integer, long[]> routers = new TreeMap<>(); // vertex -> {values, messages}
    Map<Long, long[]> hops = new TreeMap<>(); // from * 2^32 + to -> {bits, messages}
    for (Transfer t : g.transfers()) {
      Shape src = t.kind() == Flow.Kind.PARTIAL_SUM ? net.layer(t.source()).convOutput() : net.outputOf(t.source());
      // the rows it carries: every row, or a band's when a layer is copied
      int r0 = t.rowFrom(), r1 = Math.min(t.rowTo(), src.height()), st = t.stride();
      long msgs = pixels ? t.pixels() : (r1 + st - 1) / st - (r0 + st - 1) / st;
      long vals = t.channels() * t.pixels();
      values[t.from()] += vals;
      values[t.to()] += vals;
      messages[t.from()] += msgs;
      messages[t.to()] += msgs;
      int[] r = route.apply(vertexOf[t.from()], vertexOf[t.to()]);
      for (int h = 0; h + 1 < r.length; h++) {
        long[] c = hops.computeIfAbsent(((long) r[h] << 32) | r[h + 1], k -> new long[2]);
        c[0] += t.bitsPerImage();
        c[1] += msgs;
        if (h > 0) {
          long[] f = routers.computeIfAbsent(r[h], k -> new long[2]);
          f[0] += 2 * vals; // received and sent on
          f[1] += 2 * msgs;
        }
      }
    }
    Map<Integer, Vertex> out = new TreeMap<>();
    long weightBytes = 0;
    for (Core c : g.cores()) {
      Layer l = net.layer(c.layer());
      long w = (long) c.rows() * c.cols() * 4;
      weightBytes += w;
      long macs = c.mvmsPerImage() * c.rows() * c.cols();
      long outputs = c.mvmsPerImage() * c.cols();
      long inputs = (long) (c.inTo() - c.inFrom()) * l.input().pixels();
      int offset = 0;
      for (fivepp.model.Input in : l.inputs()) { // the image, injected by the coordinator row by row
        int overlap = Math.min(c.inTo(), offset + in.channels()) - Math.max(c.inFrom(), offset);
        if (in.from().equals(Network.INPUT) && overlap > 0) {
          Replication.Band band = Replication.bandOf(l, c);
          int rows = band == null ? net.input().height() : band.inTo() - band.inFrom();
          values[c.id()] += (long) overlap * rows * net.input().width();
          messages[c.id()] += pixels ? (long) rows * net.input().width() : rows;
        }
        offset += in.channels();
      }
      if (l == net.output() && c.accumulator()) { // the logits, to the coordinator
        values[c.id()] += c.cols();
        messages[c.id()] += 1;
      }
      long digital = values[c.id()];
      if (l.inputActivation().kind() != fivepp.model.Activation.Kind.NONE) {
        digital += inputs;
      }
      if (l.prePool() != null) {
        digital += inputs;
      }
      boolean residualHere = l.residual() != null && c.rowTile() == 0;
      digital += outputs * ((c.rowTile() > 0 ? 1 : 0) + (residualHere ? 1 : 0) + (c.accumulator() ? 1 : 0)
          + (c.accumulator() && l.postPool() != null ? 1 : 0));
      long outRow = (long) c.cols() * l.convOutput().width() * 4;
      long buffers = ((long) l.kernelH() * l.input().width() * (c.inTo() - c.inFrom()) * 4
          + (c.rowTile() > 0 ? outRow : 0) + (residualHere ? outRow : 0) + outRow) * window;
      int v = vertexOf[c.id()];
      out.put(v, new Vertex(v, c.id(), macs,
          macs + OUTPUT_MACS * outputs + VALUE_MACS * digital + MESSAGE_MACS * messages[c.id()], w,
          w + buffers + ACTOR_BYTES));
    }
    routers.forEach((v, f) -> {
      long forwarding = VALUE_MACS * f[0] + MESSAGE_MACS * f[1];
      Vertex x = out.get(v);
      out.put(v, x == null ? new Vertex(v, -1, 0, forwarding, 0, ACTOR_BYTES)
          : new Vertex(v, x.core(), x.macs(), x.work() + forwarding, x.weightBytes(), x.memoryBytes()));
    });
    List<Channel> chs = new ArrayList<>();
    hops.forEach((k, c) -> chs.add(new Channel((int) (k >>> 32), (int) (long) k, c[0] / 8.0, c[1])));
    return new VertexCosts(out, List.copyOf(chs), wholeModelRead ? weightBytes : 0);
  }

  /** The vertex's costs; a vertex the array does not use costs a bare router. */
  public Vertex vertex(int v) {
    Vertex x = vertices.get(v);
    return x != null ? x : new Vertex(v, -1, 0, 0, 0, ACTOR_BYTES);
  }

  /** Every vertex the array occupies (cores, and routers on its routes), in vertex order. */
  public int[] vertices() {
    return vertices.keySet().stream().mapToInt(Integer::intValue).toArray();
  }

  /** The channels the array's transfers ride, with their load per image. */
  public List<Channel> channels() {
    return channels;
  }

  /** Bytes every member holds whatever part of the array it hosts. */
  public long sharedBytes() {
    return sharedBytes;
  }
}
