package fivepp.runtime;

/**
 * How a run is driven and modelled.
 *
 * @param tMvmSeconds time of one MVM in virtual time
 * @param linkBitsPerSecond link bandwidth, 0 for unlimited
 * @param linkLatencySeconds link latency
 * @param pixels true: one message per output pixel; false: one per output row
 * @param window images in flight at most
 */
public record RunOptions(double tMvmSeconds, double linkBitsPerSecond, double linkLatencySeconds,
    boolean pixels, int window) {
  public static final RunOptions DEFAULT = new RunOptions(100e-9, 0, 0, false, 16);

  public RunOptions {
    if (!(tMvmSeconds > 0) || linkBitsPerSecond < 0 || linkLatencySeconds < 0 || window < 1) {
      throw new IllegalArgumentException("t_mvm must be > 0, link bandwidth and latency >= 0, window >= 1");
    }
  }

  public RunOptions withPixels(boolean p) {
    return new RunOptions(tMvmSeconds, linkBitsPerSecond, linkLatencySeconds, p, window);
  }

  public RunOptions withLink(double bitsPerSecond, double latencySeconds) {
    return new RunOptions(tMvmSeconds, bitsPerSecond, latencySeconds, pixels, window);
  }

  public RunOptions withWindow(int w) {
    return new RunOptions(tMvmSeconds, linkBitsPerSecond, linkLatencySeconds, pixels, w);
  }
}
