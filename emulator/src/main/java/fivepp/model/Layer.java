package fivepp.model;

import java.util.List;

/**
 * A weight layer of the layer graph (paper.md B1): a convolution or a fully connected layer,
 * with the weightless operations its core's digital unit runs around the MVMs, in this order:
 *
 * <ol>
 *   <li>the input is the concatenation of {@link #inputs()} ({@link #input()} is its shape);
 *   <li>{@link #gate()}: a squeeze-and-excitation gate, the input multiplied channel by channel
 *       by another layer's 1x1xC output, null for most layers;
 *   <li>{@link #inputActivation()}: a pre-activation (batch-norm folded to a per-channel affine,
 *       then this activation; DenseNet's BN-ReLU-conv), {@code NONE} for most layers;
 *   <li>{@link #prePool()}: pooling of the input before the convolution (GoogLeNet's pool branch);
 *   <li>the convolution itself, batch-norm folded into weights and bias: one MVM per output pixel;
 *   <li>{@link #residual()} added;
 *   <li>{@link #activation()};
 *   <li>{@link #postPool()}: pooling of the output, which every consumer then receives.
 * </ol>
 *
 * A fully connected layer is a convolution whose kernel covers its whole (pooled) input, so its
 * output is 1x1; {@link Kind#FC} marks it. The crossbar matrix of a layer has
 * {@code kernelH*kernelW*inChannels/groups} rows and {@code outChannels} columns.
 */
public record Layer(
    String name,
    Kind kind,
    List<Input> inputs,
    Shape input,
    Activation inputActivation,
    Pool prePool,
    int outChannels,
    int kernelH,
    int kernelW,
    int strideH,
    int strideW,
    int padTop,
    int padLeft,
    int padBottom,
    int padRight,
    int dilationH,
    int dilationW,
    int groups,
    boolean bias,
    Residual residual,
    Activation activation,
    Pool postPool,
    Gate gate) {

  public enum Kind { CONV, FC }

  /** A layer without a squeeze-and-excitation gate. */
  public Layer(String name, Kind kind, List<Input> inputs, Shape input, Activation inputActivation,
      Pool prePool, int outChannels, int kernelH, int kernelW, int strideH, int strideW, int padTop,
      int padLeft, int padBottom, int padRight, int dilationH, int dilationW, int groups,
      boolean bias, Residual residual, Activation activation, Pool postPool) {
    this(name, kind, inputs, input, inputActivation, prePool, outChannels, kernelH, kernelW,
        strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups, bias,
        residual, activation, postPool, null);
  }

  public Layer {
    inputs = List.copyOf(inputs);
    if (outChannels <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0
        || dilationH <= 0 || dilationW <= 0 || groups <= 0) {
      throw new IllegalArgumentException(name + ": sizes, strides, dilations and groups must be positive");
    }
    if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
      throw new IllegalArgumentException(name + ": negative padding");
    }
    if (inputActivation.perChannel() && inputActivation.channels() != input.channels()) {
      throw new IllegalArgumentException(name + ": input activation " + inputActivation + " for "
          + input.channels() + " input channels");
    }
    if (activation.perChannel() && activation.channels() != outChannels) {
      throw new IllegalArgumentException(name + ": activation " + activation + " for "
          + outChannels + " output channels");
    }
    if (input.channels() % groups != 0 || outChannels % groups != 0) {
      throw new IllegalArgumentException(name + ": channels " + input.channels() + "->" + outChannels
          + " not divisible by groups " + groups);
    }
  }

  /** The shape the convolution sees: the input after the pre-pool. */
  public Shape convInput() {
    return prePool == null ? input : prePool.apply(input);
  }

  /** The convolution's output, before the post-pool: one MVM per pixel of it. */
  public Shape convOutput() {
    Shape in = convInput();
    int h = (in.height() + padTop + padBottom - dilationH * (kernelH - 1) - 1) / strideH + 1;
    int w = (in.width() + padLeft + padRight - dilationW * (kernelW - 1) - 1) / strideW + 1;
    if (in.height() + padTop + padBottom < dilationH * (kernelH - 1) + 1
        || in.width() + padLeft + padRight < dilationW * (kernelW - 1) + 1) {
      throw new IllegalArgumentException(name + ": kernel " + kernelH + "x" + kernelW
          + " larger than its padded input " + in);
    }
    return new Shape(outChannels, h, w);
  }

  /** What consumers receive: the output after the post-pool. */
  public Shape output() {
    Shape out = convOutput();
    return postPool == null ? out : postPool.apply(out);
  }

  /** Crossbar rows: kernelH * kernelW * inChannels / groups. */
  public int rows() {
    return kernelH * kernelW * (input.channels() / groups);
  }

  /** Crossbar columns: the output channels. */
  public int cols() {
    return outChannels;
  }

  /** Weights without biases: rows x cols. */
  public long weights() {
    return (long) rows() * cols();
  }

  /** MVMs per image: one per output pixel of the convolution. */
  public long mvmsPerImage() {
    return convOutput().pixels();
  }

  /** Multiply-accumulates per image. */
  public long macs() {
    return weights() * mvmsPerImage();
  }

  /**
   * Names of the layers whose output this layer consumes (inputs, then the residual source, then
   * the gate's source).
   */
  public List<String> producers() {
    java.util.ArrayList<String> p = new java.util.ArrayList<>();
    for (Input in : inputs) {
      if (!in.from().equals(Network.INPUT) && !p.contains(in.from())) {
        p.add(in.from());
      }
    }
    if (residual != null && !residual.from().equals(Network.INPUT) && !p.contains(residual.from())) {
      p.add(residual.from());
    }
    if (gate != null && !p.contains(gate.from())) {
      p.add(gate.from());
    }
    return p;
  }
}
