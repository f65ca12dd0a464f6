package fivepp.stress;

import fivepp.fabric.Fabric;
import fivepp.fabric.MeshFabric;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A synthetic traffic pattern: the destination of a packet from a source node, or -1 when the node
 * does not send under this pattern.
 *
 * <p>Bit patterns (transpose, bitcomp, bitrev, shuffle) work on the b = ceil(log2 N) bits of the
 * node id: transpose rotates them by floor(b/2) (on a 2^m x 2^m mesh, row and column swap), bitcomp
 * complements them, bitrev reverses them, shuffle rotates them left by one. When N is not a power of
 * two, a node whose image is N or more does not send (rule: skip). Tornado and neighbor work per
 * dimension on a mesh or torus (x + ceil(k/2) - 1 and x + 1, mod k) and on the node index elsewhere.
 * A node whose destination is itself does not send.
 */
public interface Pattern {
  List<String> NAMES = List.of("uniform", "transpose", "bitcomp", "bitrev", "shuffle", "tornado", "neighbor",
      "hotspot", "cnn:MODEL");

  int dest(int src, SplittableRandom rng);

  /**
   * The pattern a name gives on a fabric; {@code hotspot} is {@code nodes:fraction} (e.g. {@code 0,63:0.2},
   * that fraction of packets goes to one of those nodes, the rest uniformly), needed only by the
   * hotspot pattern.
   */
  static Pattern parse(String name, Fabric fabric, String hotspot) {
    int n = fabric.nodes();
    int bits = n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    int mask = (1 << bits) - 1;
    String p = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    if (hotspot != null && !p.equals("hotspot")) {
      throw new IllegalArgumentException("--hotspot goes with --pattern hotspot");
    }
    int rows = fabric instanceof MeshFabric m ? m.rows() : 1;
    int cols = fabric instanceof MeshFabric m ? m.cols() : n;
    return switch (p) {
      case "uniform" -> (s, rng) -> uniform(s, n, rng);
      case "transpose" -> fixed(n, s -> rotate(s, bits / 2, bits));
      case "bitcomp" -> fixed(n, s -> ~s & mask);
      case "bitrev" -> fixed(n, s -> bits == 0 ? 0 : Integer.reverse(s) >>> (32 - bits));
      case "shuffle" -> fixed(n, s -> rotate(s, 1, bits));
      case "tornado" -> fixed(n, s -> grid(s, rows, cols, (rows + 1) / 2 - 1, (cols + 1) / 2 - 1));
      case "neighbor" -> fixed(n, s -> grid(s, rows, cols, rows > 1 ? 1 : 0, 1));
      case "hotspot" -> hotspot(hotspot, n);
      default -> throw new IllegalArgumentException((p.isEmpty() ? "no pattern given" : "unknown pattern '" + name + "'")
          + "; use one of " + String.join(", ", NAMES));
    };
  }

  private static int uniform(int s, int n, SplittableRandom rng) {
    if (n < 2) {
      return -1;
    }
    int d = rng.nextInt(n - 1);
    return d >= s ? d + 1 : d;
  }

  /** A permutation-like pattern: a fixed destination per node, -1 where it is outside or itself. */
  private static Pattern fixed(int n, java.util.function.IntUnaryOperator f) {
    int[] dest = new int[n];
    Arrays.setAll(dest, s -> {
      int d = f.applyAsInt(s);
      return d < 0 || d >= n || d == s ? -1 : d;
    });
    return (s, rng) -> dest[s];
  }

  /** The low {@code bits} bits of s rotated left by h. */
  private static int rotate(int s, int h, int bits) {
    return bits == 0 ? s : ((s << h) | (s >>> (bits - h))) & ((1 << bits) - 1);
  }

  /** Node s at (r, c) = (s / cols, s % cols) moved by (dr, dc), mod each dimension. */
  private static int grid(int s, int rows, int cols, int dr, int dc) {
    int r = s / cols, c = s % cols;
    return ((r + dr) % rows) * cols + (c + dc) % cols;
  }

  private static Pattern hotspot(String spec, int n) {
    if (spec == null) {
      throw new IllegalArgumentException("--pattern hotspot needs --hotspot NODES:FRACTION, e.g. --hotspot 0,63:0.2");
    }
    int colon = spec.lastIndexOf(':');
    try {
      if (colon < 0) {
        throw new NumberFormatException();
      }
      int[] hot = Arrays.stream(spec.substring(0, colon).split(",")).map(String::strip)
          .mapToInt(Integer::parseInt).toArray();
      double fraction = Double.parseDouble(spec.substring(colon + 1).strip());
      if (hot.length == 0 || !(fraction >= 0 && fraction <= 1)
          || Arrays.stream(hot).anyMatch(v -> v < 0 || v >= n)) {
        throw new NumberFormatException();
      }
      return (s, rng) -> {
        if (rng.nextDouble() < fraction) {
          int d = hot[rng.nextInt(hot.length)];
          if (d != s) {
            return d;
          }
        }
        return uniform(s, n, rng);
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--hotspot '" + spec + "': give NODES:FRACTION with nodes in 0.."
          + (n - 1) + " and a fraction in [0, 1], e.g. 0,63:0.2");
    }
  }
}
