package fivepp.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Vertices on cluster members by count: contiguous segments sized to the members' capacities
 * (what a stress run's routers, all alike, need), or the explicit assignment a user gives with
 * {@code --members-placement}. An array's cores, whose work differs by orders of magnitude, are
 * placed by {@link WorkPlacement} instead.
 */
public final class MemberSegments {
  private MemberSegments() {}

  /**
   * Cuts the sorted {@code vertices} into one contiguous segment per member (in address order),
   * each proportional to the member's capacity and never above it.
   *
   * @throws IllegalArgumentException when the members cannot host them all
   */
  public static Map<String, int[]> cut(int[] vertices, List<Member.Info> members) {
    int[] v = vertices.clone();
    Arrays.sort(v);
    List<Member.Info> ms = new ArrayList<>(members);
    ms.sort((a, b) -> a.address().compareTo(b.address()));
    long capacity = ms.stream().mapToLong(Member.Info::capacity).sum();
    if (capacity < v.length) {
      throw new IllegalArgumentException("the cluster's " + ms.size() + " member(s) host at most " + capacity
          + " vertices and the array needs " + v.length + ": start more members or raise their --capacity");
    }
    Map<String, int[]> out = new LinkedHashMap<>();
    int from = 0;
    long capLeft = capacity;
    for (Member.Info m : ms) {
      int remaining = v.length - from;
      capLeft -= m.capacity();
      int take = (int) Math.min(m.capacity(), Math.round(remaining * (double) m.capacity() / (capLeft + m.capacity())));
      take = (int) Math.max(take, remaining - capLeft);
      if (take > 0) {
        out.put(m.address(), Arrays.copyOfRange(v, from, from + take));
      }
      from += take;
    }
    return out;
  }

  /**
   * Parses {@code --members-placement}: {@code HOST:PORT=FROM-TO[+FROM-TO...]} per member,
   * comma-separated, in fabric vertices.
   */
  public static Map<String, int[]> parse(String spec) {
    Map<String, int[]> out = new TreeMap<>();
    for (String part : spec.split(",")) {
      String[] kv = part.trim().split("=", 2);
      if (kv.length != 2 || kv[0].isBlank()) {
        throw new IllegalArgumentException("--members-placement '" + part.trim()
            + "': give HOST:PORT=FROM-TO[+FROM-TO...] per member, e.g. 127.0.0.1:25521=0-29,127.0.0.1:25522=30-59");
      }
      List<Integer> vs = new ArrayList<>();
      for (String range : kv[1].split("\\+")) {
        String[] ft = range.trim().split("-", 2);
        try {
          int a = Integer.parseInt(ft[0].trim());
          int b = ft.length == 2 ? Integer.parseInt(ft[1].trim()) : a;
          if (a < 0 || b < a) {
            throw new NumberFormatException();
          }
          for (int x = a; x <= b; x++) {
            vs.add(x);
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--members-placement: '" + range.trim() + "' is not a vertex range FROM-TO");
        }
      }
      out.put(kv[0].trim(), vs.stream().mapToInt(Integer::intValue).toArray());
    }
    return out;
  }

  /** Checks an explicit assignment against the array and the members that are up. */
  public static Map<String, int[]> explicit(int[] vertices, List<Member.Info> members, Map<String, int[]> given) {
    Map<String, int[]> out = new LinkedHashMap<>();
    Set<Integer> need = new HashSet<>();
    for (int v : vertices) {
      need.add(v);
    }
    Set<Integer> seen = new HashSet<>();
    for (Map.Entry<String, int[]> e : given.entrySet()) {
      Member.Info m = members.stream().filter(i -> i.address().endsWith("@" + e.getKey()) || i.address().equals(e.getKey()))
          .findFirst().orElseThrow(() -> new IllegalArgumentException("--members-placement names " + e.getKey()
              + ", which is not a member that is up"));
      List<Integer> mine = new ArrayList<>();
      for (int v : e.getValue()) {
        if (!seen.add(v)) {
          throw new IllegalArgumentException("--members-placement places vertex " + v + " twice");
        }
        if (need.contains(v)) {
          mine.add(v);
        }
      }
      if (mine.size() > m.capacity()) {
        throw new IllegalArgumentException("--members-placement gives " + mine.size() + " vertices to " + e.getKey()
            + ", whose capacity is " + m.capacity());
      }
      if (!mine.isEmpty()) {
        out.put(m.address(), mine.stream().mapToInt(Integer::intValue).toArray());
      }
    }
    need.removeAll(seen);
    if (!need.isEmpty()) {
      throw new IllegalArgumentException("--members-placement leaves vertices " + new java.util.TreeSet<>(need)
          + " of the array on no member");
    }
    return out;
  }
}
