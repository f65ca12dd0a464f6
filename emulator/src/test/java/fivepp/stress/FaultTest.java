package fivepp.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Faults: routes avoid them, and every packet is delivered or reported dropped. */
class FaultTest {
  static final SimulatorSettings SHORT = SimulatorSettings.DEFAULT.withCycles(1_000, 5_000, 10_000);

  static StressResult uniform(Fabric f, double rate, Faults faults, SimulatorSettings cfg) {
    return Simulator.run(f, net -> new SyntheticTraffic("uniform", Pattern.parse("uniform", f, null), f.nodes(),
        net.aliveNodes(), rate, cfg.packetFlits(), Traffic.Injection.BERNOULLI), cfg, faults);
  }

  @Test
  void oneFailedLinkOn5ppAtHalfSaturationDeliversEveryPacket() {
    Fabric pp = Fabrics.parse("5pp", 64);
    double saturation = Sweep.run("5pp", new double[] {0.3, 0.5, 0.7},
        r -> uniform(pp, r, Faults.NONE, SHORT)).saturation().throughput();
    assertThat(saturation).isBetween(0.25, 0.45);
    Faults cut = Faults.parse(pp, List.of("31-32"), List.of(), 0, List.of());
    StressResult r = uniform(pp, saturation / 2, cut, SHORT);
    assertThat(r.reroutedPairs()).isGreaterThan(0);
    assertThat(r.generated()).isGreaterThan(1_000);
    assertThat(r.delivered()).isEqualTo(r.generated());
    assertThat(r.dropped()).isZero();
    assertThat(r.sustained()).isTrue();
    int forward = List.of(r.channelNames()).indexOf("31->32");
    int back = List.of(r.channelNames()).indexOf("32->31");
    assertThat(r.channelUtilisation()[forward]).isZero();
    assertThat(r.channelUtilisation()[back]).isZero();
  }

  @Test
  void withADropRateDeliveredPlusDroppedIsInjectedExactly() {
    Fabric mesh = Fabrics.parse("mesh:8x8", 64);
    Faults lossy = Faults.parse(mesh, List.of(), List.of(), 0.01, List.of());
    StressResult r = uniform(mesh, 0.3, lossy, SHORT);
    assertThat(r.dropped()).isGreaterThan(50);
    assertThat(r.delivered() + r.dropped()).isEqualTo(r.generated());
    Set<String> ids = new HashSet<>();
    for (StressResult.Drop d : r.drops()) {
      assertThat(d.reason()).startsWith("corrupted on link ");
      assertThat(ids.add(d.id())).isTrue();
      assertThat(mesh.adjacent(Integer.parseInt(d.reason().replaceAll("corrupted on link (\\d+)->.*", "$1")), d.node()))
          .isTrue();
    }
    // about 1% per hop over 5.33 hops on average
    double expected = 1 - Math.pow(0.99, 16.0 / 3);
    assertThat((double) r.dropped() / r.generated()).isBetween(0.6 * expected, 1.4 * expected);
  }

  @Test
  void aFailedNodeSendsNothingAndPacketsForItAreDroppedWithTheReason() {
    Fabric pp = Fabrics.parse("5pp", 40);
    Faults dead = Faults.parse(pp, List.of(), List.of("20"), 0, List.of());
    StressResult r = uniform(pp, 0.1, dead, SHORT);
    assertThat(r.sources()).isEqualTo(39);
    assertThat(r.dropped()).isGreaterThan(0);
    // 1 in 39 destinations is gone: that share of the offered load is lost, the rest accepted
    assertThat(r.lost()).isBetween(0.1 / 39 * 0.5, 0.1 / 39 * 1.5);
    assertThat(r.sustained()).isTrue();
    assertThat(r.drops()).allSatisfy(d -> {
      assertThat(d.dst()).isEqualTo(20);
      assertThat(d.reason()).isEqualTo("destination node 20 failed");
    });
    assertThat(r.delivered() + r.dropped()).isEqualTo(r.generated());
    for (int c = 0; c < r.channelNames().length; c++) {
      if (r.channelNames()[c].startsWith("20->") || r.channelNames()[c].endsWith("->20")) {
        assertThat(r.channelUtilisation()[c]).isZero();
      }
    }
  }

  @Test
  void aCutNetworkDropsPacketsWithNoPath() {
    Fabric ring = Fabrics.parse("ring", 8);
    Faults cut = Faults.parse(ring, List.of("0-1", "4-5"), List.of(), 0, List.of());
    StressResult r = uniform(ring, 0.2, cut, SHORT);
    assertThat(r.dropped()).isGreaterThan(0);
    assertThat(r.drops()).allSatisfy(d -> {
      assertThat(d.reason()).isEqualTo("no path from " + d.src() + " to " + d.dst()
          + " avoiding the failed links and nodes");
      assertThat((d.src() >= 1 && d.src() <= 4) != (d.dst() >= 1 && d.dst() <= 4)).isTrue();
    });
    assertThat(r.delivered() + r.dropped()).isEqualTo(r.generated());
  }

