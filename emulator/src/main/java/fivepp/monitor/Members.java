package fivepp.monitor;

import fivepp.runtime.LiveStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Each cluster member's share of a run at one moment, and its health. */
public final class Members {
  private Members() {}

  /**
   * One member.
   *
   * @param busy its cores' wall busy added up: about how many of its processors they keep busy
   * @param bytesOutPerSecond bytes per second its cores send to cores on other members
   * @param reachable it answers for its counters (see {@link LiveStats#health})
   * @param lastHeardSecondsAgo since its last answer; -1 if it never answered
   * @param incident why it was lost from the run, or null
   */
  public record Sample(String member, int cores, double mvmsPerSecond, double busy,
      double bytesOutPerSecond, boolean reachable, double lastHeardSecondsAgo, String incident) {}

  /**
   * The members of {@code health} and of the cores' labels, in address order; empty in one JVM
   * (no member was ever heard from).
   */
  public static List<Sample> of(List<Snapshot.CoreSample> cores, List<Snapshot.ChannelSample> channels,
      List<LiveStats.Health> health) {
    if (health.isEmpty()) {
      return List.of();
    }
    Map<Integer, String> memberAt = new HashMap<>();
    Map<String, double[]> acc = new TreeMap<>();
    for (LiveStats.Health h : health) {
      acc.put(h.member(), new double[4]);
    }
    for (Snapshot.CoreSample c : cores) {
      memberAt.put(c.vertex(), c.member());
      double[] a = acc.computeIfAbsent(c.member(), k -> new double[4]);
      a[0]++;
      a[1] += c.mvmsPerSecond();
      a[2] += c.busy();
    }
    for (Snapshot.ChannelSample ch : channels) {
      String to = memberAt.get(ch.to());
      if (to != null && !to.equals(ch.member()) && acc.containsKey(ch.member())) {
        acc.get(ch.member())[3] += ch.bytesPerSecond();
      }
    }
    Map<String, LiveStats.Health> byMember = new HashMap<>();
    health.forEach(h -> byMember.put(h.member(), h));
    List<Sample> out = new ArrayList<>();
    acc.forEach((m, a) -> {
      LiveStats.Health h = byMember.get(m);
      out.add(new Sample(m, (int) a[0], a[1], a[2], a[3], h != null && h.reachable(),
          h == null ? -1 : h.lastHeardSecondsAgo(), h == null ? null : h.incident()));
    });
    return List.copyOf(out);
  }
}
