package fivepp.model;

/** A feature map: channels x height x width. */
public record Shape(int channels, int height, int width) {
  public Shape {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException("shape must be positive: " + channels + "x" + height + "x" + width);
    }
  }

  public long pixels() {
    return (long) height * width;
  }

  public long elements() {
    return channels * pixels();
  }

  public Shape withChannels(int c) {
    return new Shape(c, height, width);
  }

  @Override
  public String toString() {
    return channels + "x" + height + "x" + width;
  }
}
