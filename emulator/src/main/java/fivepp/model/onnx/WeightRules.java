package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxImporter.oneLine;
import static fivepp.model.onnx.OnnxTensors.toInt;

import fivepp.model.Layer;
import fivepp.model.Shape;
import fivepp.model.onnx.OnnxTensors.Const;
import fivepp.onnx.NodeProto;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * The rules for the weight operators, each of which becomes a layer on CM cores: Conv, Gemm, and
 * MatMul by a constant.
 */
final class WeightRules extends OperatorRules {
  WeightRules(OnnxImporter.Build im) {
    super(im);
  }

  @Override
  void register(Map<String, Rule> rules) {
    rules.put("Conv", this::conv);
    rules.put("Gemm", this::gemm);
    rules.put("MatMul", this::matmul);
  }

  private Val conv(NodeProto n) throws IOException {
    Val v = im.data4(n);
    Const wt = im.constant(n, 1);
    im.requireFloat(n, wt, "weight");
    if (wt.dims().length != 4) {
      throw attrs.unsupported(n, "Conv with a rank-" + wt.dims().length + " kernel (2-D convolutions only)");
    }
    int cout = toInt(wt.dims()[0]);
    int cig = toInt(wt.dims()[1]);
    int kh = toInt(wt.dims()[2]);
    int kw = toInt(wt.dims()[3]);
    int g = attrs.attrInt(n, "group", 1);
    int[] ks = attrs.attrInts(n, "kernel_shape", null);
    if (ks != null && (ks.length != 2 || ks[0] != kh || ks[1] != kw)) {
      throw new IllegalArgumentException(attrs.where(n) + "kernel_shape " + Arrays.toString(ks)
          + " contradicts the weight " + wt.name() + " of shape " + Arrays.toString(wt.dims()));
    }
    if (v.marked()) {
      v = drafts.outputOf(drafts.host(v, "shortcut"), 4);
    }
    int cin = v.shape().channels();
    if (g <= 0 || cig * g != cin || cout % g != 0) {
      throw new IllegalArgumentException(attrs.where(n) + "weight " + wt.name() + " of shape "
          + Arrays.toString(wt.dims()) + " with group " + g + " does not fit an input of " + cin + " channels");
    }
    float[] b = new float[cout];
    boolean hasBias = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
    if (hasBias) {
      b = im.floats(n, 2, cout, "bias").clone();
    }
    int[] s = attrs.attrInts(n, "strides", new int[] {1, 1});
    int[] dil = attrs.attrInts(n, "dilations", new int[] {1, 1});
    if (s.length != 2 || dil.length != 2) {
      throw attrs.unsupported(n, "Conv with strides/dilations of rank " + s.length);
    }
    // the input after the consumer-side pending ops (activation, pool), before the pending pad
    Shape pooled = v.pool() == null ? v.base() : v.pool().apply(v.base());
    int[] extra = v.pad() == null ? new int[4] : v.pad();
    int[] p = attrs.pads(n, pooled.height() + extra[0] + extra[2], pooled.width() + extra[1] + extra[3],
        kh, kw, s[0], s[1], dil[0], dil[1]);
    float[] w = wt.floats().clone();
    int[] from = ChannelOrder.canonical(v.parts());
    int[] outOrder = null;
    if (from != null && g > 1) {
      outOrder = groupOrder(from, g, cout);
      if (outOrder == null) {
        from = null; // groups cut across by the order: the layer reads the channels as they are
      } else {
        w = permuteGroups(w, from, outOrder, g, cout, kh * kw);
      }
    } else if (from != null) {
      w = ChannelOrder.gatherBlocks(w, cout, kh * kw, from);
    }
    if (from != null) {
      v = ChannelOrder.gather(v, from);
      im.notes.add(attrs.node(n) + " reads its input's channels in their producers' order, its weight"
          + " rows permuted to match" + (isIdentity(outOrder) ? "" : ", its groups with them"));
    }
    Draft d = drafts.newDraft(n, Layer.Kind.CONV, v);
    d.outOrder = isIdentity(outOrder) ? null : outOrder;
    d.out = cout;
    d.kh = kh;
    d.kw = kw;
    d.sh = s[0];
    d.sw = s[1];
    d.dh = dil[0];
    d.dw = dil[1];
    d.pt = p[0] + extra[0];
    d.pl = p[1] + extra[1];
    d.pb = p[2] + extra[2];
    d.pr = p[3] + extra[3];
    d.groups = g;
    d.bias = hasBias;
    d.w = w;
    d.b = d.toLayerOrder(b);
    try {
      d.layer().convOutput();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(attrs.where(n) + oneLine(e.getMessage()));
    }
    drafts.add(d);
    return drafts.outputOf(d, 4);
  }

