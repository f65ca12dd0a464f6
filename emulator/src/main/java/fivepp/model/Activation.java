package fivepp.model;

import java.util.Arrays;

/**
 * Element-wise activations the digital unit of a core applies, with ONNX's semantics:
 *
 * <ul>
 *   <li>{@link #NONE}, {@link #RELU}, {@link #RELU6}, {@link #SIGMOID}, {@link #TANH},
 *       {@link #HARD_SWISH} ({@code x * max(0, min(1, x / 6 + 1/2))}), {@link #SOFTPLUS}
 *       ({@code log(1 + exp(x))}), {@link #SOFTSIGN} ({@code x / (1 + |x|)}) and {@link #SILU}
 *       ({@code x * sigmoid(x)}, also called Swish);
 *   <li>the parameterised {@link #leakyRelu(float)} ({@code x < 0 ? alpha * x : x}),
 *       {@link #clip(float, float)} ({@code min(max(x, min), max)}),
 *       {@link #hardSigmoid(float, float)} ({@code max(0, min(1, alpha * x + beta))}),
 *       {@link #elu(float)} ({@code x < 0 ? alpha * (exp(x) - 1) : x}) and
 *       {@link #selu(float, float)} ({@code x <= 0 ? gamma * alpha * (exp(x) - 1) : gamma * x});
 *   <li>{@link #prelu(float[])}: {@code x < 0 ? slope[c] * x : x} with one slope per channel
 *       {@code c}, so it is applied by {@link #apply(int, float)}, which every kind takes.
 * </ul>
 *
 * Value semantics ({@code equals}); the parameterless kinds have one instance each, so {@code ==}
 * works for them. The transcendental kinds compute in double and round once to float.
 */
public final class Activation {
  public enum Kind {
    NONE, RELU, RELU6, LEAKY_RELU, CLIP, SIGMOID, TANH, HARD_SIGMOID, HARD_SWISH, PRELU, ELU,
    SELU, SOFTPLUS, SOFTSIGN, SILU
  }

  /** ONNX Selu's default alpha. */
  public static final float SELU_ALPHA = 1.67326319217681884765625f;
  /** ONNX Selu's default gamma. */
  public static final float SELU_GAMMA = 1.05070102214813232421875f;

  private static final float[] NO_SLOPES = {}; // before the constants that use it

  public static final Activation NONE = new Activation(Kind.NONE);
  public static final Activation RELU = new Activation(Kind.RELU);
  public static final Activation RELU6 = new Activation(Kind.RELU6);
  public static final Activation SIGMOID = new Activation(Kind.SIGMOID);
  public static final Activation TANH = new Activation(Kind.TANH);
  public static final Activation HARD_SWISH = new Activation(Kind.HARD_SWISH);
  public static final Activation SOFTPLUS = new Activation(Kind.SOFTPLUS);
  public static final Activation SOFTSIGN = new Activation(Kind.SOFTSIGN);
  public static final Activation SILU = new Activation(Kind.SILU);

  private final Kind kind;
  private final float alpha;
  private final float beta;
  private final float min;
  private final float max;
  private final float[] slopes;

  private Activation(Kind kind) {
    this(kind, 0, 0, 0, 0, NO_SLOPES);
  }

  private Activation(Kind kind, float alpha, float beta, float min, float max, float[] slopes) {
    this.kind = kind;
    this.alpha = alpha;
    this.beta = beta;
    this.min = min;
    this.max = max;
    this.slopes = slopes;
  }

  /** ONNX LeakyRelu: {@code x < 0 ? alpha * x : x}. */
  public static Activation leakyRelu(float alpha) {
    return new Activation(Kind.LEAKY_RELU, alpha, 0, 0, 0, NO_SLOPES);
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
    return new Activation(Kind.CLIP, 0, 0, min, max, NO_SLOPES);
  }

  /** ONNX HardSigmoid: {@code max(0, min(1, alpha * x + beta))} (ONNX's defaults 0.2, 0.5). */
  public static Activation hardSigmoid(float alpha, float beta) {
    return new Activation(Kind.HARD_SIGMOID, alpha, beta, 0, 0, NO_SLOPES);
  }

  /** ONNX Elu: {@code x < 0 ? alpha * (exp(x) - 1) : x} (ONNX's default alpha 1). */
  public static Activation elu(float alpha) {
    return new Activation(Kind.ELU, alpha, 0, 0, 0, NO_SLOPES);
  }

