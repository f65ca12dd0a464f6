package fivepp.mapping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Placement search for kPP: an ordering of the cores that keeps every flow's two ends close. A
 * flow whose ends are at most k positions apart rides one link of kPP, so the ordering's
 * bandwidth (the largest span of a flow) is the smallest k this ordering embeds in.
 *
 * <p>The search starts from the cores in layer order and from a Cuthill-McKee order, keeps the
 * better, and improves it by moving one core at a time to the position that most lowers
 * (largest span, number of flows at that span, sum of spans), within a window of twice the
 * largest span, until no move helps. The improvement runs on graphs of up to
 * {@value #IMPROVE_LIMIT} cores.
 */
public final class LinearOrder {
  static final int IMPROVE_LIMIT = 400;

  private LinearOrder() {}

  /** The best order found: {@code order[position] = core}. */
  public static int[] search(CoreGraph g) {
    int n = g.cores().size();
    int[][] edges = edges(g);
    int[] byId = new int[n];
    Arrays.setAll(byId, i -> i);
    int[] cm = cuthillMcKee(n, edges);
    int[] best = cost(positions(byId), edges).compareTo(cost(positions(cm), edges)) <= 0 ? byId : cm;
    if (n <= IMPROVE_LIMIT) {
      best = improve(best, edges);
    }
    return best;
  }

  /** The largest span of a flow under {@code order}. */
  public static int bandwidth(CoreGraph g, int[] order) {
    return cost(positions(order), edges(g)).max;
  }

  /** A lower bound on the bandwidth of any order: a core with d neighbours needs k >= d/2. */
  public static int lowerBound(CoreGraph g) {
    int[][] edges = edges(g);
    int[] deg = new int[g.cores().size()];
    for (int[] e : edges) {
      deg[e[0]]++;
      deg[e[1]]++;
    }
    int max = Arrays.stream(deg).max().orElse(0);
    return (max + 1) / 2;
  }

  /** Distinct undirected core pairs that exchange a flow. */
  static int[][] edges(CoreGraph g) {
    java.util.Set<Long> seen = new java.util.HashSet<>();
    List<int[]> out = new ArrayList<>();
    long n = g.cores().size();
    for (Flow f : g.flows()) {
      int a = Math.min(f.from(), f.to());
      int b = Math.max(f.from(), f.to());
      if (seen.add(a * n + b)) {
        out.add(new int[] {a, b});
      }
    }
    return out.toArray(new int[0][]);
  }

  private static int[] positions(int[] order) {
    int[] pos = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      pos[order[i]] = i;
    }
    return pos;
  }

  private record Cost(int max, int atMax, long sum) implements Comparable<Cost> {
    @Override
    public int compareTo(Cost o) {
      if (max != o.max) {
        return Integer.compare(max, o.max);
      }
      if (atMax != o.atMax) {
        return Integer.compare(atMax, o.atMax);
      }
      return Long.compare(sum, o.sum);
    }
  }

  private static Cost cost(int[] pos, int[][] edges) {
    int max = 0, atMax = 0;
    long sum = 0;
    for (int[] e : edges) {
      int s = Math.abs(pos[e[0]] - pos[e[1]]);
      sum += s;
      if (s > max) {
        max = s;
        atMax = 1;
      } else if (s == max) {
        atMax++;
      }
    }
    return new Cost(max, atMax, sum);
  }

  /** Cuthill-McKee: breadth-first from the lowest core, neighbours by ascending degree. */
  private static int[] cuthillMcKee(int n, int[][] edges) {
    List<List<Integer>> adj = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      adj.add(new ArrayList<>());
    }
    for (int[] e : edges) {
      adj.get(e[0]).add(e[1]);
      adj.get(e[1]).add(e[0]);
    }
    for (List<Integer> a : adj) {
      a.sort((x, y) -> adj.get(x).size() != adj.get(y).size()
          ? Integer.compare(adj.get(x).size(), adj.get(y).size()) : Integer.compare(x, y));
    }
    int[] order = new int[n];
    boolean[] seen = new boolean[n];
    int head = 0, tail = 0;
    for (int start = 0; start < n; start++) {
      if (seen[start]) {
        continue;
      }
      seen[start] = true;
      order[tail++] = start;
      while (head < tail) {
        for (int v : adj.get(order[head++])) {
          if (!seen[v]) {
            seen[v] = true;
            order[tail++] = v;
          }
        }
      }
    }
    return order;
  }

  /** Moves single cores while a move lowers the cost. */
  private static int[] improve(int[] start, int[][] edges) {
    int n = start.length;
    int[] order = start.clone();
    Cost best = cost(positions(order), edges);
    boolean moved = true;
    for (int round = 0; moved && round < 50; round++) {
      moved = false;
      for (int from = 0; from < n; from++) {
        int bestTo = -1;
        int window = Math.max(16, 2 * best.max);
        for (int to = Math.max(0, from - window); to < Math.min(n, from + window + 1); to++) {
          if (to == from) {
            continue;
          }
          int[] trial = move(order, from, to);
          Cost c = cost(positions(trial), edges);
          if (c.compareTo(best) < 0) {
            best = c;
            bestTo = to;
          }
        }
        if (bestTo >= 0) {
          order = move(order, from, bestTo);
          moved = true;
        }
      }
    }
    return order;
  }

  private static int[] move(int[] order, int from, int to) {
    int[] r = order.clone();
    int v = r[from];
    if (from < to) {
      System.arraycopy(r, from + 1, r, from, to - from);
    } else {
      System.arraycopy(r, to, r, to + 1, from - to);
    }
    r[to] = v;
    return r;
  }
}
