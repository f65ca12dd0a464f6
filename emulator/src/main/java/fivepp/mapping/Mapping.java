package fivepp.mapping;

import fivepp.fabric.Fabric;
import fivepp.fabric.KppFabric;
import fivepp.model.Network;

/**
 * A network mapped onto a fabric: the core graph, the searched placement, the verifier's verdict
 * and the bandwidth per channel.
 */
public record Mapping(
    CoreGraph graph, Fabric fabric, int[] order, Placement placement, Verifier.Verdict verdict,
    Bandwidth bandwidth) {

  /** Maps {@code network} onto the fabric named by {@code fabricSpec}, sized to fit its cores. */
  public static Mapping of(Network network, Tiling tiling, java.util.function.IntFunction<Fabric> fabric,
      double tMvmSeconds) {
    CoreGraph g = CoreGraph.of(network, tiling);
    return onto(g, LinearOrder.search(g), fabric.apply(g.cores().size()), tMvmSeconds);
  }

  /** Lays an already searched core order onto {@code fabric}, verifies and measures it. */
  public static Mapping onto(CoreGraph g, int[] order, Fabric fabric, double tMvmSeconds) {
    Placement p = Placement.along(order, fabric);
    return new Mapping(g, fabric, order, p, Verifier.verify(g, fabric, p),
        Bandwidth.analyse(g, fabric, p, tMvmSeconds));
  }

  /**
   * The smallest k for which the core order found embeds the graph in kPP with every flow on one
   * link, confirmed by the verifier, and a lower bound no order can beat.
   */
  public record MinK(int k, int lowerBound, boolean confirmed) {
    /** True when the search reached the lower bound, so k is the smallest possible. */
    public boolean optimal() {
      return k == lowerBound;
    }
  }

  public static MinK minK(CoreGraph g, int[] order) {
    int k = Math.max(1, LinearOrder.bandwidth(g, order));
    KppFabric kpp = new KppFabric(k, g.cores().size());
    boolean ok = Verifier.verify(g, kpp, Placement.along(order, kpp)).homomorphism();
    return new MinK(k, Math.max(1, LinearOrder.lowerBound(g)), ok);
  }
}
