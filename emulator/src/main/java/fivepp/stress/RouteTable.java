package fivepp.stress;

import fivepp.fabric.Fabric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jgrapht.Graph;
import org.jgrapht.GraphPath;
import org.jgrapht.alg.shortestpath.BFSShortestPath;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedAcyclicGraph;
import org.jgrapht.graph.SimpleGraph;

/**
 * The static network a stress run simulates: directed channels (one per link and direction), the
 * route of every ordered pair of live nodes as a channel sequence, and the virtual-channel class
 * of every hop.
 *
 * <p><b>Size.</b> Up to {@link #TABLE_NODES} nodes every pair's route is stored, as described below.
 * Larger kPP, mesh, torus, ring and hypercube fabrics without failed links or nodes are routed hop
 * by hop from their topology instead ({@link ComputedRoutes}): the same routes, memory linear in
 * channels, any size. Fabric files, the fully connected fabric and routes around failures need the
 * stored table, so they stop at {@link #TABLE_NODES}.
 *
 * <p><b>Routing.</b> A pair takes the fabric's own deterministic route when every link and node on
 * it is alive; otherwise the shortest path on the surviving graph (JGraphT breadth-first search,
 * neighbours in ascending order, so deterministic). A pair with no surviving path is unreachable.
 *
 * <p><b>Deadlock freedom.</b> Classes are assigned greedily, pair by pair in ascending order: a hop
 * stays in the class of the hop before unless the dependency between the two channels would close a
 * cycle in that class's channel-dependency graph (kept acyclic by JGraphT's
 * {@link DirectedAcyclicGraph}); then it moves to the next class. Dependencies only go within a
 * class or upwards, so the dependency graph over (channel, class) is acyclic and the network cannot
 * deadlock. Dimension-order mesh, e-cube hypercube and monotone kPP routes need one class; the
 * torus and ring wraparounds and routes around faults need more.
 */
public final class RouteTable {
  /** The largest fabric whose routes are stored pair by pair; larger ones must be computed. */
  public static final int TABLE_NODES = 512;

  final Fabric fabric;
  final int nodes;
  final int channels;
  final int[] chSrc;
  final int[] chDst;
  /** First channel leaving v is chStart[v]; they go to the neighbours of v in ascending order. */
  final int[] chStart;
  final int[][] neighbors;
  final boolean[] nodeAlive;
  final boolean[] chAlive;
  /** Extra cycles per hop on each channel. */
  final int[] chExtraDelay;
  /** True when some channel has extra delay. */
  final boolean extraDelays;
  /** Routes computed hop by hop (large regular fabrics without failures), else null and the table holds them. */
  final ComputedRoutes computed;
  /** Offset into routeCh/routeCls of the route of pair s*nodes+d, or -1 when unreachable or s == d. */
  final int[] routeOff;
  final int[] routeLen;
  final int[] routeCh;
  final byte[] routeCls;
  /** Pairs rerouted around a fault. */
  final int rerouted;
  final int classes;

  /**
   * Channels, routes and classes of a fabric with its faults.
   *
   * @throws IllegalArgumentException with one line for the user when the fabric has more than
   *     {@link #TABLE_NODES} nodes and its routes cannot be computed
   */
  public RouteTable(Fabric fabric, Faults faults) {
    this(fabric, faults, fabric.nodes() > TABLE_NODES);
  }

  /**
   * As {@link #RouteTable(Fabric, Faults)}, with routes computed hop by hop when {@code compute} (the
   * fabric must be a regular one without failed links or nodes) and stored otherwise.
   */
  RouteTable(Fabric fabric, Faults faults, boolean compute) {
    this.fabric = fabric;
    this.nodes = fabric.nodes();
    boolean failures = !faults.failedNodes().isEmpty() || !faults.failedLinks().isEmpty();
    if (compute && failures) {
      throw new IllegalArgumentException(fabric.describe() + " has " + nodes + " nodes; routing around failed links or"
          + " nodes takes up to " + TABLE_NODES + " (leave out --fail-link and --fail-node, or use a smaller fabric)");
    }
    if (compute && !ComputedRoutes.supports(fabric)) {
      throw new IllegalArgumentException(fabric.describe() + " has " + nodes + " nodes; the stress simulator takes"
          + " fabric files and the fully connected fabric up to " + TABLE_NODES
          + " (kpp, 5pp, mesh, torus, ring and hypercube go beyond)");
    }
    neighbors = new int[nodes][];
    chStart = new int[nodes + 1];
    for (int v = 0; v < nodes; v++) {
      neighbors[v] = fabric.neighbors(v);
      chStart[v + 1] = chStart[v] + neighbors[v].length;
    }
    channels = chStart[nodes];
    chSrc = new int[channels];
    chDst = new int[channels];
    for (int v = 0; v < nodes; v++) {
      for (int i = 0; i < neighbors[v].length; i++) {
        chSrc[chStart[v] + i] = v;
        chDst[chStart[v] + i] = neighbors[v][i];
      }
    }
    nodeAlive = new boolean[nodes];
    Arrays.fill(nodeAlive, true);
    faults.failedNodes().forEach(v -> nodeAlive[v] = false);
    chAlive = new boolean[channels];
    for (int c = 0; c < channels; c++) {
      chAlive[c] = nodeAlive[chSrc[c]] && nodeAlive[chDst[c]];
    }
    for (Faults.Link l : faults.failedLinks()) {
      chAlive[channel(l.a(), l.b())] = false;
      chAlive[channel(l.b(), l.a())] = false;
    }
    chExtraDelay = new int[channels];
    for (Faults.LinkDelay d : faults.linkDelays()) {
      chExtraDelay[channel(d.a(), d.b())] += d.cycles();
      chExtraDelay[channel(d.b(), d.a())] += d.cycles();
    }
    extraDelays = !faults.linkDelays().isEmpty();
    if (compute) {
      computed = new ComputedRoutes(this);
      routeOff = null;
      routeLen = null;
      routeCh = null;
      routeCls = null;
      rerouted = 0;
      classes = computed.classes();
      return;
    }
    computed = null;
    routeOff = new int[nodes * nodes];
    routeLen = new int[nodes * nodes];
    Arrays.fill(routeOff, -1);
    List<int[]> paths = new ArrayList<>();
    BFSShortestPath<Integer, DefaultEdge> detour = null;
    int total = 0;
    int detours = 0;
    for (int s = 0; s < nodes; s++) {
      for (int d = 0; d < nodes; d++) {
        if (s == d || !nodeAlive[s] || !nodeAlive[d]) {
          continue;
        }
        int[] path = channelsOf(fabric.route(s, d));
        if (path == null) {
          if (detour == null) {
            detour = new BFSShortestPath<>(survivingGraph());
          }
          GraphPath<Integer, DefaultEdge> p = detour.getPath(s, d);
          if (p == null) {
            continue;
          }
          path = channelsOf(p.getVertexList().stream().mapToInt(Integer::intValue).toArray());
          detours++;
        }
        routeOff[s * nodes + d] = total;
        routeLen[s * nodes + d] = path.length;
        total += path.length;
        paths.add(path);
      }
    }
    rerouted = detours;
    routeCh = new int[total];
    routeCls = new byte[total];
    int at = 0;
    for (int[] p : paths) {
      System.arraycopy(p, 0, routeCh, at, p.length);
      at += p.length;
    }
    classes = assignClasses();
  }

