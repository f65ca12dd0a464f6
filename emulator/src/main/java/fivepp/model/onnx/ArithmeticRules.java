package fivepp.model.onnx;

import fivepp.model.Activation;
import fivepp.model.Input;
import fivepp.model.Network;
import fivepp.model.Residual;
import fivepp.model.Shape;
import fivepp.model.onnx.OnnxTensors.Const;
import fivepp.onnx.NodeProto;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The rules for arithmetic: BatchNormalization and Mul by a per-channel constant (an affine
 * folded into weights or left pending), Mul of a feature map by an N,C,1,1 tensor a weight layer
 * computes (a squeeze-and-excitation gate, which the consuming Conv's layer takes), Add of a
 * constant (a bias) or of another tensor (a residual).
 */
final class ArithmeticRules extends OperatorRules {
  ArithmeticRules(OnnxImporter.Build im) {
    super(im);
  }

  @Override
  void register(Map<String, Rule> rules) {
    rules.put("BatchNormalization", this::batchNorm);
    rules.put("Mul", this::mul);
    rules.put("Add", this::add);
  }

  private Val batchNorm(NodeProto n) throws IOException {
    if (attrs.attrInt(n, "training_mode", 0) != 0) {
      throw attrs.unsupported(n, "BatchNormalization in training mode");
    }
    Val v = im.data(n, 0);
    int c = v.shape().channels();
    float[] gamma = im.floats(n, 1, c, "scale");
    float[] beta = im.floats(n, 2, c, "bias");
    float[] mean = im.floats(n, 3, c, "mean");
    float[] var = im.floats(n, 4, c, "var");
    float eps = attrs.attrFloat(n, "epsilon", 1e-5f);
    float[] s = new float[c];
    float[] t = new float[c];
    for (int i = 0; i < c; i++) {
      s[i] = (float) (gamma[i] / Math.sqrt((double) var[i] + eps));
      t[i] = (float) (beta[i] - (double) mean[i] * s[i]);
    }
    return affine(n, v, s, t);
  }

  /**
   * y = x * s + t per channel: folded into the producing layer's weights when it can take it,
   * else left pending for the consumer's digital unit (a pre-activation, as in BN-ReLU-Conv).
   */
  private Val affine(NodeProto n, Val v, float[] s, float[] t) {
    Draft d = drafts.attachable(n.getInput(0), v);
    if (d != null && d.convStage()) {
      im.notes.add(attrs.node(n) + " folded into " + d.name);
      scale(d, s, t);
      return drafts.outputOf(d, v.rank());
    }
    if (v.plain() && v.rank() == 4) {
      return v.withAffine(s, t);
    }
    if (v.scale() != null && v.act() == Activation.NONE && v.pool() == null && v.pad() == null
        && !v.marked()) {
      float[] s2 = new float[s.length];
      float[] t2 = new float[s.length];
      for (int i = 0; i < s.length; i++) {
        s2[i] = v.scale()[i] * s[i];
        t2[i] = v.shift()[i] * s[i] + t[i];
      }
      return v.withAffine(s2, t2);
    }
    d = drafts.host(v, n.getName().isEmpty() ? "affine" : n.getName());
    im.notes.add(attrs.node(n) + " folded into host layer " + d.name);
    scale(d, s, t);
    return drafts.outputOf(d, v.rank());
  }

  /** Mul by a per-channel constant, or by a squeeze-and-excitation gate. */
  private Val mul(NodeProto n) throws IOException {
    String a = n.getInput(0);
    String b = n.getInput(1);
    boolean ca = !im.values.containsKey(a) && im.isConst(a);
    boolean cb = !im.values.containsKey(b) && im.isConst(b);
    Val gated = ca || cb ? null : gated(n);
    if (gated != null) {
      return gated;
    }
    if (ca == cb) {
      throw attrs.unsupported(n, "Mul of " + (ca ? "two constants" : "two tensors") + " (only by a per-channel constant)");
    }
    int i = ca ? 1 : 0;
    Val v = im.data(n, i);
    float[] s = channelVector(n, ca ? 0 : 1, v);
    return affine(n.toBuilder().setInput(0, n.getInput(i)).build(), v, s, new float[s.length]);
  }

  /**
   * {@code Mul(g, x)} or {@code Mul(x, g)} where x is an N,C,H,W feature map and g an N,C,1,1
   * tensor computed by weight layers (torchvision's SqueezeExcitation: {@code scale * input}):
   * x with the gate, which the Conv consuming it takes; g is the first operand when both fit.
   * Null when neither operand is such a gate.
   */
  private Val gated(NodeProto n) {
    Val a = im.data(n, 0);
    Val b = im.data(n, 1);
    for (int order = 0; order < 2; order++) {
      Val g = order == 0 ? a : b;
      Val x = order == 0 ? b : a;
      Draft gd = g.parts().size() == 1 ? drafts.get(g.parts().get(0).from()) : null;
      if (g.rank() != 4 || x.rank() != 4 || x.gate() != null || gd == null
          || !g.shape().equals(new Shape(x.shape().channels(), 1, 1)) || g.pool() != null
          || g.pad() != null || g.marked() || g.gate() != null
          || !g.parts().equals(drafts.outputOf(gd, 4).parts())) {
        continue; // not a weight layer's whole N,C,1,1 output, maybe with an activation pending
      }
      if (!g.plain() || gd.outOrder != null) {
        gd = drafts.host(g, "gate");
        im.notes.add(attrs.node(n) + ": its gate runs in host layer " + gd.name);
      }
      if (!x.plain() || ChannelOrder.canonical(x.parts()) != null) {
        x = drafts.outputOf(drafts.host(x, "gated"), 4);
      }
      return x.withGate(gd.name);
    }
    return null;
  }

  /** w' = w * s[co], b' = b * s[co] + t[co], s and t in the order the graph sees d's output. */
  private void scale(Draft d, float[] s, float[] t) {
    s = d.toLayerOrder(s);
    t = d.toLayerOrder(t);
    int per = d.w.length / d.out;
    for (int co = 0; co < d.out; co++) {
      for (int j = co * per; j < (co + 1) * per; j++) {
        d.w[j] *= s[co];
      }
      d.b[co] = d.b[co] * s[co] + t[co];
    }
    d.bias = true;
  }

  private Val add(NodeProto n) throws IOException {
    String a = n.getInput(0);
    String b = n.getInput(1);
    boolean ca = !im.values.containsKey(a) && im.isConst(a);
    boolean cb = !im.values.containsKey(b) && im.isConst(b);
    if (ca && cb) {
      throw attrs.unsupported(n, "Add of two constants");
    }
    if (ca || cb) {
      int i = ca ? 1 : 0;
      Val v = im.data(n, i);
      if (v.marked()) {
        v = drafts.outputOf(drafts.host(v, "shortcut"), v.rank());
      }
      float[] c = channelVector(n, ca ? 0 : 1, v);
      if (v.scale() != null) {
        float[] ones = new float[c.length];
        Arrays.fill(ones, 1f);
        return affine(n.toBuilder().setInput(0, n.getInput(i)).build(), v, ones, c);
      }
      Draft d = drafts.attachable(n.getInput(i), v);
      if (d == null || !d.convStage()) {
        d = drafts.host(v, n.getName().isEmpty() ? "bias" : n.getName());
        im.notes.add(attrs.node(n) + " (a constant) runs as the bias of host layer " + d.name);
      }
      c = d.toLayerOrder(c);
      for (int j = 0; j < d.out; j++) {
        d.b[j] += c[j];
      }
      d.bias = true;
      return drafts.outputOf(d, v.rank());
    }
    Val va = im.data(n, 0);
    Val vb = im.data(n, 1);
    for (int order = 0; order < 2; order++) {
      String xn = order == 0 ? a : b;
      Val x = order == 0 ? va : vb;
      Val r = order == 0 ? vb : va;
      Draft d = drafts.attachable(xn, x);
      if (d != null && d.convStage() && residualFits(r, d)) {
        d.residual = residual(r);
        return drafts.outputOf(d, x.rank());
      }
    }
    if (!va.shape().equals(vb.shape())) {
      throw attrs.unsupported(n, "Add of " + va.shape() + " and " + vb.shape() + " (no broadcasting)");
    }
    Val r = vb;
    if (!r.plain() && !shortcut(r) || r.parts().size() != 1 || !whole(r)) {
      r = drafts.outputOf(drafts.host(r, "residual"), r.rank());
    }
    Draft h = drafts.host(va, n.getName().isEmpty() ? "add" : n.getName());
    im.notes.add(attrs.node(n) + " runs in host layer " + h.name);
    if (!residualFits(r, h)) {
      throw attrs.unsupported(n, "Add of " + va.shape() + " and " + vb.shape());
    }
    h.residual = residual(r);
    return drafts.outputOf(h, va.rank());
  }

  /** A value usable as a residual source: one whole producer output, maybe subsampled/padded. */
  private boolean shortcut(Val r) {
    return r.act() == Activation.NONE && r.pool() == null && r.pad() == null && r.scale() == null
        && r.strideH() == r.strideW();
  }

  private boolean whole(Val r) {
    Input p = r.parts().get(0);
    Shape full = p.from().equals(Network.INPUT) ? im.inputShape() : drafts.get(p.from()).layer().output();
    return p.firstChannel() == 0 && p.channels() == full.channels();
  }

  private boolean residualFits(Val r, Draft d) {
    if (r.parts().size() != 1 || !shortcut(r) || !whole(r) || d.outOrder != null) {
      return false;
    }
    if (!r.parts().get(0).from().equals(Network.INPUT) && r.parts().get(0).from().equals(d.name)) {
      return false;
    }
    return r.shape().equals(d.layer().convOutput());
  }

  private Residual residual(Val r) {
    return new Residual(r.parts().get(0).from(), r.strideH(), r.padFront());
  }

  /** A per-channel constant (bias) for {@code v}: scalar, [C], [1,C], [C,1,1] or [1,C,1,1]. */
  private float[] channelVector(NodeProto n, int i, Val v) throws IOException {
    Const c = im.constant(n, i);
    im.requireFloat(n, c, "operand");
    Shape s = v.shape();
    int ch = s.channels();
    List<Long> dims = new ArrayList<>();
    for (long d : c.dims()) {
      dims.add(d);
    }
    while (!dims.isEmpty() && dims.get(0) == 1 && dims.size() > (v.rank() == 4 ? 3 : 1)) {
      dims.remove(0);
    }
    long count = c.count();
    boolean ok;
    if (count == 1) {
      ok = dims.size() <= v.rank();
    } else if (v.rank() == 4) {
      ok = dims.equals(List.of((long) ch, 1L, 1L));
    } else {
      ok = s.pixels() == 1 && dims.equals(List.of((long) ch));
    }
    if (!ok) {
      throw attrs.unsupported(n, "Add of a constant of shape " + Arrays.toString(c.dims())
          + " to " + s + " (only a per-channel bias)");
    }
    float[] out = new float[ch];
    for (int k = 0; k < ch; k++) {
      out[k] = c.floats()[count == 1 ? 0 : k];
    }
    return out;
  }
}
