package fivepp.model;

/**
 * A pooling step run by a core's digital unit. {@code kernel} and {@code stride} are square; the
 * input is padded by {@code padTop}, {@code padLeft}, {@code padBottom} and {@code padRight}
 * (equal for most networks; ONNX's auto_pad SAME_UPPER/SAME_LOWER and explicit pads may differ).
 * {@code ceil} rounds the output size up (Caffe/GoogLeNet style) instead of down.
 * {@code GLOBAL_AVG} ignores kernel, stride and pads and yields 1x1.
 */
public record Pool(Kind kind, int kernel, int stride, int padTop, int padLeft, int padBottom,
    int padRight, boolean ceil, boolean countIncludePad) {
  public enum Kind { MAX, AVG, GLOBAL_AVG }

  public Pool {
    if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
      throw new IllegalArgumentException("pool with negative padding");
    }
  }

  /** A pooling padded by {@code pad} on every side. */
  public Pool(Kind kind, int kernel, int stride, int pad, boolean ceil, boolean countIncludePad) {
    this(kind, kernel, stride, pad, pad, pad, pad, ceil, countIncludePad);
  }

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

  /** Whether the padding is the same on all four sides. */
  public boolean evenPad() {
    return padTop == padLeft && padTop == padBottom && padTop == padRight;
  }

  /** The padding of every side; only for a pooling whose padding is {@link #evenPad() even}. */
  public int pad() {
    if (!evenPad()) {
      throw new IllegalStateException("pool padded unevenly: top " + padTop + ", left " + padLeft
          + ", bottom " + padBottom + ", right " + padRight);
    }
    return padTop;
  }

  /** The input rows [from, to) that pooled row {@code row} reads, of an input {@code height} rows high. */
  public int[] rows(int row, int height) {
    if (kind == Kind.GLOBAL_AVG) {
      return new int[] {0, height};
    }
    int y0 = row * stride - padTop;
    return new int[] {Math.max(0, y0), Math.min(height, y0 + kernel)};
  }

  /** The shape this pooling produces from {@code in}. */
  public Shape apply(Shape in) {
    if (kind == Kind.GLOBAL_AVG) {
      return new Shape(in.channels(), 1, 1);
    }
    return new Shape(in.channels(), size(in.height(), padTop, padBottom),
        size(in.width(), padLeft, padRight));
  }

  private int size(int n, int before, int after) {
    int span = n + before + after - kernel;
    if (span < 0) {
      throw new IllegalArgumentException("pool kernel " + kernel + " larger than padded input " + n);
    }
    int out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
    // PyTorch's rule: the last window must start inside the input or the leading padding
    if (ceil && (out - 1) * stride >= n + before) {
      out--;
    }
    return out;
  }
}