  private Val gemm(NodeProto n) throws IOException {
    float alpha = attrs.attrFloat(n, "alpha", 1f);
    float beta = attrs.attrFloat(n, "beta", 1f);
    boolean transA = attrs.attrInt(n, "transA", 0) != 0;
    boolean transB = attrs.attrInt(n, "transB", 0) != 0;
    Val v = im.data(n, 0);
    if (transA && !(n.getInput(0).equals(im.inputName) && im.batchAxis == 1 && v.plain())) {
      throw attrs.unsupported(n, "Gemm with transA=1 on anything but the im.graph input");
    }
    float[] c = null;
    if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
      c = biasVector(n, 2, gemmOut(n, transB));
    }
    Val r = fc(n, v, 1, transB, alpha);
    Draft d = drafts.get(r.parts().get(0).from());
    if (c != null) {
      for (int i = 0; i < d.out; i++) {
        d.b[i] = beta * c[i];
      }
      d.bias = true;
    }
    return r;
  }

  private int gemmOut(NodeProto n, boolean transB) throws IOException {
    Const b = im.constant(n, 1);
    if (b.dims().length != 2) {
      throw attrs.unsupported(n, n.getOpType() + " with a rank-" + b.dims().length + " weight");
    }
    return toInt(b.dims()[transB ? 0 : 1]);
  }

  private Val matmul(NodeProto n) throws IOException {
    if (!im.values.containsKey(n.getInput(0)) && im.isConst(n.getInput(0))) {
      throw attrs.unsupported(n, "MatMul with a constant first operand (only x @ W)");
    }
    return fc(n, im.data(n, 0), 1, false, 1f);
  }

  /** A fully connected layer y = alpha * x B (B^T with transB). */
  private Val fc(NodeProto n, Val v, int bIndex, boolean transB, float alpha) throws IOException {
    if (v.rank() != 2) {
      throw attrs.unsupported(n, n.getOpType() + " on a rank-" + v.rank() + " tensor (N,features only)");
    }
    Const b = im.constant(n, bIndex);
    im.requireFloat(n, b, "weight");
    if (b.dims().length != 2) {
      throw attrs.unsupported(n, n.getOpType() + " with a rank-" + b.dims().length + " weight (2-D only)");
    }
    if (v.pad() != null || v.marked()) {
      v = drafts.outputOf(drafts.host(v, "pre_" + n.getOpType()), 2);
    }
    int k = toInt(b.dims()[transB ? 1 : 0]);
    int out = toInt(b.dims()[transB ? 0 : 1]);
    Shape pooled = v.pool() == null ? v.base() : v.pool().apply(v.base());
    if (pooled.elements() != k) {
      throw new IllegalArgumentException(attrs.where(n) + "weight " + b.name() + " of shape "
          + Arrays.toString(b.dims()) + " does not fit an input of " + pooled.elements() + " features");
    }
    float[] w = new float[out * k];
    float[] bf = b.floats();
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < k; i++) {
        w[o * k + i] = alpha * (transB ? bf[o * k + i] : bf[i * out + o]);
      }
    }
    int[] from = ChannelOrder.canonical(v.parts());
    if (from != null) {
      w = ChannelOrder.gatherBlocks(w, out, toInt(pooled.pixels()), from);
      v = ChannelOrder.gather(v, from);
      im.notes.add(attrs.node(n) + " reads its input's channels in their producers' order, its weight"
          + " rows permuted to match");
    }
    Draft d = drafts.newDraft(n, Layer.Kind.FC, v);
    d.out = out;
    d.kh = pooled.height();
    d.kw = pooled.width();
    d.w = w;
    d.b = new float[out];
    drafts.add(d);
    return drafts.outputOf(d, 2);
  }

  /**
   * For a convolution of {@code g} groups reading its input in the order {@code from}: where each
   * output channel goes when each canonical group {@code H} is computed from the one input group
   * {@code G} its channels all come from (output channel {@code G*m+j} becomes {@code H*m+j});
   * null when a group's channels come from several.
   */
  private static int[] groupOrder(int[] from, int g, int cout) {
    int a = from.length / g;
    int m = cout / g;
    int[] outOrder = new int[cout];
    for (int h = 0; h < g; h++) {
      int src = from[h * a] / a;
      for (int k = 0; k < a; k++) {
        if (from[h * a + k] / a != src) {
          return null;
        }
      }
      for (int j = 0; j < m; j++) {
        outOrder[src * m + j] = h * m + j;
      }
    }
    return outOrder;
  }

  /** Grouped weights [cout][a][per] regrouped: row H*m+j is row G*m+j, its blocks gathered. */
  private static float[] permuteGroups(float[] w, int[] from, int[] outOrder, int g, int cout, int per) {
    int a = from.length / g;
    int m = cout / g;
    float[] r = new float[w.length];
    for (int q = 0; q < cout; q++) {
      int o = outOrder[q];
      int h = o / m;
      int src = q / m;
      for (int k = 0; k < a; k++) {
        System.arraycopy(w, (q * a + from[h * a + k] - src * a) * per, r, (o * a + k) * per, per);
      }
    }
    return r;
  }

  private static boolean isIdentity(int[] order) {
    for (int i = 0; order != null && i < order.length; i++) {
      if (order[i] != i) {
        return false;
      }
    }
    return true;
  }

  /** Gemm's C for {@code out} outputs: scalar, [N], [1,N], or [M,N] with equal rows. */
  private float[] biasVector(NodeProto n, int i, int out) throws IOException {
    Const c = im.constant(n, i);
    im.requireFloat(n, c, "bias");
    float[] f = c.floats();
    float[] r = new float[out];
    if (f.length == 1) {
      Arrays.fill(r, f[0]);
      return r;
    }
    long[] d = c.dims();
    if (d.length >= 1 && d[d.length - 1] == out && f.length % out == 0) {
      for (int row = 1; row < f.length / out; row++) {
        for (int k = 0; k < out; k++) {
          if (f[row * out + k] != f[k]) {
            throw attrs.unsupported(n, "Gemm with a bias C of shape " + Arrays.toString(d) + " that varies per row");
          }
        }
      }
      System.arraycopy(f, 0, r, 0, out);
      return r;
    }
    throw new IllegalArgumentException(attrs.where(n) + "bias " + c.name() + " of shape " + Arrays.toString(d)
        + " does not fit " + out + " outputs");
  }
}
