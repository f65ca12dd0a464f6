package fivepp.cli;

import fivepp.runtime.AnalogSettings;
import picocli.CommandLine.Option;

/**
 * The options of analog MVMs (docs/analog.md). Giving any of them turns the analog model on and
 * the comparison with the exact run with it; giving none leaves the MVMs exact float32.
 */
final class AnalogOptions {
  /** Calibration images when --adc-bits is given without --calibrate. */
  static final int DEFAULT_CALIBRATION = 10;

  @Option(names = "--dac-bits", paramLabel = "B",
      description = "Analog MVMs: quantise each MVM's inputs to B bits, symmetric in the range of its largest |x| (32: none).")
  Integer dacBits;

  @Option(names = "--adc-bits", paramLabel = "B",
      description = "Analog MVMs: quantise each column's output to B bits, symmetric in the core's range from --calibrate (32: none).")
  Integer adcBits;

  @Option(names = "--calibrate", paramLabel = "N",
      description = "Analog MVMs: the first N images run exact and set each core's output range, its largest |y|"
          + " (default: " + DEFAULT_CALIBRATION + " with --adc-bits, else 0).")
  Integer calibrate;

  @Option(names = "--weight-noise", paramLabel = "S",
      description = "Analog MVMs: programming noise per device, Gaussian, std S times the tile's largest |w|.")
  Double weightNoise;

  @Option(names = "--read-noise", paramLabel = "S",
      description = "Analog MVMs: noise per MVM output, Gaussian, std S times the MVM's largest |x| times the tile's largest |w|.")
  Double readNoise;

  @Option(names = "--drift-time", paramLabel = "T",
      description = "Analog MVMs: seconds since programming; conductances drift by ((T + 20 s) / 20 s)^-nu, compensated globally.")
  Double driftTime;

  @Option(names = "--drift-nu", paramLabel = "NU", description = "Analog MVMs: mean drift exponent per device (default: 0.05).")
  Double driftNu;

  @Option(names = "--drift-nu-std", paramLabel = "S", description = "Analog MVMs: std of the drift exponent (default: 0.02).")
  Double driftNuStd;

  @Option(names = "--analog-seed", paramLabel = "S", description = "Analog MVMs: seed of the noise (default: --seed).")
  Long seed;

  /** True when any analog option was given. */
  boolean on() {
    return dacBits != null || adcBits != null || calibrate != null || weightNoise != null || readNoise != null
        || driftTime != null || driftNu != null || driftNuStd != null || seed != null;
  }

  /**
   * The settings for a run of {@code images} images, with {@code runSeed} as the noise's seed
   * unless --analog-seed is given; a bad value is a {@link UserError} of one line.
   */
  AnalogSettings settings(long runSeed, int images) {
    if (!on()) {
      return AnalogSettings.EXACT;
    }
    AnalogSettings d = AnalogSettings.EXACT;
    int dac = or(dacBits, d.dacBits());
    int adc = or(adcBits, d.adcBits());
    int cal = calibrate != null ? calibrate : adc < AnalogSettings.NO_QUANTISER ? Math.min(DEFAULT_CALIBRATION, images - 1) : 0;
    double wn = or(weightNoise, 0.0);
    double rn = or(readNoise, 0.0);
    double dt = or(driftTime, 0.0);
    double nu = or(driftNu, d.driftNu());
    double nuStd = or(driftNuStd, d.driftNuStd());
    String bad = AnalogSettings.problem(dac, adc, cal, wn, rn, dt, nu, nuStd);
    if (bad != null) {
      throw new UserError(bad);
    }
    if (cal >= images) {
      throw new UserError("--calibrate " + cal + ": calibrate on fewer images than the run's " + images
          + ", so that some run analog");
    }
    return new AnalogSettings(true, seed == null ? runSeed : seed, dac, adc, cal, wn, rn, dt, nu, nuStd);
  }

  private static <T> T or(T v, T otherwise) {
    return v == null ? otherwise : v;
  }
}
