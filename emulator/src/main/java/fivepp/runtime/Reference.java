package fivepp.runtime;

import fivepp.model.Weights;
import fivepp.model.LayerWeights;
import fivepp.model.Activation;
import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Pool;
import fivepp.model.Residual;
import fivepp.model.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain single-threaded inference used as the oracle: every layer run whole, in order, written
 * directly from the definitions in {@link Layer} (input concatenation, gate, input activation, pre-pool,
 * convolution, residual, activation, post-pool) and sharing no code with the tiling. Convolutions
 * accumulate in float, for each output the products in the order (input channel, ky, kx), then
 * add the bias. A layer's output is kept only until its last consumer has run.
 */
public final class Reference {
  private Reference() {}

  /** The last layer's output as a flat CHW array: the logits for the zoo's classifiers. */
  public static float[] logits(Network net, Weights w, Tensor image) {
    return forward(net, w, image, net.layers().size() - 1).data();
  }

  /** The output of one layer (after its post-pool), running only the layers up to it. */
  public static Tensor run(Network net, Weights w, Tensor image, String layer) {
    return forward(net, w, image, net.indexOf(layer));
  }

  private static Tensor forward(Network net, Weights w, Tensor image, int target) {
    if (!image.shape().equals(net.input())) {
      throw new IllegalArgumentException(net.name() + " takes a " + net.input() + " image, got "
          + image.shape());
    }
    if (w.network() != net && !w.network().layers().equals(net.layers())) {
      throw new IllegalArgumentException("weights of " + w.network().name()
          + " do not fit network " + net.name());
    }
    List<Layer> layers = net.layers();
    Map<String, Integer> lastUse = new HashMap<>();
    for (int i = 0; i <= target; i++) {
      for (String p : consumed(layers.get(i))) {
        lastUse.put(p, i);
      }
    }
    Map<String, Tensor> live = new HashMap<>();
    live.put(Network.INPUT, image);
    Tensor out = null;
    for (int i = 0; i <= target; i++) {
      Layer l = layers.get(i);
      out = layer(l, w.of(l.name()), live);
      for (String p : consumed(l)) {
        if (lastUse.get(p) == i) {
          live.remove(p);
        }
      }
      if (lastUse.containsKey(l.name())) {
        live.put(l.name(), out);
      }
    }
    return out;
  }

  /** Producers a layer reads, {@link Network#INPUT} included. */
  private static List<String> consumed(Layer l) {
    List<String> p = new java.util.ArrayList<>(l.inputs().stream().map(Input::from).toList());
    if (l.residual() != null) {
      p.add(l.residual().from());
    }
    if (l.gate() != null) {
      p.add(l.gate().from());
    }
    return p;
  }

  private static Tensor layer(Layer l, LayerWeights lw, Map<String, Tensor> live) {
    Tensor x = concat(l, live);
    if (l.gate() != null) {
      x = gated(x, live.get(l.gate().from()));
    }
    if (l.inputActivation() != Activation.NONE) {
      x = affine(x, lw.inScale(), lw.inShift(), l.inputActivation());
    }
    if (l.prePool() != null) {
      x = pool(x, l.prePool());
    }
    Tensor y = conv(l, lw, x);
    if (l.residual() != null) {
      addResidual(y, live.get(l.residual().from()), l.residual());
    }
    activate(y, l.activation());
    return l.postPool() == null ? y : pool(y, l.postPool());
  }

