package fivepp.fabric;

/**
 * The d-dimensional hypercube: 2^d vertices, linked when their addresses differ in one bit. Routing
 * is e-cube (differing bits corrected from the lowest to the highest); placement follows the
 * reflected binary Gray code, so consecutive cores are neighbours.
 */
public final class HypercubeFabric extends AbstractFabric {
  private final int dimension;

  public HypercubeFabric(int dimension) {
    if (dimension < 0 || dimension > 30) {
      throw new IllegalArgumentException("hypercube needs 0 <= dimension <= 30, got " + dimension);
    }
    this.dimension = dimension;
  }

  public int dimension() {
    return dimension;
  }

  @Override
  public String spec() {
    return "hypercube";
  }

  @Override
  public String describe() {
    return "hypercube(" + nodes() + ")";
  }

  @Override
  public int nodes() {
    return 1 << dimension;
  }

  @Override
  public boolean adjacent(int a, int b) {
    return Integer.bitCount(check(a) ^ check(b)) == 1;
  }

  @Override
  public int[] neighbors(int v) {
    int[] out = new int[dimension];
    for (int bit = 0; bit < dimension; bit++) {
      out[bit] = check(v) ^ (1 << bit);
    }
    java.util.Arrays.sort(out);
    return out;
  }

  @Override
  public long links() {
    return dimension == 0 ? 0 : (long) dimension << (dimension - 1);
  }

  @Override
  public int maxDegree() {
    return dimension;
  }

  @Override
  public int diameter() {
    return dimension;
  }

  @Override
  public int[] route(int from, int to) {
    int diff = check(from) ^ check(to);
    int[] path = new int[Integer.bitCount(diff) + 1];
    path[0] = from;
    for (int i = 1, at = from; i < path.length; i++) {
      int lowest = Integer.lowestOneBit(at ^ to);
      at ^= lowest;
      path[i] = at;
    }
    return path;
  }

  @Override
  public int nextHop(int from, int to) {
    return check(from) ^ Integer.lowestOneBit(from ^ check(to));
  }

  @Override
  public int[] placementOrder() {
    int[] order = new int[nodes()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i ^ (i >>> 1);
    }
    return order;
  }
}
