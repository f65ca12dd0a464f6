package fivepp.mapping;

import fivepp.fabric.Fabric;

/**
 * Cores on fabric vertices: {@code vertexOf[core]}. The same core order serves every fabric,
 * laid along the fabric's own {@link Fabric#placementOrder()} (identity on kPP and the ring, a
 * snake on mesh and torus, a Gray code on the hypercube).
 */
public record Placement(int[] vertexOf) {

  /** Searches a core order for {@code graph} and lays it onto {@code fabric}. */
  public static Placement search(CoreGraph graph, Fabric fabric) {
    return along(LinearOrder.search(graph), fabric);
  }

  /** Lays {@code order} (order[position] = core) along the fabric's placement order. */
  public static Placement along(int[] order, Fabric fabric) {
    if (order.length > fabric.nodes()) {
      throw new IllegalArgumentException("fabric " + fabric.describe() + " has " + fabric.nodes()
          + " nodes, too few for " + order.length + " cores");
    }
    int[] lane = fabric.placementOrder();
    int[] v = new int[order.length];
    for (int pos = 0; pos < order.length; pos++) {
      v[order[pos]] = lane[pos];
    }
    return new Placement(v);
  }

  public int vertex(int core) {
    return vertexOf[core];
  }

  public int cores() {
    return vertexOf.length;
  }
}
