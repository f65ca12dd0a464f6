package fivepp.fabric;

/**
 * kPP(N): vertices 0..N-1 with a link between i and j exactly when {@code 1 <= |i - j| <= k}.
 * 5PP, the 5 Parallel Prism, is k = 5. A flow to a non-neighbour is forwarded through intermediate
 * cores, each hop advancing as far as a link reaches ({@code ceil(|i - j| / k)} hops).
 */
public final class KppFabric extends AbstractFabric {
  private final int k;
  private final int n;

  public KppFabric(int k, int n) {
    if (k < 1 || n < 1) {
      throw new IllegalArgumentException("kPP needs k >= 1 and N >= 1, got k=" + k + ", N=" + n);
    }
    this.k = k;
    this.n = n;
  }

  public int k() {
    return k;
  }

  @Override
  public String spec() {
    return k == 5 ? "5pp" : "kpp:" + k;
  }

  @Override
  public String describe() {
    return k + "PP(" + n + ")";
  }

  @Override
  public int nodes() {
    return n;
  }

  @Override
  public boolean adjacent(int a, int b) {
    int d = Math.abs(check(a) - check(b));
    return d >= 1 && d <= k;
  }

  @Override
  public int[] neighbors(int v) {
    int lo = Math.max(0, check(v) - k);
    int hi = (int) Math.min(n - 1L, (long) v + k);
    int[] out = new int[hi - lo];
    int i = 0;
    for (int u = lo; u <= hi; u++) {
      if (u != v) {
        out[i++] = u;
      }
    }
    return out;
  }

  @Override
  public long links() {
    long sum = 0;
    for (int d = 1; d <= Math.min(k, n - 1); d++) {
      sum += n - d;
    }
    return sum;
  }

  @Override
  public int maxDegree() {
    return (int) Math.min(2L * k, n - 1);
  }

  @Override
  public int diameter() {
    return n > 1 ? ceilDiv(n - 1, k) : 0;
  }

  @Override
  public int[] route(int from, int to) {
    int distance = Math.abs(check(to) - check(from));
    int step = from < to ? 1 : -1;
    int[] path = new int[ceilDiv(distance, k) + 1];
    path[0] = from;
    for (int i = 1, at = from; i < path.length; i++) {
      at += step * Math.min(k, Math.abs(to - at));
      path[i] = at;
    }
    return path;
  }

  @Override
  public int nextHop(int from, int to) {
    return check(from) < check(to) ? from + Math.min(k, to - from) : from - Math.min(k, from - to);
  }

  @Override
  public int[] placementOrder() {
    return identity(n);
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
