package fivepp.fabric;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jgrapht.Graph;
import org.jgrapht.alg.connectivity.ConnectivityInspector;
import org.jgrapht.alg.shortestpath.BFSShortestPath;
import org.jgrapht.alg.shortestpath.GraphMeasurer;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.traverse.BreadthFirstIterator;

/**
 * A fabric read from an edge-list file: one link per line, {@code A B} (vertex ids, non-negative
 * whole numbers), {@code #} starts a comment, blank lines are ignored, duplicate links count once.
 * An optional line {@code nodes N} fixes the size (otherwise the largest id + 1); every vertex must
 * be reachable from every other. Flows follow BFS shortest paths (deterministic: neighbours are
 * explored in ascending order); placement follows a BFS order from vertex 0.
 */
public final class FileFabric extends AbstractFabric {
  private final String path;
  private final int[][] adjacency;
  private final long links;
  private final Graph<Integer, DefaultEdge> graph;
  private final Map<Integer, int[]> parents = new ConcurrentHashMap<>();
  private volatile int diameter = -1;

  private FileFabric(String path, int nodes, Set<Long> edges) {
    this.path = path;
    this.links = edges.size();
    List<List<Integer>> lists = new ArrayList<>(nodes);
    for (int v = 0; v < nodes; v++) {
      lists.add(new ArrayList<>());
    }
    for (long e : edges) {
      lists.get(low(e)).add(high(e));
      lists.get(high(e)).add(low(e));
    }
    this.adjacency = new int[nodes][];
    for (int v = 0; v < nodes; v++) {
      adjacency[v] = lists.get(v).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
    this.graph = buildGraph(nodes, v -> adjacency[v]);
  }

  /**
   * Reads a fabric file.
   *
   * @throws IllegalArgumentException with a one-line message naming the file, the line and the
   *     problem, when the file cannot be read, is malformed, or describes a disconnected fabric
   */
  public static FileFabric read(Path file) {
    String name = file.toString();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("fabric file " + name + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException("fabric file " + name + ": permission denied");
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("fabric file " + name + ": not a UTF-8 text file");
    } catch (IOException e) {
      throw new IllegalArgumentException("fabric file " + name + ": cannot read (" + e + ")");
    }
    return parse(name, lines);
  }

  /** Parses the lines of a fabric file; {@code name} only serves the error messages and spec. */
  static FileFabric parse(String name, List<String> lines) {
    Set<Long> edges = new TreeSet<>(); // (low, high) packed, so iteration is ascending
    Map<Integer, Integer> firstLine = new HashMap<>(); // vertex -> line where it first appears
    int declared = -1;
    int declaredAt = 0;
    int maxId = -1;
    for (int i = 0; i < lines.size(); i++) {
      int lineNo = i + 1;
      String line = i == 0 && lines.get(0).startsWith("\uFEFF") ? lines.get(0).substring(1) : lines.get(i);
      int hash = line.indexOf('#');
      String[] tokens = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
      if (tokens.length == 1 && tokens[0].isEmpty()) {
        continue;
      }
      if (tokens.length == 2 && tokens[0].equalsIgnoreCase("nodes")) {
        if (declared >= 0) {
          throw error(name, lineNo, "second 'nodes' line (first on line " + declaredAt + ")");
        }
        declared = number(tokens[1]);
        declaredAt = lineNo;
        if (declared < 1) {
          throw error(name, lineNo, "'nodes N' needs a whole number N >= 1, got '" + tokens[1] + "'");
        }
        continue;
      }
      if (tokens.length != 2) {
        throw malformed(name, lineNo, line);
      }
      int a = number(tokens[0]);
      int b = number(tokens[1]);
      if (a == Integer.MIN_VALUE || b == Integer.MIN_VALUE) {
        throw malformed(name, lineNo, line);
      }
      if (a < 0 || b < 0) {
        throw error(name, lineNo, "negative vertex id " + Math.min(a, b));
      }
      if (a == b) {
        throw error(name, lineNo, "self-loop " + a + "-" + b);
      }
      firstLine.putIfAbsent(a, lineNo);
      firstLine.putIfAbsent(b, lineNo);
      maxId = Math.max(maxId, Math.max(a, b));
      edges.add((long) Math.min(a, b) << 32 | Math.max(a, b));
    }
    if (edges.isEmpty()) {
      throw new IllegalArgumentException(
          "fabric file " + name + ": no links (write one link 'A B' per line)");
    }
    if (declared >= 0 && maxId >= declared) {
      int limit = declared;
      Map.Entry<Integer, Integer> first = firstLine.entrySet().stream()
          .filter(e -> e.getKey() >= limit)
          .min(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
          .orElseThrow();
      throw error(name, first.getValue(), "vertex id " + first.getKey() + " is not below the "
          + declared + " nodes declared on line " + declaredAt);
    }
    long nodes = declared >= 0 ? declared : maxId + 1L;
    if (firstLine.size() < nodes) {
      int isolated = 0;
      while (firstLine.containsKey(isolated)) {
        isolated++;
      }
      String problem = "fabric is not connected: vertex " + isolated + " has no links (vertices are 0.."
          + (nodes - 1) + ")";
      throw declared >= 0 ? error(name, declaredAt, problem)
          : new IllegalArgumentException("fabric file " + name + ": " + problem);
    }
    FileFabric fabric = new FileFabric(name, (int) nodes, edges);
    Set<Integer> reached = new ConnectivityInspector<>(fabric.graph).connectedSetOf(0);
    if (reached.size() < nodes) {
      int lost = 0;
      while (reached.contains(lost)) {
        lost++;
      }
      throw error(name, firstLine.get(lost),
          "fabric is not connected: vertex " + lost + " cannot reach vertex 0");
    }
    return fabric;
  }

  /** The whole number in s, Integer.MIN_VALUE if s is not one (or does not fit an int). */
  private static int number(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return Integer.MIN_VALUE;
    }
  }

  private static IllegalArgumentException malformed(String name, int lineNo, String line) {
    String shown = line.strip().length() > 60 ? line.strip().substring(0, 60) + "..." : line.strip();
    return error(name, lineNo, "expected 'A B' (two vertex ids) or 'nodes N', got '" + shown + "'");
  }

  private static IllegalArgumentException error(String name, int lineNo, String problem) {
    return new IllegalArgumentException("fabric file " + name + " line " + lineNo + ": " + problem);
  }

  private static int low(long edge) {
    return (int) (edge >>> 32);
  }

  private static int high(long edge) {
    return (int) edge;
  }

  @Override
  public String spec() {
    return "file:" + path;
  }

  @Override
  public String describe() {
    return "file " + path + " (" + nodes() + " nodes)";
  }

  @Override
  public int nodes() {
    return adjacency.length;
  }

  @Override
  public boolean adjacent(int a, int b) {
    check(b);
    return Arrays.binarySearch(adjacency[check(a)], b) >= 0;
  }

  @Override
  public int[] neighbors(int v) {
    return adjacency[check(v)].clone();
  }

  @Override
  public long links() {
    return links;
  }

  @Override
  public int maxDegree() {
    return Arrays.stream(adjacency).mapToInt(a -> a.length).max().orElse(0);
  }

  @Override
  public int diameter() {
    if (diameter < 0) {
      diameter = (int) new GraphMeasurer<>(graph, new BFSShortestPath<>(graph)).getDiameter();
    }
    return diameter;
  }

  /** A BFS shortest path, from a BFS tree computed once per source and cached. */
  @Override
  public int[] route(int from, int to) {
    check(to);
    int[] parent = parents.computeIfAbsent(check(from), this::bfsParents);
    int hops = 0;
    for (int v = to; v != from; v = parent[v]) {
      hops++;
    }
    int[] path = new int[hops + 1];
    path[hops] = to;
    for (int i = hops; i > 0; i--) {
      path[i - 1] = parent[path[i]];
    }
    return path;
  }

  private int[] bfsParents(int source) {
    BreadthFirstIterator<Integer, DefaultEdge> bfs = new BreadthFirstIterator<>(graph, source);
    int[] parent = new int[nodes()];
    while (bfs.hasNext()) {
      int v = bfs.next();
      Integer p = bfs.getParent(v);
      parent[v] = p == null ? v : p;
    }
    return parent;
  }

  @Override
  public int[] placementOrder() {
    BreadthFirstIterator<Integer, DefaultEdge> bfs = new BreadthFirstIterator<>(graph, 0);
    int[] order = new int[nodes()];
    for (int i = 0; bfs.hasNext(); i++) {
      order[i] = bfs.next();
    }
    return order;
  }
}
