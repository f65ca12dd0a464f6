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
 */
record Val(List<Input> parts, Shape base, int rank, Activation act, Pool pool, int[] pad,
    int strideH, int strideW, int padTo, boolean softmax, float[] scale, float[] shift,
    int padFront) {
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
    return act == Activation.NONE && pool == null && pad == null && !marked() && scale == null;
  }

  /** The same value with a pending per-channel affine x * scale + shift before the rest. */
  Val withAffine(float[] s, float[] t) {
    return new Val(parts, base, rank, act, pool, pad, strideH, strideW, padTo, softmax, s, t, padFront);
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
    return new Val(parts, base, r, act, pool, pad, strideH, strideW, padTo, softmax, scale, shift, padFront);
  }
}