  /**
   * ONNX Selu: {@code x <= 0 ? gamma * (alpha * exp(x) - alpha) : gamma * x} (ONNX's defaults
   * {@link #SELU_ALPHA}, {@link #SELU_GAMMA}); {@link #beta()} holds gamma.
   */
  public static Activation selu(float alpha, float gamma) {
    return new Activation(Kind.SELU, alpha, gamma, 0, 0, NO_SLOPES);
  }

  /**
   * ONNX PRelu with one slope per channel; a single slope is {@link #leakyRelu(float)}.
   *
   * @throws IllegalArgumentException for no slope at all
   */
  public static Activation prelu(float[] slopes) {
    if (slopes.length == 0) {
      throw new IllegalArgumentException("prelu needs at least one slope");
    }
    if (slopes.length == 1) {
      return leakyRelu(slopes[0]);
    }
    return new Activation(Kind.PRELU, 0, 0, 0, 0, slopes.clone());
  }

  public Kind kind() {
    return kind;
  }

  /** The parameter alpha of {@link Kind#LEAKY_RELU}, HARD_SIGMOID, ELU and SELU. */
  public float alpha() {
    return alpha;
  }

  /** The beta of {@link Kind#HARD_SIGMOID}, the gamma of {@link Kind#SELU}. */
  public float beta() {
    return beta;
  }

  /** The lower bound of {@link Kind#CLIP}. */
  public float min() {
    return min;
  }

  /** The upper bound of {@link Kind#CLIP}. */
  public float max() {
    return max;
  }

  /** The slopes of {@link Kind#PRELU}, one per channel; empty for every other kind. */
  public float[] slopes() {
    return slopes.clone();
  }

  /** Whether the activation depends on the channel ({@link Kind#PRELU}). */
  public boolean perChannel() {
    return slopes.length > 0;
  }

  /**
   * The number of channels a per-channel activation is defined for, or -1 when it applies to
   * any number.
   */
  public int channels() {
    return perChannel() ? slopes.length : -1;
  }

  /**
   * The activation of {@code v}, for the kinds that do not depend on the channel.
   *
   * @throws IllegalStateException for {@link Kind#PRELU}, which needs {@link #apply(int, float)}
   */
  public float apply(float v) {
    if (perChannel()) {
      throw new IllegalStateException(this + " depends on the channel: use apply(channel, v)");
    }
    return apply(0, v);
  }

  /** The activation of {@code v} in channel {@code channel} of the tensor it applies to. */
  public float apply(int channel, float v) {
    return switch (kind) {
      case NONE -> v;
      case RELU -> Math.max(v, 0f);
      case RELU6 -> Math.min(Math.max(v, 0f), 6f);
      case LEAKY_RELU -> v < 0 ? v * alpha : v;
      case PRELU -> v < 0 ? v * slopes[channel] : v;
      case CLIP -> Math.min(Math.max(v, min), max);
      case SIGMOID -> (float) sigmoid(v);
      case TANH -> (float) Math.tanh(v);
      case HARD_SIGMOID -> Math.max(0f, Math.min(1f, alpha * v + beta));
      case HARD_SWISH -> v * Math.max(0f, Math.min(1f, v * (1f / 6f) + 0.5f));
      case ELU -> v < 0 ? (float) (alpha * Math.expm1(v)) : v;
      case SELU -> v <= 0 ? (float) (beta * (alpha * Math.exp(v) - alpha)) : beta * v;
      case SOFTPLUS -> (float) (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
      case SOFTSIGN -> v / (1f + Math.abs(v));
      case SILU -> (float) (v * sigmoid(v));
    };
  }

  private static double sigmoid(double v) {
    return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Activation a && a.kind == kind && Float.compare(a.alpha, alpha) == 0
        && Float.compare(a.beta, beta) == 0 && Float.compare(a.min, min) == 0
        && Float.compare(a.max, max) == 0 && Arrays.equals(a.slopes, slopes);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(kind, alpha, beta, min, max, Arrays.hashCode(slopes));
  }

  /**
   * {@code NONE}, {@code RELU}, {@code LEAKY_RELU(0.1)}, {@code CLIP(-1.0,1.0)},
   * {@code HARD_SIGMOID(0.2,0.5)}, {@code ELU(1.0)}, {@code SELU(1.6732632,1.050701)},
   * {@code PRELU(16 slopes)}, ...
   */
  @Override
  public String toString() {
    return switch (kind) {
      case LEAKY_RELU, ELU -> kind + "(" + alpha + ")";
      case CLIP -> "CLIP(" + min + "," + max + ")";
      case HARD_SIGMOID, SELU -> kind + "(" + alpha + "," + beta + ")";
      case PRELU -> "PRELU(" + slopes.length + " slopes)";
      default -> kind.name();
    };
  }
}
