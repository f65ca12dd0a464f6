package fivepp.model;

/**
 * Element-wise activations the digital unit of a core applies: {@link #NONE}, {@link #RELU},
 * {@link #RELU6}, and the parameterised {@link #leakyRelu(float)} ({@code x < 0 ? alpha * x : x})
 * and {@link #clip(float, float)} ({@code min(max(x, min), max)}). Value semantics ({@code equals});
 * the three constants are also the only instances of their kinds, so {@code ==} works for them.
 */
public final class Activation {
  public enum Kind { NONE, RELU, RELU6, LEAKY_RELU, CLIP }

  public static final Activation NONE = new Activation(Kind.NONE, 0, 0, 0);
  public static final Activation RELU = new Activation(Kind.RELU, 0, 0, 0);
  public static final Activation RELU6 = new Activation(Kind.RELU6, 0, 0, 0);

  private final Kind kind;
  private final float alpha;
  private final float min;
  private final float max;

  private Activation(Kind kind, float alpha, float min, float max) {
    this.kind = kind;
    this.alpha = alpha;
    this.min = min;
    this.max = max;
  }

  /** ONNX LeakyRelu: {@code x < 0 ? alpha * x : x}. */
  public static Activation leakyRelu(float alpha) {
    return new Activation(Kind.LEAKY_RELU, alpha, 0, 0);
  }

  /** ONNX Clip: {@code min(max(x, min), max)}; [0, +inf) is {@link #RELU}, [0, 6] {@link #RELU6}. */
  public static Activation clip(float min, float max) {
    if (!(min <= max)) {
      throw new IllegalArgumentException("clip needs min <= max, got " + min + ", " + max);
    }
    if (min == 0 && max == Float.POSITIVE_INFINITY) {
      return RELU;
    }
    if (min == 0 && max == 6) {
      return RELU6;
    }
    return new Activation(Kind.CLIP, 0, min, max);
  }

  public Kind kind() {
    return kind;
  }

  /** The negative slope of {@link Kind#LEAKY_RELU}. */
  public float alpha() {
    return alpha;
  }

  /** The lower bound of {@link Kind#CLIP}. */
  public float min() {
    return min;
  }

  /** The upper bound of {@link Kind#CLIP}. */
  public float max() {
    return max;
  }

  public float apply(float v) {
    return switch (kind) {
      case NONE -> v;
      case RELU -> Math.max(v, 0f);
      case RELU6 -> Math.min(Math.max(v, 0f), 6f);
      case LEAKY_RELU -> v < 0 ? v * alpha : v;
      case CLIP -> Math.min(Math.max(v, min), max);
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Activation a && a.kind == kind && Float.compare(a.alpha, alpha) == 0
        && Float.compare(a.min, min) == 0 && Float.compare(a.max, max) == 0;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(kind, alpha, min, max);
  }

  /** {@code NONE}, {@code RELU}, {@code RELU6}, {@code LEAKY_RELU(0.1)}, {@code CLIP(-1.0,1.0)}. */
  @Override
  public String toString() {
    return switch (kind) {
      case LEAKY_RELU -> "LEAKY_RELU(" + alpha + ")";
      case CLIP -> "CLIP(" + min + "," + max + ")";
      default -> kind.name();
    };
  }
}
