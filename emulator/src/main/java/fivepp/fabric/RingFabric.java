package fivepp.fabric;

/** A ring of n vertices, vertex i linked to i +- 1 mod n; routes go the shorter way, increasing on a tie. */
public final class RingFabric extends AbstractFabric {
  private final int n;

  public RingFabric(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("ring needs n >= 1, got " + n);
    }
    this.n = n;
  }

  @Override
  public String spec() {
    return "ring";
  }

  @Override
  public String describe() {
    return "ring(" + n + ")";
  }

  @Override
  public int nodes() {
    return n;
  }

  @Override
  public boolean adjacent(int a, int b) {
    int d = Math.abs(check(a) - check(b));
    return d == 1 || (d > 1 && d == n - 1);
  }

  @Override
  public int[] neighbors(int v) {
    return distinctSorted(check(v), (v + 1) % n, (v + n - 1) % n);
  }

  @Override
  public long links() {
    return n >= 3 ? n : n - 1;
  }

  @Override
  public int maxDegree() {
    return Math.min(2, n - 1);
  }

  @Override
  public int diameter() {
    return n / 2;
  }

  @Override
  public int[] route(int from, int to) {
    int forward = Math.floorMod(check(to) - check(from), n);
    boolean up = forward <= n - forward;
    int[] path = new int[(up ? forward : n - forward) + 1];
    for (int i = 0; i < path.length; i++) {
      path[i] = Math.floorMod(up ? from + i : from - i, n);
    }
    return path;
  }

  @Override
  public int nextHop(int from, int to) {
    int forward = Math.floorMod(check(to) - check(from), n);
    return Math.floorMod(forward <= n - forward ? from + 1 : from - 1, n);
  }

  @Override
  public int[] placementOrder() {
    return identity(n);
  }
}