  /** The layer's input: its inputs' channel slices, concatenated (shared when a single whole). */
  private static Tensor concat(Layer l, Map<String, Tensor> live) {
    Shape s = l.input();
    if (l.inputs().size() == 1) {
      Input in = l.inputs().get(0);
      Tensor t = live.get(in.from());
      if (in.firstChannel() == 0 && t.shape().equals(s)) {
        return t;
      }
    }
    float[] d = new float[(int) s.elements()];
    int plane = s.height() * s.width();
    int at = 0;
    for (Input in : l.inputs()) {
      Tensor t = live.get(in.from());
      if (t.height() != s.height() || t.width() != s.width()
          || in.firstChannel() + in.channels() > t.channels()) {
        throw new IllegalArgumentException(l.name() + ": input " + in + " does not fit "
            + t.shape() + " into " + s);
      }
      System.arraycopy(t.data(), in.firstChannel() * plane, d, at, in.channels() * plane);
      at += in.channels() * plane;
    }
    if (at != d.length) {
      throw new IllegalArgumentException(l.name() + ": inputs give " + at / plane
          + " channels, the layer takes " + s.channels());
    }
    return new Tensor(s.channels(), s.height(), s.width(), d);
  }

  /** {@code x[c] * gate[c]} into a new tensor: the squeeze-and-excitation product. */
  private static Tensor gated(Tensor x, Tensor gate) {
    if (gate.data().length != x.channels()) {
      throw new IllegalArgumentException("gate " + gate.shape() + " does not fit " + x.shape());
    }
    float[] d = new float[x.data().length];
    int plane = x.height() * x.width();
    for (int c = 0; c < x.channels(); c++) {
      float g = gate.data()[c];
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        d[i] = x.data()[i] * g;
      }
    }
    return new Tensor(x.channels(), x.height(), x.width(), d);
  }

  /** {@code act(x * scale[c] + shift[c])} into a new tensor. */
  private static Tensor affine(Tensor x, float[] scale, float[] shift, Activation act) {
    float[] d = new float[x.data().length];
    int plane = x.height() * x.width();
    for (int c = 0; c < x.channels(); c++) {
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        d[i] = x.data()[i] * scale[c] + shift[c];
      }
    }
    Tensor y = new Tensor(x.channels(), x.height(), x.width(), d);
    activate(y, act);
    return y;
  }

  /** {@code act} in place over a CHW tensor, channel by channel. */
  private static void activate(Tensor t, Activation act) {
    float[] d = t.data();
    switch (act.kind()) {
      case NONE -> { }
      case RELU -> {
        for (int i = 0; i < d.length; i++) {
          d[i] = Math.max(d[i], 0f);
        }
      }
      case RELU6 -> {
        for (int i = 0; i < d.length; i++) {
          d[i] = Math.min(Math.max(d[i], 0f), 6f);
        }
      }
      default -> {
        int plane = t.height() * t.width();
        for (int i = 0; i < d.length; i++) {
          d[i] = act.apply(i / plane, d[i]);
        }
      }
    }
  }

  /** The convolution over an explicitly zero-padded copy of the input, plus bias. */
  private static Tensor conv(Layer l, LayerWeights lw, Tensor in) {
    Shape o = l.convOutput();
    int cin = in.channels();
    int ih = in.height();
    int iw = in.width();
    int ph = ih + l.padTop() + l.padBottom();
    int pw = iw + l.padLeft() + l.padRight();
    float[] p = new float[cin * ph * pw];
    for (int c = 0; c < cin; c++) {
      for (int y = 0; y < ih; y++) {
        System.arraycopy(in.data(), (c * ih + y) * iw, p,
            (c * ph + y + l.padTop()) * pw + l.padLeft(), iw);
      }
    }
    int oh = o.height();
    int ow = o.width();
    int kh = l.kernelH();
    int kw = l.kernelW();
    int sh = l.strideH();
    int sw = l.strideW();
    int dh = l.dilationH();
    int dw = l.dilationW();
    int cig = cin / l.groups();
    int cog = l.outChannels() / l.groups();
    float[] w = lw.weights();
    float[] out = new float[(int) o.elements()];
    // Per output: products added in (ci, ky, kx) order; the x loop innermost only for speed.
    for (int co = 0; co < l.outChannels(); co++) {
      int c0 = co / cog * cig;
      for (int ci = 0; ci < cig; ci++) {
        for (int ky = 0; ky < kh; ky++) {
          for (int kx = 0; kx < kw; kx++) {
            float wv = w[((co * cig + ci) * kh + ky) * kw + kx];
            for (int y = 0; y < oh; y++) {
              int src = ((c0 + ci) * ph + y * sh + ky * dh) * pw + kx * dw;
              int dst = (co * oh + y) * ow;
              if (sw == 1) { // unit stride, so the JIT can vectorise
                for (int x = 0; x < ow; x++) {
                  out[dst + x] += wv * p[src + x];
                }
              } else {
                for (int x = 0; x < ow; x++) {
                  out[dst + x] += wv * p[src + x * sw];
                }
              }
            }
          }
        }
      }
      float b = lw.bias()[co];
      for (int i = co * oh * ow; i < (co + 1) * oh * ow; i++) {
        out[i] += b;
      }
    }
    return new Tensor(o.channels(), oh, ow, out);
  }

  /**
   * Adds the source subsampled by the stride (rows/cols 0, s, 2s...), zero-padded in channels:
   * its channel c to channel firstChannel + c.
   */
  private static void addResidual(Tensor y, Tensor src, Residual r) {
    int s = r.stride();
    int c0 = r.firstChannel();
    if (c0 + src.channels() > y.channels() || (y.height() - 1) * s >= src.height()
        || (y.width() - 1) * s >= src.width()) {
      throw new IllegalArgumentException("residual " + src.shape() + " /" + s + " at channel " + c0
          + " does not fit " + y.shape());
    }
    for (int c = 0; c < src.channels(); c++) {
      for (int i = 0; i < y.height(); i++) {
        for (int j = 0; j < y.width(); j++) {
          y.set(c0 + c, i, j, y.get(c0 + c, i, j) + src.get(c, i * s, j * s));
        }
      }
    }
  }

  /**
   * Pooling as PyTorch does it: MAX ignores padded positions; AVG divides by the in-bounds
   * positions, or with countIncludePad by the window clipped to the padded input (kernel^2 unless
   * a ceil-mode window hangs past the right padding); positions past the input are never read.
   */
  private static Tensor pool(Tensor in, Pool p) {
    int h = in.height();
    int w = in.width();
    if (p.kind() == Pool.Kind.GLOBAL_AVG) {
      float[] d = new float[in.channels()];
      for (int c = 0; c < in.channels(); c++) {
        float sum = 0;
        for (int i = c * h * w; i < (c + 1) * h * w; i++) {
          sum += in.data()[i];
        }
        d[c] = sum / (h * w);
      }
      return new Tensor(in.channels(), 1, 1, d);
    }
    Shape o = p.apply(in.shape());
    Tensor out = Tensor.zeros(o);
    int k = p.kernel();
    for (int c = 0; c < o.channels(); c++) {
      for (int oy = 0; oy < o.height(); oy++) {
        int y0 = oy * p.stride() - p.padTop();
        for (int ox = 0; ox < o.width(); ox++) {
          int x0 = ox * p.stride() - p.padLeft();
          float max = Float.NEGATIVE_INFINITY;
          float sum = 0;
          int n = 0;
          for (int y = Math.max(y0, 0); y < Math.min(y0 + k, h); y++) {
            for (int x = Math.max(x0, 0); x < Math.min(x0 + k, w); x++) {
              float v = in.get(c, y, x);
              max = Math.max(max, v);
              sum += v;
              n++;
            }
          }
          float v;
          if (p.kind() == Pool.Kind.MAX) {
            v = n == 0 ? 0 : max;
          } else {
            int area = (Math.min(y0 + k, h + p.padBottom()) - y0) * (Math.min(x0 + k, w + p.padRight()) - x0);
            v = sum / (p.countIncludePad() ? area : Math.max(n, 1));
          }
          out.set(c, oy, ox, v);
        }
      }
    }
    return out;
  }
}
