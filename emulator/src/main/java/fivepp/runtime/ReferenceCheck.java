package fivepp.runtime;

import fivepp.model.Weights;
import fivepp.model.Network;
import java.io.IOException;

/** Compares an emulator run's outputs with the reference inference on the same images. */
public final class ReferenceCheck {
  private ReferenceCheck() {}

  /**
   * Runs the reference on the first {@code n} images of {@code images} and returns
   * {@code report} with the largest absolute difference and the reference's logit range.
   */
  public static RunReport check(RunReport report, Network net, Weights w, Images.Source images, int n)
      throws IOException {
    double maxDiff = 0;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    int checked = Math.min(n, report.images());
    for (int i = 0; i < checked; i++) {
      float[] ref = Reference.logits(net, w, images.next());
      float[] got = report.logits()[i];
      for (int c = 0; c < ref.length; c++) {
        maxDiff = Math.max(maxDiff, Math.abs(ref[c] - got[c]));
        lo = Math.min(lo, ref[c]);
        hi = Math.max(hi, ref[c]);
      }
    }
    return checked == 0 ? report : report.withDiff(maxDiff, hi - lo);
  }
}
