package fivepp.runtime;

import fivepp.model.Shape;

/** A feature map in channel-major (CHW) order: {@code data[(c * height + y) * width + x]}. */
public record Tensor(int channels, int height, int width, float[] data) {
  public Tensor {
    if ((long) channels * height * width != data.length) {
      throw new IllegalArgumentException("tensor " + channels + "x" + height + "x" + width
          + " needs " + (long) channels * height * width + " values, got " + data.length);
    }
  }

  public static Tensor zeros(Shape s) {
    return new Tensor(s.channels(), s.height(), s.width(), new float[(int) s.elements()]);
  }

  public Shape shape() {
    return new Shape(channels, height, width);
  }

  public float get(int c, int y, int x) {
    return data[(c * height + y) * width + x];
  }

  public void set(int c, int y, int x, float v) {
    data[(c * height + y) * width + x] = v;
  }
}
