package fivepp.model;

/**
 * A pooling step run by a core's digital unit. {@code kernel}, {@code stride} and {@code pad} are
 * square; {@code ceil} rounds the output size up (Caffe/GoogLeNet style) instead of down.
 * {@code GLOBAL_AVG} ignores kernel, stride and pad and yields 1x1.
 */
public record Pool(Kind kind, int kernel, int stride, int pad, boolean ceil, boolean countIncludePad) {
  public enum Kind { MAX, AVG, GLOBAL_AVG }

  public static Pool max(int kernel, int stride, int pad) {
    return new Pool(Kind.MAX, kernel, stride, pad, false, false);
  }

  public static Pool maxCeil(int kernel, int stride, int pad) {
    return new Pool(Kind.MAX, kernel, stride, pad, true, false);
  }

  public static Pool avg(int kernel, int stride) {
    return new Pool(Kind.AVG, kernel, stride, 0, false, true);
  }

  public static Pool globalAvg() {
    return new Pool(Kind.GLOBAL_AVG, 0, 1, 0, false, true);
  }

  /** The shape this pooling produces from {@code in}. */
  public Shape apply(Shape in) {
    if (kind == Kind.GLOBAL_AVG) {
      return new Shape(in.channels(), 1, 1);
    }
    return new Shape(in.channels(), size(in.height()), size(in.width()));
  }

  private int size(int n) {
    int span = n + 2 * pad - kernel;
    if (span < 0) {
      throw new IllegalArgumentException("pool kernel " + kernel + " larger than padded input " + n);
    }
    int out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
    // PyTorch's rule: the last window must start inside the input or left padding
    if (ceil && (out - 1) * stride >= n + pad) {
      out--;
    }
    return out;
  }
}
