package fivepp.cli;

import fivepp.mapping.Mapping;
import fivepp.stress.CnnTraffic;
import fivepp.stress.SimulatorSettings;
import fivepp.stress.StressResult;
import fivepp.stress.Sweep;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/** The tables and JSON of {@code fivepp stress}. */
final class StressReport {
  private StressReport() {}

  static String model(SimulatorSettings c) {
    return String.format(Locale.ROOT, "virtual cut-through, %d-flit packets, %d VCs per class of %d flits each,"
        + " %d-cycle hops, credits back after %d cycle%s; %,d warm-up + %,d measured cycles (drain up to %,d), seed %d",
        c.packetFlits(), c.vcsPerClass(), c.bufferFlits(), c.routerDelay(), c.creditDelay(),
        c.creditDelay() == 1 ? "" : "s", c.warmup(), c.measure(), c.drainLimit(), c.seed());
  }

  private static String f3(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String table(StressResult r, int listDrops) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "stress: %s, %d nodes (%d sending), %s%n", r.fabric(), r.nodes(), r.sources(),
        r.traffic()));
    sb.append("faults: ").append(r.faults()).append(r.reroutedPairs() > 0 ? " (" + r.reroutedPairs()
        + " source-destination pairs rerouted)" : "").append('\n');
    int classes = r.vcs() / r.config().vcsPerClass();
    sb.append(String.format(Locale.ROOT, "router: %s%nvirtual channels: %d deadlock-avoidance class%s x %d = %d per input port%n",
        model(r.config()), classes, classes == 1 ? "" : "es", r.config().vcsPerClass(), r.vcs()));
    sb.append(String.format(Locale.ROOT, "latency (cycles): avg %.1f, p99 %.0f, max %.0f; network %.1f; zero-load %.1f; hops avg %.2f%n",
        r.avgLatency(), r.p99Latency(), r.maxLatency(), r.avgNetworkLatency(), r.zeroLoadLatency(), r.avgHops()));
    sb.append(String.format(Locale.ROOT, "throughput (flits/node/cycle): offered %.4f (min %.4f), accepted %.4f (min %.4f)%s%s%n",
        r.offered(), r.minOffered(), r.accepted(), r.minAccepted(),
        r.lost() > 0 ? String.format(Locale.ROOT, ", dropped %.4f", r.lost()) : "", r.sustained() ? ""
            : r.drained() ? ": saturated" : ": saturated, measured packets not all done within the drain limit"));
    int used = (int) IntStream.range(0, r.channelUtilisation().length).filter(c -> r.channelUtilisation()[c] > 0).count();
    sb.append(String.format(Locale.ROOT, "channels: utilisation max %.3f, mean %.3f over %d used of %d%n",
        r.maxUtilisation(), r.meanUtilisation(), used, r.channelUtilisation().length));
    sb.append(String.format(Locale.ROOT, "packets: generated %,d = delivered %,d + dropped %,d (measured %,d)%n",
        r.generated(), r.delivered(), r.dropped(), r.measured()));
    sb.append(String.format(Locale.ROOT, "simulated %,d cycles, %,d flit-hops in %.2f s: %,.0f flit-hops/s%n",
        r.cycles(), r.flitHops(), r.wallSeconds(), r.flitHopsPerSecond()));
    Table t = new Table("channel", "utilisation");
    busiest(r, 5).forEach(c -> t.row(r.channelNames()[c], f3(r.channelUtilisation()[c])));
    sb.append("busiest channels:\n").append(t);
    if (r.dropped() > 0) {
      Map<String, Long> reasons = new LinkedHashMap<>();
      for (StressResult.Drop d : r.drops()) {
        reasons.merge(d.reason().replaceAll("link \\d+->\\d+", "link A->B").replaceAll("node \\d+", "node N")
            .replaceAll("from \\d+ to \\d+", "from A to B"), 1L, Long::sum);
      }
      sb.append("dropped, by reason:\n");
      reasons.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %,d  %s%n", v, k)));
      Table d = new Table("packet", "from", "to", "cycle", "at node", "reason");
      r.drops().stream().limit(listDrops).forEach(x -> d.row(x.id(), x.src(), x.dst(), x.cycle(), x.node(), x.reason()));
      sb.append(d);
      if (r.dropped() > listDrops) {
        sb.append(String.format(Locale.ROOT, "... and %,d more (--format json lists them all)%n", r.dropped() - listDrops));
      }
    }
    return sb.toString();
  }

  private static List<Integer> busiest(StressResult r, int n) {
    return IntStream.range(0, r.channelUtilisation().length).boxed()
        .sorted(Comparator.comparingDouble((Integer c) -> -r.channelUtilisation()[c]).thenComparing(c -> c))
        .limit(n).toList();
  }

  /** Where a run on the cluster ran: each member's nodes, the channels between members, incidents. */
  static Map<String, Object> cluster(fivepp.cluster.ClusterStress.Outcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, String> regions = new LinkedHashMap<>();
    o.regions().forEach((member, nodes) -> regions.put(member, ranges(nodes)));
    m.put("regions", regions);
    m.put("channelsBetweenMembers", o.channelsBetween());
    m.put("exchangeEveryCycles", o.exchangeEvery());
    m.put("stepMessages", o.steps());
    m.put("incidents", o.incidents());
    return m;
  }

  static String clusterTable(fivepp.cluster.ClusterStress.Outcome o) {
    StringBuilder sb = new StringBuilder();
    Table t = new Table("member", "nodes");
    o.regions().forEach((member, nodes) -> t.row(member, ranges(nodes)));
    sb.append(String.format(Locale.ROOT, "on %d cluster member(s), exchanging every %d cycle%s (%,d step messages);"
        + " %d channels between members:%n", o.regions().size(), o.exchangeEvery(), o.exchangeEvery() == 1 ? "" : "s",
        o.steps(), o.channelsBetween()));
    sb.append(t);
    o.incidents().forEach(i -> sb.append("incident: ").append(i).append('\n'));
    return sb.toString();
  }

  /** Sorted nodes as ranges: 0-31+40-47. */
  static String ranges(int[] nodes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < nodes.length; ) {
      int j = i;
      while (j + 1 < nodes.length && nodes[j + 1] == nodes[j] + 1) {
        j++;
      }
      sb.append(sb.length() == 0 ? "" : "+").append(nodes[i]).append(j > i ? "-" + nodes[j] : "");
      i = j + 1;
    }
    return sb.toString();
  }

  static Map<String, Object> json(StressResult r) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("fabric", r.fabric());
    j.put("traffic", r.traffic());
    j.put("faults", r.faults());
    j.put("nodes", r.nodes());
    j.put("sendingNodes", r.sources());
    j.put("vcsPerPort", r.vcs());
    j.put("reroutedPairs", r.reroutedPairs());
    j.put("avgLatency", r.avgLatency());
    j.put("p99Latency", r.p99Latency());
    j.put("maxLatency", r.maxLatency());
    j.put("avgNetworkLatency", r.avgNetworkLatency());
    j.put("zeroLoadLatency", r.zeroLoadLatency());
    j.put("avgHops", r.avgHops());
    j.put("offered", r.offered());
    j.put("minOffered", r.minOffered());
    j.put("accepted", r.accepted());
    j.put("minAccepted", r.minAccepted());
    j.put("lost", r.lost());
    j.put("sustained", r.sustained());
    j.put("drained", r.drained());
    j.put("maxChannelUtilisation", r.maxUtilisation());
    j.put("meanChannelUtilisation", r.meanUtilisation());
    List<Map<String, Object>> ch = new ArrayList<>();
    for (int c = 0; c < r.channelUtilisation().length; c++) {
      String[] ends = r.channelNames()[c].split("->");
      ch.add(Map.of("from", Integer.parseInt(ends[0]), "to", Integer.parseInt(ends[1]),
          "utilisation", r.channelUtilisation()[c]));
    }
    j.put("channels", ch);
    j.put("generated", r.generated());
    j.put("delivered", r.delivered());
    j.put("dropped", r.dropped());
    j.put("measured", r.measured());
    j.put("drops", r.drops().stream().map(d -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", d.id());
      m.put("from", d.src());
      m.put("to", d.dst());
      m.put("cycle", d.cycle());
      m.put("node", d.node());
      m.put("reason", d.reason());
      return m;
    }).toList());
    j.put("cycles", r.cycles());
    j.put("flitHops", r.flitHops());
    j.put("wallSeconds", r.wallSeconds());
    j.put("flitHopsPerSecond", r.flitHopsPerSecond());
    return j;
  }

  static Map<String, Object> json(Sweep s) {
    Map<String, Object> j = new LinkedHashMap<>();
    Sweep.Saturation sat = s.saturation();
    j.put("fabric", s.label());
    j.put("saturationThroughput", sat.throughput());
    j.put("saturationAtRate", sat.atRate());
    j.put("saturationReached", sat.reached());
    j.put("knee", Double.isNaN(sat.knee()) ? null : sat.knee());
    j.put("points", s.points().stream().map(p -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rate", p.rate());
      m.put("offered", p.result().offered());
      m.put("accepted", p.result().accepted());
      m.put("minAccepted", p.result().minAccepted());
      m.put("avgLatency", p.result().avgLatency());
      m.put("p99Latency", p.result().p99Latency());
      m.put("zeroLoadLatency", p.result().zeroLoadLatency());
      m.put("maxChannelUtilisation", p.result().maxUtilisation());
      m.put("drained", p.result().drained());
      return m;
    }).toList());
    return j;
  }

  static String sweepTable(List<Sweep> sweeps, SimulatorSettings cfg) {
    StringBuilder sb = new StringBuilder("router: " + model(cfg) + "\n");
    Table t = new Table("fabric", "rate", "offered", "accepted", "min acc", "avg lat", "p99 lat", "max util", "done");
    for (Sweep s : sweeps) {
      for (Sweep.Point p : s.points()) {
        StressResult r = p.result();
        t.row(s.label(), f3(p.rate()), f3(r.offered()), f3(r.accepted()), f3(r.minAccepted()), f1(r.avgLatency()),
            String.format(Locale.ROOT, "%.0f", r.p99Latency()), f3(r.maxUtilisation()), r.drained() ? "yes" : "no");
      }
    }
    sb.append(t);
    sb.append("saturation throughput (the largest accepted throughput of the sweep, flits/node/cycle);"
        + " knee (the highest rate accepted in full):\n");
    for (Sweep s : sweeps) {
      Sweep.Saturation sat = s.saturation();
      sb.append(String.format(Locale.ROOT, "  %s: %.3f at rate %.3f; knee %s%s%n", s.label(), sat.throughput(),
          sat.atRate(), Double.isNaN(sat.knee()) ? "none" : String.format(Locale.ROOT, "%.3f", sat.knee()),
          sat.reached() ? "" : " (saturation not reached: accepted kept up with offered at every rate)"));
    }
    return sb.toString();
  }

  static Map<String, Object> width(Mapping m, CnnTraffic.Width w) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("fabric", m.fabric().describe());
    j.put("model", m.graph().network().name());
    j.put("imagesPerSecondBound", m.bandwidth().imagesPerSecond());
    j.put("analysisBusiestChannelGbps", m.bandwidth().busiestGbps());
    j.put("simulatedMinimumLinkGbps", Double.isNaN(w.linkGbps()) ? null : w.linkGbps());
    j.put("run", json(w.run()));
    return j;
  }

  static String widthTable(Mapping m, double scale, CnnTraffic.Width w) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s on %s at %.2f x %,.0f images/s: bandwidth analysis needs %.3f Gbit/s on the busiest channel%n",
        m.graph().network().name(), m.fabric().describe(), scale, m.bandwidth().imagesPerSecond(),
        m.bandwidth().busiestGbps() * scale));
    if (Double.isNaN(w.linkGbps())) {
      sb.append("simulation: not sustained even at 4x that\n");
    } else {
      sb.append(String.format(Locale.ROOT, "simulation: sustained from %.3f Gbit/s links (%.3fx the analysis); there: latency avg %.1f cycles, busiest channel %.3f busy%n",
          w.linkGbps(), w.linkGbps() / (m.bandwidth().busiestGbps() * scale), w.run().avgLatency(),
          w.run().maxUtilisation()));
    }
    return sb.toString();
  }
}