  /** The channel from u to its neighbour v. */
  int channel(int u, int v) {
    int i = Arrays.binarySearch(neighbors[u], v);
    if (i < 0) {
      throw new IllegalArgumentException("no link " + u + "-" + v);
    }
    return chStart[u] + i;
  }

  /** The channels along a vertex path, or null when one of them is dead. */
  private int[] channelsOf(int[] vertices) {
    int[] out = new int[vertices.length - 1];
    for (int i = 0; i + 1 < vertices.length; i++) {
      int c = channel(vertices[i], vertices[i + 1]);
      if (!chAlive[c]) {
        return null;
      }
      out[i] = c;
    }
    return out;
  }

  private Graph<Integer, DefaultEdge> survivingGraph() {
    Graph<Integer, DefaultEdge> g = new SimpleGraph<>(DefaultEdge.class);
    for (int v = 0; v < nodes; v++) {
      g.addVertex(v);
    }
    for (int c = 0; c < channels; c++) {
      if (chAlive[c] && chSrc[c] < chDst[c]) {
        g.addEdge(chSrc[c], chDst[c]);
      }
    }
    return g;
  }

  private int assignClasses() {
    List<DirectedAcyclicGraph<Integer, DefaultEdge>> dags = new ArrayList<>();
    int max = 0;
    for (int pair = 0; pair < routeOff.length; pair++) {
      int off = routeOff[pair];
      if (off < 0) {
        continue;
      }
      int cls = 0;
      for (int i = 1; i < routeLen[pair]; i++) {
        int a = routeCh[off + i - 1];
        int b = routeCh[off + i];
        while (dags.size() <= cls) {
          dags.add(new DirectedAcyclicGraph<>(DefaultEdge.class));
        }
        DirectedAcyclicGraph<Integer, DefaultEdge> dag = dags.get(cls);
        if (!dag.containsEdge(a, b)) {
          dag.addVertex(a);
          dag.addVertex(b);
          try {
            dag.addEdge(a, b);
          } catch (IllegalArgumentException cycle) {
            cls++;
          }
        }
        if (cls > Byte.MAX_VALUE) {
          throw new IllegalStateException("more than 127 virtual-channel classes needed");
        }
        routeCls[off + i] = (byte) cls;
        max = Math.max(max, cls);
      }
    }
    return max + 1;
  }

  /** Which nodes are alive (not failed). */
  public boolean[] aliveNodes() {
    return nodeAlive.clone();
  }

  /** Virtual-channel classes the routes need. */
  public int classes() {
    return classes;
  }

  /** The fabric simulated. */
  public Fabric fabric() {
    return fabric;
  }

  /** Hops of the route from s to d (-1 when unreachable). */
  public int hops(int s, int d) {
    if (computed != null) {
      return fabric.hops(s, d);
    }
    return s == d ? 0 : routeOff[s * nodes + d] < 0 ? -1 : routeLen[s * nodes + d];
  }

  boolean reachable(int s, int d) {
    return computed != null || routeOff[s * nodes + d] >= 0;
  }

  /** The directed channels whose two ends are in different regions ({@code regionOf} by node). */
  public int channelsBetween(int[] regionOf) {
    int cut = 0;
    for (int c = 0; c < channels; c++) {
      if (regionOf[chSrc[c]] != regionOf[chDst[c]]) {
        cut++;
      }
    }
    return cut;
  }

  String channelName(int c) {
    return chSrc[c] + "->" + chDst[c];
  }
}
