package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.jgrapht.Graph;
import org.jgrapht.alg.interfaces.ShortestPathAlgorithm.SingleSourcePaths;
import org.jgrapht.alg.shortestpath.BFSShortestPath;
import org.jgrapht.alg.shortestpath.GraphMeasurer;
import org.jgrapht.graph.DefaultEdge;

/** Checks every fabric must pass, with JGraphT's algorithms on graph() as the oracle. */
final class FabricChecks {
  private FabricChecks() {}

  /** neighbors/adjacent/links/maxDegree agree with each other and with graph(); diameter with JGraphT's. */
  static void structureAgreesWithGraph(Fabric f) {
    Graph<Integer, DefaultEdge> g = f.graph();
    assertThat(g.vertexSet()).hasSize(f.nodes());
    assertThat((long) g.edgeSet().size()).isEqualTo(f.links());
    assertThat(f.channels()).isEqualTo(2 * f.links());
    int maxDegree = 0;
    for (int a = 0; a < f.nodes(); a++) {
      int[] nb = f.neighbors(a);
      assertThat(nb).isSorted().doesNotHaveDuplicates().doesNotContain(a);
      assertThat(nb).hasSize(g.degreeOf(a));
      maxDegree = Math.max(maxDegree, nb.length);
      for (int b = 0; b < f.nodes(); b++) {
        assertThat(f.adjacent(a, b)).as("adjacent(%d, %d)", a, b)
            .isEqualTo(Arrays.binarySearch(nb, b) >= 0)
            .isEqualTo(g.containsEdge(a, b));
      }
    }
    assertThat(f.maxDegree()).isEqualTo(maxDegree);
    assertThat(f.diameter()).isEqualTo((int) new GraphMeasurer<>(g).getDiameter());
  }

  /** For every ordered pair, route() is a walk from a to b over links; minimal when asked. */
  static void routesAreValid(Fabric f, boolean minimal) {
    Graph<Integer, DefaultEdge> g = f.graph();
    BFSShortestPath<Integer, DefaultEdge> bfs = new BFSShortestPath<>(g);
    for (int a = 0; a < f.nodes(); a++) {
      SingleSourcePaths<Integer, DefaultEdge> paths = bfs.getPaths(a);
      for (int b = 0; b < f.nodes(); b++) {
        int[] route = f.route(a, b);
        assertThat(route[0]).as("route(%d, %d) start", a, b).isEqualTo(a);
        assertThat(route[route.length - 1]).as("route(%d, %d) end", a, b).isEqualTo(b);
        for (int i = 1; i < route.length; i++) {
          assertThat(f.adjacent(route[i - 1], route[i]))
              .as("route(%d, %d) = %s hop %d", a, b, Arrays.toString(route), i).isTrue();
        }
        assertThat(f.hops(a, b)).isEqualTo(route.length - 1);
        if (minimal) {
          assertThat(route.length - 1).as("hops of route(%d, %d)", a, b)
              .isEqualTo((int) paths.getWeight(b));
        }
      }
    }
  }

  /** placementOrder() is a permutation of the vertices; consecutive entries adjacent when asked. */
  static void placementIsPermutation(Fabric f, boolean consecutiveAdjacent) {
    int[] order = f.placementOrder();
    int[] sorted = order.clone();
    Arrays.sort(sorted);
    assertThat(sorted).as("sorted placement order").isEqualTo(AbstractFabric.identity(f.nodes()));
    if (consecutiveAdjacent) {
      for (int i = 1; i < order.length; i++) {
        assertThat(f.adjacent(order[i - 1], order[i]))
            .as("placement %d -> %d at %d", order[i - 1], order[i], i).isTrue();
      }
    }
  }

  static void all(Fabric f, boolean consecutiveAdjacent) {
    structureAgreesWithGraph(f);
    routesAreValid(f, true);
    placementIsPermutation(f, consecutiveAdjacent);
  }
}
