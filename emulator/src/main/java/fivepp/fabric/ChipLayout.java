package fivepp.fabric;

/**
 * Where each fabric vertex sits on the chip: cores on a 2-D grid of square cells (pitch = the
 * side of one core), vertex {@code v} in column {@link #x(int)} and row {@link #y(int)}. A link
 * between two vertices is a wire routed in x then y, so its length is the Manhattan distance of
 * their cells ({@link #pitches(int, int)}). The foldings, fabric by fabric:
 *
 * <ul>
 *   <li>kPP (5PP): the linear order 0..N-1 laid as a serpentine (boustrophedon) on a grid as wide
 *       as the mesh for N cores: row 0 left to right, row 1 right to left, ... A span-s link is
 *       s cells long within a row and shorter where the serpentine turns.
 *   <li>mesh: vertex {@code r * cols + c} at column c, row r; every link one pitch.
 *   <li>torus: each dimension folded (interleaved: 0, n-1, 1, n-2, ... become cells 0, 1, 2, 3,
 *       ...), so the wraparound links are no longer than the others: every link at most two
 *       pitches.
 *   <li>ring: the cycle folded the same way, then laid as a serpentine: every link at most two
 *       pitches.
 *   <li>hypercube (2^d): the low ceil(d/2) address bits give the column, the rest the row; the
 *       link of bit b is 2^b pitches (x bits) or 2^(b - ceil(d/2)) pitches (y bits) long.
 *   <li>full and file fabrics: row-major on the near-square grid (a file gives no geometry).
 * </ul>
 */
public final class ChipLayout {
  private final int[] x;
  private final int[] y;
  private final String description;

  private ChipLayout(int[] x, int[] y, String description) {
    this.x = x;
    this.y = y;
    this.description = description;
  }

  /** The layout of {@code fabric}, as the class comment states it. */
  public static ChipLayout of(Fabric fabric) {
    int n = fabric.nodes();
    int width = gridWidth(n);
    int[] x = new int[n];
    int[] y = new int[n];
    String description;
    if (fabric instanceof MeshFabric mesh) {
      for (int v = 0; v < n; v++) {
        int r = v / mesh.cols(), c = v % mesh.cols();
        x[v] = mesh.torus() ? folded(c, mesh.cols()) : c;
        y[v] = mesh.torus() ? folded(r, mesh.rows()) : r;
      }
      description = mesh.torus() ? "folded torus " + mesh.rows() + "x" + mesh.cols() + ", links <= 2 pitches"
          : "mesh " + mesh.rows() + "x" + mesh.cols() + ", links 1 pitch";
    } else if (fabric instanceof KppFabric) {
      for (int v = 0; v < n; v++) {
        serpentine(v, v, width, x, y);
      }
      description = "serpentine of the linear order, " + width + " cells wide";
    } else if (fabric instanceof RingFabric) {
      for (int v = 0; v < n; v++) {
        serpentine(v, folded(v, n), width, x, y);
      }
      description = "folded ring on a serpentine " + width + " cells wide, links <= 2 pitches";
    } else if (fabric instanceof HypercubeFabric cube) {
      int xBits = (cube.dimension() + 1) / 2;
      for (int v = 0; v < n; v++) {
        x[v] = v & ((1 << xBits) - 1);
        y[v] = v >>> xBits;
      }
      description = "address bits split into " + (1 << xBits) + " columns and "
          + (1 << (cube.dimension() - xBits)) + " rows";
    } else {
      for (int v = 0; v < n; v++) {
        x[v] = v % width;
        y[v] = v / width;
      }
      description = "row-major, " + width + " cells wide";
    }
    return new ChipLayout(x, y, description);
  }

  /** Columns of the near-square grid for n cells: as many as {@code mesh} has for n cores. */
  static int gridWidth(int n) {
    int rows = Fabrics.ceilSqrt(Math.max(1, n));
    return (n + rows - 1) / rows;
  }

  /** Cell of position i in a folded line of n: 0, 2, 4, ... going out and ..., 5, 3, 1 coming back. */
  static int folded(int i, int n) {
    int out = (n + 1) / 2;
    return i < out ? 2 * i : 2 * (n - 1 - i) + 1;
  }

  /** Puts vertex v at the serpentine's cell number {@code cell}. */
  private static void serpentine(int v, int cell, int width, int[] x, int[] y) {
    int row = cell / width, along = cell % width;
    x[v] = row % 2 == 0 ? along : width - 1 - along;
    y[v] = row;
  }

  public int x(int v) {
    return x[v];
  }

  public int y(int v) {
    return y[v];
  }

  /** The wire length between vertices a and b in core pitches: the Manhattan distance of their cells. */
  public int pitches(int a, int b) {
    return Math.abs(x[a] - x[b]) + Math.abs(y[a] - y[b]);
  }

  /** The folding, in words, e.g. {@code serpentine of the linear order, 8 cells wide}. */
  public String describe() {
    return description;
  }
}
