package fivepp.runtime;

/**
 * How a run is driven and modelled.
 *
 * @param tMvmSeconds time of one MVM in virtual time
 * @param linkBitsPerSecond link bandwidth, 0 for unlimited
 * @param linkLatencySeconds link latency
 * @param pixels true: one message per output pixel; false: one per output row
 * @param window images in flight at most
 * @param analog the MVMs' analog non-idealities, {@link AnalogSettings#EXACT} for float32
 */
public record RunOptions(double tMvmSeconds, double linkBitsPerSecond, double linkLatencySeconds,
    boolean pixels, int window, AnalogSettings analog) {
  public static final RunOptions DEFAULT = new RunOptions(100e-9, 0, 0, false, 16);

  public RunOptions {
    if (!(tMvmSeconds > 0) || linkBitsPerSecond < 0 || linkLatencySeconds < 0 || window < 1 || analog == null) {
      throw new IllegalArgumentException("t_mvm must be > 0, link bandwidth and latency >= 0, window >= 1, analog settings given");
    }
  }

  /** Exact float32 MVMs. */
  public RunOptions(double tMvmSeconds, double linkBitsPerSecond, double linkLatencySeconds, boolean pixels, int window) {
    this(tMvmSeconds, linkBitsPerSecond, linkLatencySeconds, pixels, window, AnalogSettings.EXACT);
  }

  public RunOptions withPixels(boolean p) {
    return new RunOptions(tMvmSeconds, linkBitsPerSecond, linkLatencySeconds, p, window, analog);
  }

  public RunOptions withLink(double bitsPerSecond, double latencySeconds) {
    return new RunOptions(tMvmSeconds, bitsPerSecond, latencySeconds, pixels, window, analog);
  }

  public RunOptions withWindow(int w) {
    return new RunOptions(tMvmSeconds, linkBitsPerSecond, linkLatencySeconds, pixels, w, analog);
  }

  public RunOptions withAnalog(AnalogSettings a) {
    return new RunOptions(tMvmSeconds, linkBitsPerSecond, linkLatencySeconds, pixels, window, a);
  }
}
