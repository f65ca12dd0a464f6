package fivepp.model;

/**
 * A residual (shortcut) added to a layer's output before its activation, in the digital unit of
 * that layer's core. The source is another layer's output, subsampled by {@code stride} (ResNet's
 * parameter-free "option A" shortcut uses 2) and zero-padded in channels when the source has
 * fewer channels than the layer (option A again): its channel {@code c} is added to the layer's
 * output channel {@code firstChannel + c}, so the zeros are appended ({@code firstChannel} 0) or,
 * as PyTorch's CIFAR ResNets pad (planes / 4 on each side), on both sides. Only the source's
 * channels are transferred.
 */
public record Residual(String from, int stride, int firstChannel) {
  public Residual {
    if (stride <= 0 || firstChannel < 0) {
      throw new IllegalArgumentException("residual from " + from + ": stride " + stride
          + " and first channel " + firstChannel + " must be positive and non-negative");
    }
  }

  /** A residual whose zeros, if any, are appended after the source's channels. */
  public Residual(String from, int stride) {
    this(from, stride, 0);
  }
}
