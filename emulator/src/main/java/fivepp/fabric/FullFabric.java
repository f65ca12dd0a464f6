package fivepp.fabric;

/**
 * The fully connected fabric, the ideal: every pair of vertices linked, every flow one hop. Its
 * n^2 links are only materialised by {@link #graph()}.
 */
public final class FullFabric extends AbstractFabric {
  private final int n;

  public FullFabric(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("full needs n >= 1, got " + n);
    }
    this.n = n;
  }

  @Override
  public String spec() {
    return "full";
  }

  @Override
  public String describe() {
    return "full(" + n + ")";
  }

  @Override
  public int nodes() {
    return n;
  }

  @Override
  public boolean adjacent(int a, int b) {
    return check(a) != check(b);
  }

  @Override
  public int[] neighbors(int v) {
    check(v);
    int[] out = new int[n - 1];
    for (int u = 0, i = 0; u < n; u++) {
      if (u != v) {
        out[i++] = u;
      }
    }
    return out;
  }

  @Override
  public long links() {
    return (long) n * (n - 1) / 2;
  }

  @Override
  public int maxDegree() {
    return n - 1;
  }

  @Override
  public int diameter() {
    return n > 1 ? 1 : 0;
  }

  @Override
  public int[] route(int from, int to) {
    return check(from) == check(to) ? new int[] {from} : new int[] {from, to};
  }

  @Override
  public int[] placementOrder() {
    return identity(n);
  }
}
