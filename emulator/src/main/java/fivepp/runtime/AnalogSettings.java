package fivepp.runtime;

import java.util.Locale;

/**
 * The analog non-idealities of a run's MVMs (see docs/analog.md). {@link #EXACT} is float32, and
 * a run with it takes exactly the exact code path. When {@code on}, every core runs its MVMs
 * through {@link Analog}, even with every option at its ideal value (which then gives the exact
 * run's logits, bit for bit), and the report compares the run with the exact inference.
 *
 * @param on true when any analog option was given
 * @param seed seed of every noise draw; a draw depends only on the seed, the core, the image and
 *     its position, never on scheduling or placement
 * @param dacBits input bits per MVM (symmetric, range max |x| of that MVM's input vector); 32: none
 * @param adcBits output bits per column (symmetric, range the core's max |y| over the calibration
 *     images); 32: none
 * @param calibrate the first images, run exact, over which each core records its output range
 * @param weightNoise programming noise: Gaussian std per device, relative to the tile's max |w|
 * @param readNoise Gaussian std per MVM output, relative to max |x| of the MVM's input times the
 *     tile's max |w| (the crossbar's full-scale unit)
 * @param driftTime seconds since programming; conductances drift by ((t + t0) / t0)^-nu, t0 = 20 s
 * @param driftNu mean of the drift exponent nu, drawn per device
 * @param driftNuStd standard deviation of nu
 */
public record AnalogSettings(boolean on, long seed, int dacBits, int adcBits, int calibrate, double weightNoise,
    double readNoise, double driftTime, double driftNu, double driftNuStd) {

  /** Float32 MVMs: no analog model. */
  public static final AnalogSettings EXACT = new AnalogSettings(false, 0, 32, 32, 0, 0, 0, 0, 0.05, 0.02);

  /** Bits that mean "no quantiser": float32 values pass as they are. */
  public static final int NO_QUANTISER = 32;

  /** The first read of a drift measurement, seconds after programming (aihwkit's t0). */
  public static final double T0 = 20.0;

  public AnalogSettings {
    String bad = problem(dacBits, adcBits, calibrate, weightNoise, readNoise, driftTime, driftNu, driftNuStd);
    if (bad != null) {
      throw new IllegalArgumentException(bad);
    }
  }

  /**
   * What is wrong with these values, in one line naming the option, or null if nothing: bits in
   * 2..32, the rest at least 0 and finite, and an ADC that has images to calibrate on.
   */
  public static String problem(int dacBits, int adcBits, int calibrate, double weightNoise, double readNoise,
      double driftTime, double driftNu, double driftNuStd) {
    if (dacBits < 2 || dacBits > NO_QUANTISER) {
      return "--dac-bits " + dacBits + ": use 2 to 32 bits (32: no input quantisation)";
    }
    if (adcBits < 2 || adcBits > NO_QUANTISER) {
      return "--adc-bits " + adcBits + ": use 2 to 32 bits (32: no output quantisation)";
    }
    if (calibrate < 0) {
      return "--calibrate " + calibrate + ": use 0 or more images";
    }
    if (adcBits < NO_QUANTISER && calibrate == 0) {
      return "--adc-bits " + adcBits + " sets each core's output range from calibration images: give --calibrate N >= 1";
    }
    String[] names = {"--weight-noise", "--read-noise", "--drift-time", "--drift-nu", "--drift-nu-std"};
    double[] values = {weightNoise, readNoise, driftTime, driftNu, driftNuStd};
    for (int i = 0; i < names.length; i++) {
      if (!(values[i] >= 0) || Double.isInfinite(values[i])) {
        return names[i] + " " + fmt(values[i]) + ": use a finite value >= 0";
      }
    }
    return null;
  }

  /** True when the weights differ from the exact ones: programming noise or drift. */
  public boolean programmed() {
    return weightNoise > 0 || driftTime > 0;
  }

  /** The images each core computes exactly before its analog MVMs begin: 0 when not on. */
  public int exactImages() {
    return on ? calibrate : 0;
  }

  /** One line for reports, e.g. {@code dac 8 bits, adc 8 bits (calibrated on 10 images), weight noise 0.02}. */
  public String describe() {
    if (!on) {
      return "exact float32";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("dac ").append(dacBits == NO_QUANTISER ? "float32" : dacBits + " bits");
    sb.append(", adc ").append(adcBits == NO_QUANTISER ? "float32" : adcBits + " bits");
    if (calibrate > 0) {
      sb.append(" (calibrated on ").append(calibrate).append(calibrate == 1 ? " image)" : " images)");
    }
    sb.append(", weight noise ").append(fmt(weightNoise)).append(", read noise ").append(fmt(readNoise));
    sb.append(", drift ").append(fmt(driftTime)).append(" s");
    if (driftTime > 0) {
      sb.append(" (nu ").append(fmt(driftNu)).append(" +- ").append(fmt(driftNuStd)).append(')');
    }
    return sb.append(", seed ").append(seed).toString();
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%s", v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v));
  }
}
