package fivepp.fabric;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntFunction;
import org.jgrapht.Graph;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.SimpleGraph;

/** What every fabric shares: building its JGraphT graph from {@link #neighbors}, index checks. */
abstract class AbstractFabric implements Fabric {

  @Override
  public Graph<Integer, DefaultEdge> graph() {
    return buildGraph(nodes(), this::neighbors);
  }

  @Override
  public String toString() {
    return describe();
  }

  /** A simple graph on 0..nodes-1, vertices added in order and edges in ascending (low, high) order. */
  static Graph<Integer, DefaultEdge> buildGraph(int nodes, IntFunction<int[]> neighbors) {
    Graph<Integer, DefaultEdge> g = new SimpleGraph<>(DefaultEdge.class);
    for (int v = 0; v < nodes; v++) {
      g.addVertex(v);
    }
    for (int v = 0; v < nodes; v++) {
      for (int u : neighbors.apply(v)) {
        if (u > v) {
          g.addEdge(v, u);
        }
      }
    }
    return g;
  }

  final int check(int v) {
    return Objects.checkIndex(v, nodes());
  }

  /** The distinct entries of candidates that are vertices other than v (negatives mean none), ascending. */
  static int[] distinctSorted(int v, int... candidates) {
    return Arrays.stream(candidates).filter(u -> u >= 0 && u != v).sorted().distinct().toArray();
  }

  static int[] identity(int n) {
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    return order;
  }
}
