package fivepp.monitor;

import fivepp.fabric.Fabric;
import fivepp.fabric.KppFabric;
import fivepp.fabric.MeshFabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Placement;
import java.util.ArrayList;
import java.util.List;

/**
 * The fabric as the dashboard draws it: every vertex with its position and the core placed on
 * it, and every link. Positions follow the fabric's shape: on kPP vertex i sits on line
 * {@code i mod k} at step {@code i / k} (5PP's five parallel lines); on a mesh or torus at its
 * grid cell; on any other fabric on a circle.
 *
 * @param layout {@code lines}, {@code grid} or {@code circle}
 */
public record FabricView(String spec, String description, String layout, List<Node> nodes,
    List<Link> links) {

  /** A vertex at ({@code x}, {@code y}) in layout units; {@code core} is -1 on a free vertex. */
  public record Node(int vertex, double x, double y, int core, String layer) {}

  /** A link between two vertices (both directions are channels). */
  public record Link(int a, int b) {}

  /** The view of {@code fabric} with the cores of {@code graph} placed by {@code placement}. */
  public static FabricView of(Fabric fabric, CoreGraph graph, Placement placement) {
    int n = fabric.nodes();
    int[] coreAt = new int[n];
    java.util.Arrays.fill(coreAt, -1);
    for (int c = 0; c < placement.cores(); c++) {
      coreAt[placement.vertex(c)] = c;
    }
    return view(fabric, coreAt, c -> graph.cores().get(c).layer());
  }

  /** The view of {@code fabric} for a stress run: every node is drawn as a "core" of its own number. */
  public static FabricView ofNodes(Fabric fabric) {
    int[] self = new int[fabric.nodes()];
    java.util.Arrays.setAll(self, v -> v);
    return view(fabric, self, c -> "node");
  }

  private static FabricView view(Fabric fabric, int[] coreAt, java.util.function.IntFunction<String> layerOf) {
    int n = fabric.nodes();
    String layout;
    List<Node> nodes = new ArrayList<>(n);
    for (int v = 0; v < n; v++) {
      double x, y;
      if (fabric instanceof KppFabric k) {
        x = v / k.k();
        y = v % k.k();
      } else if (fabric instanceof MeshFabric m) {
        x = v % m.cols();
        y = v / m.cols();
      } else {
        double t = -Math.PI / 2 + 2 * Math.PI * v / n;
        x = Math.cos(t) * n / (2 * Math.PI);
        y = Math.sin(t) * n / (2 * Math.PI);
      }
      int c = coreAt[v];
      nodes.add(new Node(v, x, y, c, c < 0 ? null : layerOf.apply(c)));
    }
    layout = fabric instanceof KppFabric ? "lines" : fabric instanceof MeshFabric ? "grid" : "circle";
    List<Link> links = new ArrayList<>();
    for (int v = 0; v < n; v++) {
      for (int u : fabric.neighbors(v)) {
        if (u > v) {
          links.add(new Link(v, u));
        }
      }
    }
    return new FabricView(fabric.spec(), fabric.describe(), layout, List.copyOf(nodes), List.copyOf(links));
  }
}
