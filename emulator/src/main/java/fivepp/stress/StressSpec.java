package fivepp.stress;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Crossbar;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Replication;
import fivepp.mapping.Mapping;
import fivepp.mapping.Tiling;
import fivepp.model.Zoo;
import java.util.List;
import java.util.Locale;

/**
 * One stress run as text and numbers, from which anyone (the command, or every cluster member
 * simulating a region) rebuilds the same network and traffic: nothing but this travels.
 *
 * @param fabric the fabric's spec, as for {@code map}
 * @param nodes the size a fabric without its own size is built to (synthetic patterns)
 * @param pattern a synthetic pattern or {@code cnn:MODEL} (a zoo network)
 * @param hotspot {@code NODES:FRACTION} for the hotspot pattern, or null
 * @param rate flits per node per cycle, or for cnn patterns the fraction of the pipeline bound
 * @param linkGbps cnn patterns: the bandwidth of a channel
 * @param crossbar cnn patterns: the crossbar of a core
 * @param coreBudget cnn patterns: with N > 0, the layers that bound the pipeline are copied within
 *     N cores ({@code --replicate auto --core-budget N}); 0 for no copies
 */
public record StressSpec(String fabric, int nodes, String pattern, String hotspot, double rate,
    Traffic.Injection injection, double linkGbps, String crossbar, List<String> failLinks, List<String> failNodes,
    double dropRate, List<String> linkDelays, SimulatorSettings config, int coreBudget) {

  /** The MVM time of a cnn pattern's mapping: the unit of its pipeline bound. */
  public static final double T_MVM_SECONDS = 100e-9;

  /** A run without weight replication. */
  public StressSpec(String fabric, int nodes, String pattern, String hotspot, double rate,
      Traffic.Injection injection, double linkGbps, String crossbar, List<String> failLinks, List<String> failNodes,
      double dropRate, List<String> linkDelays, SimulatorSettings config) {
    this(fabric, nodes, pattern, hotspot, rate, injection, linkGbps, crossbar, failLinks, failNodes, dropRate,
        linkDelays, config, 0);
  }

  public StressSpec {
    pattern = pattern.strip().toLowerCase(Locale.ROOT);
    failLinks = List.copyOf(failLinks);
    failNodes = List.copyOf(failNodes);
    linkDelays = List.copyOf(linkDelays);
  }

  /** The network as built: fabric, faults, routes, and the mapping of a cnn pattern (else null). */
  public record Built(Fabric fabric, Faults faults, RouteTable routes, Mapping mapping) {}

  /** True for a {@code cnn:MODEL} pattern. */
  public boolean cnn() {
    return pattern.startsWith("cnn:");
  }

  /** The same run at another rate. */
  public StressSpec withRate(double r) {
    return new StressSpec(fabric, nodes, pattern, hotspot, r, injection, linkGbps, crossbar, failLinks, failNodes,
        dropRate, linkDelays, config, coreBudget);
  }

  /** The same run with links of another bandwidth (cnn patterns). */
  public StressSpec withLinkGbps(double g) {
    return new StressSpec(fabric, nodes, pattern, hotspot, rate, injection, g, crossbar, failLinks, failNodes,
        dropRate, linkDelays, config, coreBudget);
  }

  /**
   * Builds the network: a fabric spec with its own size (mesh:RxC, torus:RxC, file:) is taken as
   * it is, others are sized to {@link #nodes}; a cnn pattern maps its network onto the fabric.
   *
   * @throws IllegalArgumentException with one line for the user when something does not exist or fit
   */
  public Built build() {
    Fabric f;
    Mapping mapping = null;
    if (cnn()) {
      Tiling tiling = Tiling.DEFAULT.withCrossbar(Crossbar.parse(crossbar));
      var net = Zoo.get(pattern.substring(4).trim());
      if (coreBudget > 0) {
        CoreGraph base = CoreGraph.of(net, tiling);
        CoreGraph g = CoreGraph.of(net, tiling, Replication.auto(base, coreBudget));
        mapping = Mapping.onto(g, LinearOrder.search(g), Fabrics.parse(fabric, g.cores().size()), T_MVM_SECONDS);
      } else {
        mapping = Mapping.of(net, tiling, n -> Fabrics.parse(fabric, n), T_MVM_SECONDS);
      }
      f = mapping.fabric();
    } else {
      boolean sized;
      try {
        sized = Fabrics.parse(fabric, 1).nodes() == Fabrics.parse(fabric, 2).nodes();
      } catch (IllegalArgumentException oneNode) {
        sized = true;
      }
      f = Fabrics.parse(fabric, sized ? 1 : nodes);
      Pattern.parse(pattern, f, hotspot);
    }
    Faults faults = Faults.parse(f, failLinks, failNodes, dropRate, linkDelays);
    return new Built(f, faults, new RouteTable(f, faults), mapping);
  }

  /** The traffic of this run on the network {@code b} built from it. */
  public Traffic traffic(Built b) {
    return cnn()
        ? new CnnTraffic(b.mapping(), b.routes().aliveNodes(), rate, linkGbps, config.packetFlits(), injection)
        : new SyntheticTraffic(pattern, Pattern.parse(pattern, b.fabric(), hotspot), b.fabric().nodes(),
            b.routes().aliveNodes(), rate, config.packetFlits(), injection);
  }
}