  @Test
  void cyclicRoutingGetsMoreClassesAndNeverDeadlocksFarAboveSaturation() {
    for (String spec : List.of("torus:8x8", "ring", "5pp")) {
      Fabric f = Fabrics.parse(spec, 32);
      Faults faults = spec.equals("5pp") ? Faults.parse(f, List.of("10-11", "20-21", "15-17"), List.of("25"), 0,
          List.of("3-4:5")) : Faults.NONE;
      RouteTable net = new RouteTable(f, faults);
      assertThat(net.classes()).as(spec).isGreaterThan(spec.equals("5pp") ? 0 : 1);
      StressResult r = uniform(f, 0.9, faults, SHORT.withCycles(500, 3_000, 0).withPacketFlits(8, 8).withVcs(1));
      assertThat(r.delivered() + r.dropped()).as(spec).isEqualTo(r.generated());
      assertThat(r.accepted()).isLessThan(r.offered());
    }
  }

  @Test
  void acyclicRoutingFunctionsNeedOneClass() {
    for (String spec : List.of("5pp", "kpp:3", "mesh:8x8", "hypercube")) {
      assertThat(new RouteTable(Fabrics.parse(spec, 64), Faults.NONE).classes()).as(spec).isEqualTo(1);
    }
  }

  @Test
  void aFaultThatIsNotInTheFabricIsRefused() {
    Fabric pp = Fabrics.parse("5pp", 64);
    assertThatThrownBy(() -> Faults.parse(pp, List.of("0-9"), List.of(), 0, List.of()))
        .hasMessage("--fail-link 0-9: 5PP(64) has no link 0-9");
    assertThatThrownBy(() -> Faults.parse(pp, List.of(), List.of("64"), 0, List.of()))
        .hasMessageContaining("'64' is not a node of 5PP(64)");
    assertThatThrownBy(() -> Faults.parse(pp, List.of(), List.of(), 1.0, List.of()))
        .hasMessageContaining("--drop-rate 1.0");
    assertThatThrownBy(() -> Faults.parse(pp, List.of(), List.of(), 0, List.of("1-2:x")))
        .hasMessageContaining("CYCLES must be a whole number");
  }

  @Test
  void deadlockFreedomEachClassDependencyGraphIsAcyclic() {
    Fabric f = Fabrics.parse("torus:6x6", 36);
    Faults faults = Faults.parse(f, List.of("0-1", "7-13"), List.of("20"), 0, List.of());
    RouteTable net = new RouteTable(f, faults);
    // rebuild each class's channel dependency graph from the routes and check it has no cycle (Kahn)
    for (int cls = 0; cls < net.classes(); cls++) {
      int c = net.channels;
      List<Set<Integer>> next = new java.util.ArrayList<>();
      for (int i = 0; i < c; i++) {
        next.add(new HashSet<>());
      }
      for (int pair = 0; pair < net.routeOff.length; pair++) {
        int off = net.routeOff[pair];
        for (int h = 1; off >= 0 && h < net.routeLen[pair]; h++) {
          if (net.routeCls[off + h] == cls && net.routeCls[off + h - 1] == cls) {
            next.get(net.routeCh[off + h - 1]).add(net.routeCh[off + h]);
          }
          assertThat(net.routeCls[off + h]).isGreaterThanOrEqualTo(net.routeCls[off + h - 1]);
          assertThat(net.chAlive[net.routeCh[off + h]]).isTrue();
        }
      }
      assertThat(acyclic(next)).as("class %d acyclic", cls).isTrue();
    }
  }

  /** True when the graph whose vertex i has the successors next.get(i) has no cycle (Kahn). */
  static boolean acyclic(List<Set<Integer>> next) {
    int c = next.size();
    int[] indegree = new int[c];
    next.forEach(s -> s.forEach(b -> indegree[b]++));
    java.util.ArrayDeque<Integer> ready = new java.util.ArrayDeque<>();
    for (int i = 0; i < c; i++) {
      if (indegree[i] == 0) {
        ready.add(i);
      }
    }
    int seen = 0;
    while (!ready.isEmpty()) {
      int a = ready.poll();
      seen++;
      for (int b : next.get(a)) {
        if (--indegree[b] == 0) {
          ready.add(b);
        }
      }
    }
    return seen == c;
  }
}
