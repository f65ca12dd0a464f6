package fivepp.fabric;

/**
 * A rows x cols 2D mesh, or torus when {@code torus} (wraparound links). Vertex {@code r * cols + c}
 * sits at row r, column c. Routing is dimension order: along the row (column coordinate) first,
 * then along the column; on a torus each dimension goes the shorter way round, increasing on a tie.
 */
public final class MeshFabric extends AbstractFabric {
  private final int rows;
  private final int cols;
  private final boolean torus;

  public MeshFabric(int rows, int cols, boolean torus) {
    if (rows < 1 || cols < 1 || (long) rows * cols > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("mesh needs 1 <= rows, cols and rows*cols < 2^31, got "
          + rows + "x" + cols);
    }
    this.rows = rows;
    this.cols = cols;
    this.torus = torus;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public boolean torus() {
    return torus;
  }

  @Override
  public String spec() {
    return (torus ? "torus:" : "mesh:") + rows + "x" + cols;
  }

  @Override
  public String describe() {
    return (torus ? "torus " : "mesh ") + rows + "x" + cols;
  }

  @Override
  public int nodes() {
    return rows * cols;
  }

  @Override
  public boolean adjacent(int a, int b) {
    int ra = check(a) / cols, ca = a % cols, rb = check(b) / cols, cb = b % cols;
    return ra == rb ? ca != cb && linked(ca, cb, cols) : ca == cb && linked(ra, rb, rows);
  }

  /** Whether distinct coordinates x and y are one link apart in a dimension of this size. */
  private boolean linked(int x, int y, int size) {
    int d = Math.abs(x - y);
    return d == 1 || (torus && d == size - 1);
  }

  @Override
  public int[] neighbors(int v) {
    int r = check(v) / cols, c = v % cols;
    return distinctSorted(v,
        at(r, shift(c, -1, cols)), at(r, shift(c, 1, cols)),
        at(shift(r, -1, rows), c), at(shift(r, 1, rows), c));
  }

  /** x + delta in a dimension of this size, wrapped on a torus, -1 when off a mesh's edge. */
  private int shift(int x, int delta, int size) {
    int y = x + delta;
    return torus ? Math.floorMod(y, size) : (y >= 0 && y < size ? y : -1);
  }

  private int at(int r, int c) {
    return r < 0 || c < 0 ? -1 : r * cols + c;
  }

  @Override
  public long links() {
    return (long) rows * lines(cols) + (long) cols * lines(rows);
  }

  /** Links along one line of a dimension of this size (a 2-long torus line has one link). */
  private long lines(int size) {
    return torus && size >= 3 ? size : size - 1;
  }

  @Override
  public int maxDegree() {
    return Math.min(2, cols - 1) + Math.min(2, rows - 1);
  }

  @Override
  public int diameter() {
    return torus ? rows / 2 + cols / 2 : (rows - 1) + (cols - 1);
  }

  @Override
  public int[] route(int from, int to) {
    int r = check(from) / cols, c = from % cols, tr = check(to) / cols, tc = to % cols;
    int[] path = new int[rows + cols];
    int len = 0;
    path[len++] = from;
    while (c != tc) {
      c = step(c, tc, cols);
      path[len++] = r * cols + c;
    }
    while (r != tr) {
      r = step(r, tr, rows);
      path[len++] = r * cols + c;
    }
    return java.util.Arrays.copyOf(path, len);
  }

  @Override
  public int nextHop(int from, int to) {
    int r = check(from) / cols, c = from % cols, tr = check(to) / cols, tc = to % cols;
    return c != tc ? r * cols + step(c, tc, cols) : step(r, tr, rows) * cols + c;
  }

  /** The next coordinate from x toward target (x != target). */
  private int step(int x, int target, int size) {
    if (!torus) {
      return x < target ? x + 1 : x - 1;
    }
    int forward = Math.floorMod(target - x, size);
    return Math.floorMod(forward <= size - forward ? x + 1 : x - 1, size);
  }

  /** A snake: row 0 left to right, row 1 right to left, and so on. */
  @Override
  public int[] placementOrder() {
    int[] order = new int[nodes()];
    for (int r = 0, i = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        order[i++] = r * cols + (r % 2 == 0 ? j : cols - 1 - j);
      }
    }
    return order;
  }
}
