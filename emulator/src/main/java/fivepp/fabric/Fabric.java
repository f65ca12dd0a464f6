package fivepp.fabric;

/**
 * A communication fabric: vertices 0..nodes()-1 joined by bidirectional links, each link
 * carrying one channel per direction, and a deterministic routing function.
 *
 * <p>Structure (which links exist) and routing (which path a flow takes) are both part of a
 * fabric; graph algorithms over the structure come from JGraphT via {@link #graph()}.
 */
public interface Fabric {

  /** The spec that names this fabric, e.g. {@code 5pp}, {@code kpp:3}, {@code mesh:8x8}. */
  String spec();

  /** A human description with its size, e.g. {@code 5PP(60)} or {@code mesh 8x8}. */
  String describe();

  /** Number of vertices. */
  int nodes();

  /** True when a link joins a and b (a != b). */
  boolean adjacent(int a, int b);

  /** The neighbours of v, ascending. */
  int[] neighbors(int v);

  /** Number of links (undirected edges). */
  long links();

  /** Number of channels: one per link and direction. */
  default long channels() {
    return 2 * links();
  }

  int maxDegree();

  /** Longest shortest path, in hops. */
  int diameter();

  /**
   * The path a flow from {@code from} to {@code to} takes under this fabric's routing function,
   * as the vertices visited, both ends included; {@code route(v, v)} is {@code [v]}.
   */
  int[] route(int from, int to);

  /**
   * The vertex after {@code from} on the route to {@code to} (from != to). Routes are built hop by
   * hop: the route from there to {@code to} is the rest of this one. The regular fabrics answer in
   * constant time without building the path.
   */
  default int nextHop(int from, int to) {
    return route(from, to)[1];
  }

  /** Hops of the routed path from a to b. */
  default int hops(int from, int to) {
    return route(from, to).length - 1;
  }

  /**
   * The order in which a linear sequence of cores is best laid onto this fabric: consecutive
   * entries are adjacent wherever the fabric allows it (identity on kPP and ring, a snake on
   * mesh and torus, a Gray code on the hypercube).
   */
  int[] placementOrder();

  /** This fabric's structure as a JGraphT graph (built on demand; may be large for {@code full}). */
  org.jgrapht.Graph<Integer, org.jgrapht.graph.DefaultEdge> graph();
}
