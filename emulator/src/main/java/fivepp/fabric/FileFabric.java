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

/**
 * A fabric read from an edge-list file: one link per line, {@code A B} (vertex ids, non-negative
 * whole numbers), {@code #} starts a comment, blank lines are ignored, duplicate links count once.
 * An optional line {@code nodes N} fixes the size (otherwise the largest id + 1); every vertex must
 * be reachable from every other. Flows follow BFS shortest paths (deterministic: neighbours are
 * explored in ascending order); placement follows a BFS order from vertex 0.
 *
 * <p>Size: at most {@link #maxVertices()} vertices (default {@value #DEFAULT_MAX_VERTICES}; the
 * system property {@value #MAX_VERTICES_PROPERTY} raises it). Reading, placement and routing are
 * linear in the file's size (a BFS per routing source); the diameter takes a BFS from every
 * vertex, quadratic, which is what the limit bounds: a 20,000-vertex ring takes about 5 s.
 */
public final class FileFabric extends AbstractFabric {
  private final String path;
  private final int[][] adjacency;
  private final long links;
  private final Map<Integer, int[]> parents = new ConcurrentHashMap<>();
  private volatile int diameter = -1;

  /** The system property that raises (or lowers) the vertex limit of fabric files. */
  public static final String MAX_VERTICES_PROPERTY = "fivepp.max-fabric-vertices";
  /** Vertices a fabric file may have unless {@value #MAX_VERTICES_PROPERTY} says otherwise. */
  public static final int DEFAULT_MAX_VERTICES = 20_000;

  /** The vertex limit in force: {@value #MAX_VERTICES_PROPERTY} if set to a whole number >= 1, else the default. */
  public static int maxVertices() {
    return Limits.ofInt(MAX_VERTICES_PROPERTY, DEFAULT_MAX_VERTICES);
  }

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
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException("fabric file " + name + ": a folder, not a file; give the edge-list file itself");
    }
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
    int limit = maxVertices();
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
        if (declared > limit) {
          throw tooLarge(name, lineNo, declared + " nodes", limit);
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
      if (Math.max(a, b) >= limit) {
        throw tooLarge(name, lineNo, "vertex id " + Math.max(a, b), limit);
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
      int size = declared;
      Map.Entry<Integer, Integer> first = firstLine.entrySet().stream()
          .filter(e -> e.getKey() >= size)
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
    int[] reached = fabric.bfs(0, null);
    if (reached.length < nodes) {
      boolean[] seen = new boolean[(int) nodes];
      for (int v : reached) {
        seen[v] = true;
      }
      int lost = 0;
      while (seen[lost]) {
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

  private static IllegalArgumentException tooLarge(String name, int lineNo, String what, int limit) {
    return error(name, lineNo, what + " is over the limit of " + String.format("%,d", limit)
        + " vertices (raise it with FIVEPP_JAVA_OPTS=-D" + MAX_VERTICES_PROPERTY + "=N;"
        + " the diameter alone then takes a BFS from each of N vertices)");
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
      int[] dist = new int[nodes()];
      int[] queue = new int[nodes()];
      int d = 0;
      for (int v = 0; v < nodes(); v++) {
        d = Math.max(d, eccentricity(v, dist, queue));
      }
      diameter = d;
    }
    return diameter;
  }

  /** The largest distance from v, by a BFS using the caller's scratch arrays. */
  private int eccentricity(int source, int[] dist, int[] queue) {
    Arrays.fill(dist, -1);
    dist[source] = 0;
    queue[0] = source;
    int head = 0;
    int tail = 1;
    int far = 0;
    while (head < tail) {
      int v = queue[head++];
      far = dist[v];
      for (int u : adjacency[v]) {
        if (dist[u] < 0) {
          dist[u] = far + 1;
          queue[tail++] = u;
        }
      }
    }
    return far;
  }

  /**
   * A BFS from {@code source}, neighbours in ascending order: the vertices in the order reached;
   * {@code parent}, when given, receives each reached vertex's BFS parent (the source its own).
   */
  private int[] bfs(int source, int[] parent) {
    int n = nodes();
    int[] p = parent != null ? parent : new int[n];
    Arrays.fill(p, -1);
    int[] order = new int[n];
    p[source] = source;
    order[0] = source;
    int head = 0;
    int tail = 1;
    while (head < tail) {
      int v = order[head++];
      for (int u : adjacency[v]) {
        if (p[u] < 0) {
          p[u] = v;
          order[tail++] = u;
        }
      }
    }
    return tail == n ? order : Arrays.copyOf(order, tail);
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
    int[] parent = new int[nodes()];
    bfs(source, parent);
    return parent;
  }

  @Override
  public int[] placementOrder() {
    return bfs(0, null);
  }
}
