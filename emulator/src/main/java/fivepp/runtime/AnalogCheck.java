package fivepp.runtime;

import java.io.IOException;

/**
 * Compares a run with analog MVMs with the exact run of the same network, weights and images:
 * top-1 agreement, the logits' signal-to-noise ratio and, when the images have labels, accuracy
 * against them, analog and exact. The exact logits come from the emulator with exact MVMs, whose
 * outputs {@link ReferenceCheck} holds to the plain {@link Reference} inference (and which is some
 * hundred times faster than it). The calibration images, which ran exact, are left out.
 */
public final class AnalogCheck {
  private AnalogCheck() {}

  /**
   * {@code report} with the comparison against {@code exact}, the logits of the same images with
   * exact MVMs, over the images after the first {@code analog.calibrate()}; {@code labels} per
   * image, -1 where unknown. Unchanged when the run's MVMs were exact.
   */
  public static RunReport check(RunReport report, float[][] exact, int[] labels, AnalogSettings analog) {
    if (!analog.on() || report.analog() == null) {
      return report;
    }
    float[][] logits = report.logits();
    int agree = 0;
    int compared = 0;
    int labelled = 0;
    int right = 0;
    int exactRight = 0;
    double signal = 0;
    double error = 0;
    for (int i = analog.calibrate(); i < logits.length; i++) {
      int top = OutputAssembly.argmax(logits[i]);
      int exactTop = OutputAssembly.argmax(exact[i]);
      compared++;
      agree += top == exactTop ? 1 : 0;
      for (int c = 0; c < exact[i].length; c++) {
        double d = (double) logits[i][c] - exact[i][c];
        signal += (double) exact[i][c] * exact[i][c];
        error += d * d;
      }
      if (labels[i] >= 0) {
        labelled++;
        right += top == labels[i] ? 1 : 0;
        exactRight += exactTop == labels[i] ? 1 : 0;
      }
    }
    double agreement = compared == 0 ? Double.NaN : (double) agree / compared;
    return report.withAnalogAccuracy(agreement, compared == 0 ? Double.NaN : snrDb(signal, error),
        report.analog().withAccuracy(compared, labelled, labelled == 0 ? Double.NaN : (double) right / labelled,
            labelled == 0 ? Double.NaN : (double) exactRight / labelled));
  }

  /** The label of every image of {@code images} (-1 where it has none), reading them all. */
  public static int[] labels(Images.Source images) throws IOException {
    int[] labels = new int[images.count()];
    for (int i = 0; i < labels.length; i++) {
      images.next();
      labels[i] = images.lastLabel();
    }
    return labels;
  }

  /** 10 log10(signal / error) in dB: infinite when there is no error, NaN when neither. */
  public static double snrDb(double signal, double error) {
    if (error == 0) {
      return signal == 0 ? Double.NaN : Double.POSITIVE_INFINITY;
    }
    return 10 * Math.log10(signal / error);
  }
}
