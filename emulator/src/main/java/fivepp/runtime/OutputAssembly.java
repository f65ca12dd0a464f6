package fivepp.runtime;

import fivepp.model.Shape;
import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * Puts each image's output back together from the classifier cores' rows, and keeps its times:
 * when it went in and came out, in virtual time and on the wall clock.
 */
public final class OutputAssembly {
  private final Shape out;
  private final int values;
  private final float[][] logits;
  private final int[] received;
  private final double[] virtualStart;
  private final double[] virtualDone;
  private final long[] wallStart;
  private final Histogram latency = new Histogram(3);

  public OutputAssembly(Shape out, int images) {
    this.out = out;
    this.values = (int) out.elements();
    this.logits = new float[images][];
    this.received = new int[images];
    this.virtualStart = new double[images];
    this.virtualDone = new double[images];
    this.wallStart = new long[images];
  }

  /** Image {@code i} went in at virtual time {@code virtual} and wall-clock nanos {@code wall}. */
  public void started(int i, double virtual, long wall) {
    virtualStart[i] = virtual;
    wallStart[i] = wall;
  }

  /** Forgets what arrived of image {@code i}: it will be computed again. */
  public void forget(int i) {
    logits[i] = null;
    received[i] = 0;
    virtualDone[i] = 0;
  }

  /**
   * Adds one row of output; returns the image's wall-clock latency in nanoseconds once it is
   * complete, or -1 while it is not.
   *
   * @throws IllegalStateException when more values arrive than the output has
   */
  public long add(Coordinator.Output o, long wallNow) {
    int i = o.image();
    if (logits[i] == null) {
      logits[i] = new float[values];
    }
    int hw = out.height() * out.width();
    int channels = o.values().length / o.count();
    for (int c = 0; c < channels; c++) {
      for (int x = 0; x < o.count(); x++) {
        logits[i][(o.channel0() + c) * hw + o.row() * out.width() + x] = o.values()[c * o.count() + x];
      }
    }
    received[i] += o.values().length;
    virtualDone[i] = Math.max(virtualDone[i], o.ready());
    if (received[i] > values) {
      throw new IllegalStateException("image " + i + " received " + received[i] + " output values, expected " + values);
    }
    if (received[i] < values) {
      return -1;
    }
    long took = Math.max(1, wallNow - wallStart[i]);
    latency.recordValue(took);
    return took;
  }

  public double virtualDone(int i) {
    return virtualDone[i];
  }

  /** Per image, when its last output was ready, in virtual seconds. */
  public double[] virtualDone() {
    return virtualDone.clone();
  }

  /** Images per virtual second between the first and the last image out. */
  public double virtualImagesPerSecond() {
    double[] done = virtualDone.clone();
    Arrays.sort(done);
    int n = done.length;
    double span = done[n - 1] - done[0];
    return n > 1 && span > 0 ? (n - 1) / span : 1 / done[0];
  }

  /** The median time from going in to coming out, in virtual seconds. */
  public double virtualLatencyP50() {
    double[] lat = new double[virtualDone.length];
    for (int i = 0; i < lat.length; i++) {
      lat[i] = virtualDone[i] - virtualStart[i];
    }
    Arrays.sort(lat);
    return lat[lat.length / 2];
  }

  /** The end of the run in virtual time: when the last image came out. */
  public double makespan() {
    return Arrays.stream(virtualDone).max().orElse(0);
  }

  public double wallLatencyMs(double percentile) {
    return latency.getValueAtPercentile(percentile) / 1e6;
  }

  public float[][] logits() {
    return logits;
  }

  /** The top-1 class of every image. */
  public int[] top1() {
    int[] top = new int[logits.length];
    for (int i = 0; i < logits.length; i++) {
      top[i] = argmax(logits[i]);
    }
    return top;
  }

  /** The first index of the largest value. */
  static int argmax(float[] v) {
    int best = 0;
    for (int c = 1; c < v.length; c++) {
      if (v[c] > v[best]) {
        best = c;
      }
    }
    return best;
  }
}
