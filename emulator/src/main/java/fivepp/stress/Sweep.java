package fivepp.stress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * A load sweep: one run per offered rate, and the saturation throughput that comes out.
 *
 * <p><b>Saturation throughput</b> is the largest accepted throughput (flits per sending node per
 * cycle) of any point of the sweep: below saturation accepted follows offered, above it accepted
 * stays at (or falls from) what the network can carry. It is only meaningful when the sweep reaches
 * past saturation; {@link Saturation#reached()} says whether it did (some point did not keep up:
 * accepted and dropped came to less than 98% of what it offered). Beside it, the <b>knee</b> is the highest offered rate the network still
 * accepted in full (it kept up, and every measured packet was done): above saturation, unfair arbitration
 * can let accepted throughput creep up while some nodes starve, and the knee does not move with it.
 *
 * @param label what was swept, e.g. the fabric
 * @param points the runs, by rising rate
 */
public record Sweep(String label, List<Point> points) {

  /** One rate of the sweep and its run. */
  public record Point(double rate, StressResult result) {}

  /** The saturation throughput, the rate whose run reached it, and the knee (NaN when no rate was accepted in full). */
  public record Saturation(double throughput, double atRate, boolean reached, double knee) {}

  public Sweep {
    points = List.copyOf(points);
  }

  /** Runs {@code run} at every rate. */
  public static Sweep run(String label, double[] rates, DoubleFunction<StressResult> run) {
    List<Point> points = new ArrayList<>();
    for (double r : rates) {
      points.add(new Point(r, run.apply(r)));
    }
    return new Sweep(label, points);
  }

  public Saturation saturation() {
    double best = -1;
    double at = Double.NaN;
    boolean reached = false;
    double knee = Double.NaN;
    for (Point p : points) {
      if (p.result().drained() && p.result().keptUp()) {
        knee = Double.isNaN(knee) ? p.rate() : Math.max(knee, p.rate());
      }
      if (p.result().accepted() > best) {
        best = p.result().accepted();
        at = p.rate();
      }
      reached |= !p.result().keptUp();
    }
    return new Saturation(Math.max(best, 0), at, reached, knee);
  }

  /**
   * The rates {@code FROM:TO:STEP} names, FROM and TO included (within a millionth of a step), each
   * in [0, 1].
   *
   * @throws IllegalArgumentException with one line when the form or a value is wrong
   */
  public static double[] rates(String spec) {
    String[] parts = spec.strip().split(":", -1);
    String problem = "--sweep '" + spec + "': give FROM:TO:STEP with 0 <= FROM <= TO <= 1 and STEP > 0,"
        + " e.g. 0.05:0.6:0.05";
    if (parts.length != 3) {
      throw new IllegalArgumentException(problem);
    }
    double from, to, step;
    try {
      from = Double.parseDouble(parts[0].strip());
      to = Double.parseDouble(parts[1].strip());
      step = Double.parseDouble(parts[2].strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(problem);
    }
    if (!(from >= 0 && to <= 1 && from <= to && step > 0)) {
      throw new IllegalArgumentException(problem);
    }
    int n = (int) Math.floor((to - from) / step + 1e-6) + 1;
    if (n > 200) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "--sweep '%s' has %d points; give at most 200", spec, n));
    }
    double[] rates = new double[n];
    for (int i = 0; i < n; i++) {
      rates[i] = Math.round((from + i * step) * 1e9) / 1e9;
    }
    return rates;
  }
}
