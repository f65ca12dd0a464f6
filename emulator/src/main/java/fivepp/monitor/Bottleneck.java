package fivepp.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What bounds the pipeline at one moment, named: the cores (and their layers) with the highest
 * virtual busy bound the modelled hardware's throughput; those with the highest wall busy, and
 * the longest queue, bound the emulator's own. Cores within {@value #TIE} (relative) of the
 * highest are named together: in ResNet-32 every first-stage core does the same MVMs per image,
 * so they all bound it, and naming one would be arbitrary.
 *
 * @param virtual the cores of the highest virtual busy
 * @param wall the cores of the highest wall busy over the last interval
 * @param queue the cores with the most messages waiting; null while no message waits
 * @param boundImagesPerSecond the analytic bound of the pipeline (its slowest core or link)
 * @param virtualImagesPerSecond the modelled hardware's measured rate: images completed over the
 *     virtual time they took
 */
public record Bottleneck(Limit virtual, Limit wall, Limit queue, double boundImagesPerSecond,
    double virtualImagesPerSecond) {

  /** Relative distance from the highest value within which cores tie. */
  public static final double TIE = 0.01;

  /**
   * The cores that share the highest value of one measure.
   *
   * @param measure {@code virtual busy}, {@code wall busy} or {@code queue}
   * @param value the highest value
   * @param layers the layers of those cores, in core order
   * @param cores those cores
   * @param says the same in a sentence, for the page
   */
  public record Limit(String measure, double value, List<String> layers, List<Integer> cores, String says) {}

  /** One layer at this moment: its cores together. */
  public record Layer(String layer, int cores, double mvmsPerSecond, double busy, double virtualBusy,
      long queueDepth, double bytesInPerSecond, double bytesOutPerSecond) {}

  /**
   * Every layer, in the order its first core appears: MVMs/s, queue and bytes/s summed over its
   * cores, wall and virtual busy of its busiest core (the one that holds the layer back). A
   * channel's bytes count out of its sender's layer and into its receiver's; a router's count in
   * no layer.
   */
  public static List<Layer> layers(List<Snapshot.CoreSample> cores, List<Snapshot.ChannelSample> channels) {
    Map<Integer, String> layerAt = new java.util.HashMap<>();
    Map<String, double[]> acc = new LinkedHashMap<>();
    for (Snapshot.CoreSample c : cores) {
      layerAt.put(c.vertex(), c.layer());
      double[] a = acc.computeIfAbsent(c.layer(), k -> new double[7]);
      a[0]++;
      a[1] += c.mvmsPerSecond();
      a[2] = Math.max(a[2], c.busy());
      a[3] = Math.max(a[3], c.virtualBusy());
      a[4] += c.queueDepth();
    }
    for (Snapshot.ChannelSample ch : channels) {
      String from = layerAt.get(ch.from());
      String to = layerAt.get(ch.to());
      if (from != null) {
        acc.get(from)[6] += ch.bytesPerSecond();
      }
      if (to != null) {
        acc.get(to)[5] += ch.bytesPerSecond();
      }
    }
    List<Layer> out = new ArrayList<>();
    acc.forEach((name, a) -> out.add(new Layer(name, (int) a[0], a[1], a[2], a[3], (long) a[4], a[5], a[6])));
    return List.copyOf(out);
  }

  /** The bottleneck of an inference run's cores; null when there are none. */
  public static Bottleneck of(List<Snapshot.CoreSample> cores, double boundImagesPerSecond,
      double virtualImagesPerSecond) {
    if (cores.isEmpty()) {
      return null;
    }
    Limit queue = limit(cores, "queue", c -> c.queueDepth());
    return new Bottleneck(limit(cores, "virtual busy", Snapshot.CoreSample::virtualBusy),
        limit(cores, "wall busy", Snapshot.CoreSample::busy), queue.value() > 0 ? queue : null,
        boundImagesPerSecond, virtualImagesPerSecond);
  }

  private static Limit limit(List<Snapshot.CoreSample> cores, String measure,
      ToDoubleFunction<Snapshot.CoreSample> f) {
    double top = cores.stream().mapToDouble(f).max().orElse(0);
    List<Integer> ids = new ArrayList<>();
    LinkedHashSet<String> layers = new LinkedHashSet<>();
    for (Snapshot.CoreSample c : cores) {
      if (f.applyAsDouble(c) >= top * (1 - TIE)) {
        ids.add(c.core());
        layers.add(c.layer());
      }
    }
    String value = measure.equals("queue") ? String.format("%,d messages waiting", (long) top)
        : String.format("%.1f%% %s", 100 * top, measure);
    String says = ids.size() == 1
        ? String.format("%s (core %d): %s", layers.iterator().next(), ids.get(0), value)
        : String.format("%d cores of %s tie at %s", ids.size(), names(layers), value);
    return new Limit(measure, top, List.copyOf(layers), List.copyOf(ids), says);
  }

  /** Layer names for a sentence: all of up to 6, else the first 5 and how many more. */
  private static String names(LinkedHashSet<String> layers) {
    List<String> l = new ArrayList<>(layers);
    String head = String.join(", ", l.subList(0, Math.min(l.size(), l.size() > 6 ? 5 : 6)));
    String layerWord = l.size() == 1 ? "layer " : "layers ";
    return layerWord + head + (l.size() > 6 ? " and " + (l.size() - 5) + " more" : "");
  }
}
