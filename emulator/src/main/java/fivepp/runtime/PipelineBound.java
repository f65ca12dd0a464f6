package fivepp.runtime;

import java.util.List;
import java.util.Map;

/**
 * The pipeline's analytic bound (paper.md B8): an image per {@code period} seconds, set by the
 * core that does the most MVMs per image or, with links of finite bandwidth, by the channel that
 * carries the most bits per image, whichever is slower.
 *
 * @param period seconds per image at the bound
 * @param by what sets it, in words
 */
public record PipelineBound(double period, String by) {

  public double imagesPerSecond() {
    return 1 / period;
  }

  public static PipelineBound of(List<CorePlan> plans, RunOptions o) {
    double period = 0;
    String by = "nothing";
    for (CorePlan p : plans) {
      double t = p.core.mvmsPerImage() * o.tMvmSeconds();
      if (t > period) {
        period = t;
        by = "core " + p.core.id() + " (" + p.core.layer() + "): " + p.core.mvmsPerImage() + " MVMs per image";
      }
    }
    if (o.linkBitsPerSecond() > 0) {
      Map<Long, Long> load = CorePlan.channelLoads(plans.stream().flatMap(p -> p.sends.stream()).toList());
      for (Map.Entry<Long, Long> e : new java.util.TreeMap<>(load).entrySet()) {
        double t = e.getValue() / o.linkBitsPerSecond();
        if (t > period) {
          period = t;
          by = "channel " + (e.getKey() >>> 32) + "->" + e.getKey().intValue() + ": "
              + e.getValue() / 8 + " bytes per image";
        }
      }
    }
    return new PipelineBound(period, by);
  }
}
