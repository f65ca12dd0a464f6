package fivepp.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The busy time of every core, measured in an earlier run of the same array (its report's
 * {@code cores}), to place cores on members by what they cost rather than by
 * {@link VertexCosts}' model. How rows batch at a core depends on the run, so no static price
 * fits every network: a profile of the run itself does (see {@code docs/large-arrays.md}).
 *
 * @param busyNanosPerImage wall-clock busy time per image, in nanoseconds, by fabric vertex
 */
public record WorkProfile(Map<Integer, Double> busyNanosPerImage) {

  public WorkProfile {
    busyNanosPerImage = Map.copyOf(busyNanosPerImage);
  }

  /** From a run's cores: their wall busy fractions over {@code wallSeconds} for {@code images}. */
  public static WorkProfile of(List<fivepp.runtime.RunReport.CoreReport> cores, double wallSeconds, int images) {
    if (!(wallSeconds > 0) || images < 1) {
      throw new IllegalArgumentException("the profile's run took no time or no images");
    }
    Map<Integer, Double> busy = new TreeMap<>();
    for (fivepp.runtime.RunReport.CoreReport c : cores) {
      if (!(c.wallBusyFraction() >= 0) || Double.isInfinite(c.wallBusyFraction())) {
        throw new IllegalArgumentException("the profile's core " + c.id() + " has no busy fraction");
      }
      busy.merge(c.vertex(), c.wallBusyFraction() * wallSeconds / images * 1e9, Double::sum);
    }
    return new WorkProfile(busy);
  }

  /**
   * {@code costs} with each core's work replaced by its measured busy time, in the same units: the
   * measured times are scaled so that the cores' total work is the model's. Routers keep the
   * model's forwarding work. The profile must be of this array: the same vertices hold cores.
   */
  public VertexCosts apply(VertexCosts costs) {
    Set<Integer> cores = new TreeSet<>();
    for (int v : costs.vertices()) {
      if (costs.vertex(v).core() >= 0) {
        cores.add(v);
      }
    }
    if (!cores.equals(new TreeSet<>(busyNanosPerImage.keySet()))) {
      throw new IllegalArgumentException("the work profile is of another array: it has cores on "
          + busyNanosPerImage.size() + " vertices, this array on " + cores.size()
          + " (profile a run of the same model, input, crossbar and fabric)");
    }
    double model = cores.stream().mapToDouble(v -> costs.vertex(v).work()).sum();
    double measured = busyNanosPerImage.values().stream().mapToDouble(Double::doubleValue).sum();
    if (!(measured > 0)) {
      throw new IllegalArgumentException("the work profile's cores were never busy");
    }
    List<VertexCosts.Vertex> out = new ArrayList<>();
    for (int v : costs.vertices()) {
      VertexCosts.Vertex x = costs.vertex(v);
      if (x.core() < 0) {
        out.add(x);
        continue;
      }
      long work = Math.max(1, Math.round(busyNanosPerImage.get(v) / measured * model));
      out.add(new VertexCosts.Vertex(v, x.core(), x.macs(), work, x.weightBytes(), x.memoryBytes()));
    }
    return VertexCosts.of(out, costs.channels(), costs.sharedBytes());
  }
}
