package fivepp.model.onnx;

import fivepp.model.Activation;
import fivepp.model.Input;
import fivepp.model.Pool;
import fivepp.model.Shape;
import java.util.List;

/**
 * A tensor of the graph as the layer graph sees it: the concatenation of {@code parts}, then
 * {@code pending} operations a consumer must run (activation, pooling, zero padding, in that
 * order), then the markers of the option-A shortcut (subsampling by {@code strideH x strideW},
 * channels zero-padded to {@code padTo}, {@code padFront} of the zeros before the channels).
 * {@code gate}, when not null, names the layer whose 1x1xC output multiplies the concatenation
 * channel by channel (a squeeze-and-excitation gate, {@code Mul(g, x)}): only a Conv takes such a
 * value as it is; any other operator reads it through a host layer
 * ({@link OnnxImporter.Build#apply}).
 */
record Val(List<Input> parts, Shape base, int rank, Activation act, Pool pool, int[] pad,
    int strideH, int strideW, int padTo, boolean softmax, float[] scale, float[] shift,
    int padFront, String gate) {
  /** A value without a gate. */
  Val(List<Input> parts, Shape base, int rank, Activation act, Pool pool, int[] pad, int strideH,
      int strideW, int padTo, boolean softmax, float[] scale, float[] shift, int padFront) {
    this(parts, base, rank, act, pool, pad, strideH, strideW, padTo, softmax, scale, shift,
        padFront, null);
  }

  /** A value whose channels, if padded, have their zeros appended. */
  Val(List<Input> parts, Shape base, int rank, Activation act, Pool pool, int[] pad, int strideH,
      int strideW, int padTo, boolean softmax, float[] scale, float[] shift) {
    this(parts, base, rank, act, pool, pad, strideH, strideW, padTo, softmax, scale, shift, 0);
  }

  static Val of(List<Input> parts, Shape base, int rank) {
    return new Val(parts, base, rank, Activation.NONE, null, null, 1, 1, base.channels(), false,
        null, null);
  }

  boolean plain() {
    return act == Activation.NONE && pool == null && pad == null && !marked() && scale == null
        && gate == null;
  }

  /** The same value with a pending per-channel affine x * scale + shift before the rest. */
  Val withAffine(float[] s, float[] t) {
    return new Val(parts, base, rank, act, pool, pad, strideH, strideW, padTo, softmax, s, t, padFront,
        gate);
  }

  boolean marked() {
    return strideH != 1 || strideW != 1 || padTo != base.channels();
  }

  Shape shape() {
    Shape s = pool == null ? base : pool.apply(base);
    if (pad != null) {
      s = new Shape(s.channels(), s.height() + pad[0] + pad[2], s.width() + pad[1] + pad[3]);
    }
    return new Shape(padTo, (s.height() + strideH - 1) / strideH, (s.width() + strideW - 1) / strideW);
  }

  Val withRank(int r) {
    return new Val(parts, base, r, act, pool, pad, strideH, strideW, padTo, softmax, scale, shift, padFront,
        gate);
  }

  /** The same value multiplied channel by channel by the output of layer {@code g}. */
  Val withGate(String g) {
    return new Val(parts, base, rank, act, pool, pad, strideH, strideW, padTo, softmax, scale, shift,
        padFront, g);
  }
}
