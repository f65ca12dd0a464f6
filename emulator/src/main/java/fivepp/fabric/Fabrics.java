package fivepp.fabric;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Builds fabrics from their specs ({@code 5pp}, {@code kpp:3}, {@code mesh:8x8}, {@code file:f.txt}, ...). */
public final class Fabrics {
  private static final List<String> NAMES = List.of(
      "5pp", "kpp:K", "mesh", "mesh:RxC", "torus", "torus:RxC", "ring", "hypercube", "full", "file:PATH");

  /** The largest grid accepted: every node costs a few ints in placement and routing tables. */
  static final int MAX_NODES = 1 << 24;

  private Fabrics() {}

  /** The spec forms {@link #parse} accepts, for help text. */
  public static List<String> names() {
    return NAMES;
  }

  /**
   * The fabric a spec names, big enough for {@code minNodes} cores. Fabrics without a size in their
   * spec are sized to fit: {@code 5pp}, {@code kpp:K}, {@code ring}, {@code full} get exactly
   * minNodes vertices, {@code mesh} and {@code torus} the smallest near-square grid ({@code
   * ceil(sqrt n)} rows), {@code hypercube} the smallest power of two. Names are case-insensitive.
   *
   * @throws IllegalArgumentException with a one-line message when the spec is unknown or malformed,
   *     or names a fixed-size fabric with fewer than minNodes vertices
   */
  public static Fabric parse(String spec, int minNodes) {
    if (minNodes < 1) {
      throw new IllegalArgumentException("a fabric must fit at least 1 core, asked for " + minNodes);
    }
    String given = spec == null ? "" : spec.strip();
    int colon = given.indexOf(':');
    String name = (colon < 0 ? given : given.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
    String arg = colon < 0 ? "" : given.substring(colon + 1).strip();
    Fabric fabric = switch (colon < 0 ? name : name + ":") {
      case "5pp" -> new KppFabric(5, minNodes);
      case "kpp", "kpp:" -> new KppFabric(whole(arg, given, "K must be a whole number >= 1"), minNodes);
      case "mesh", "torus" -> {
        int rows = ceilSqrt(minNodes);
        yield new MeshFabric(rows, (minNodes + rows - 1) / rows, name.equals("torus"));
      }
      case "mesh:", "torus:" -> grid(arg, given, name.equals("torus"));
      case "ring" -> new RingFabric(minNodes);
      case "hypercube" -> new HypercubeFabric(
          minNodes == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(minNodes - 1));
      case "full" -> new FullFabric(minNodes);
      case "file", "file:" -> {
        if (arg.isEmpty()) {
          throw new IllegalArgumentException(given + ": give the path of an edge-list file, e.g. file:fabric.txt");
        }
        yield FileFabric.read(Path.of(arg));
      }
      default -> throw new IllegalArgumentException(
          (given.isEmpty() ? "no fabric given" : "unknown fabric '" + given + "'")
              + "; use one of " + String.join(", ", NAMES));
    };
    if (fabric.nodes() < minNodes) {
      throw new IllegalArgumentException("fabric " + fabric.spec() + " has " + fabric.nodes()
          + " nodes, too few for " + minNodes + " cores");
    }
    return fabric;
  }

  private static MeshFabric grid(String arg, String given, boolean torus) {
    String problem = "R and C must be whole numbers >= 1, e.g. " + (torus ? "torus" : "mesh") + ":8x8";
    String[] parts = arg.toLowerCase(Locale.ROOT).split("x", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException(given + ": " + problem);
    }
    int rows = whole(parts[0], given, problem);
    int cols = whole(parts[1], given, problem);
    if ((long) rows * cols > MAX_NODES) {
      throw new IllegalArgumentException(given + ": " + (long) rows * cols + " nodes, more than the "
          + MAX_NODES + " fivepp handles");
    }
    return new MeshFabric(rows, cols, torus);
  }

  /** s as a whole number >= 1, else an error "given: problem". */
  private static int whole(String s, String given, String problem) {
    try {
      int value = Integer.parseInt(s.strip());
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(given + ": " + problem);
  }

  /** The smallest r with r * r >= n (n >= 1). */
  static int ceilSqrt(int n) {
    int r = (int) Math.sqrt(n);
    while ((long) r * r < n) {
      r++;
    }
    while (r > 1 && (long) (r - 1) * (r - 1) >= n) {
      r--;
    }
    return r;
  }
}
