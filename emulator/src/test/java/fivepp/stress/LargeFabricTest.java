package fivepp.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fabrics above {@link RouteTable#TABLE_NODES} nodes: routes computed hop by hop from the topology,
 * the same as the stored ones, deadlock-free, and the fabrics that cannot be computed refused.
 */
class LargeFabricTest {
  @TempDir Path dir;

  /** Each pair {src, dst, hops}: one packet alone takes hops x R + P cycles, for two router models. */
  static void zeroLoad(Fabric f, int[][] pairs) {
    RouteTable net = new RouteTable(f, Faults.NONE);
    assertThat(net.computed).as("routes computed, not stored").isNotNull();
    assertThat(net.routeOff).isNull();
    for (int[] pair : pairs) {
      assertThat(f.hops(pair[0], pair[1])).isEqualTo(pair[2]);
      for (int[] rp : new int[][] {{1, 20}, {3, 4}}) {
        SimulatorSettings cfg = ZeroLoadLatencyTest.ONE.withRouterDelay(rp[0]).withPacketFlits(rp[1], 2 * rp[1]);
        StressResult r = ZeroLoadLatencyTest.single(net, pair[0], pair[1], cfg);
        String what = String.format("%s %d->%d R=%d P=%d", f.describe(), pair[0], pair[1], rp[0], rp[1]);
        assertThat(r.delivered()).as(what).isEqualTo(1);
        assertThat(r.avgHops()).as(what).isEqualTo(pair[2]);
        assertThat(r.avgLatency()).as(what).isEqualTo(pair[2] * rp[0] + rp[1]);
        assertThat(r.zeroLoadLatency()).as(what).isEqualTo(pair[2] * rp[0] + rp[1]);
        assertThat(r.flitHops()).as(what).isEqualTo((long) pair[2] * rp[1]);
      }
    }
  }

  @Test
  void fivePp4096ZeroLoadLatencyIsHopsTimesDelayPlusFlits() {
    // kPP hops are ceil(|s - d| / 5): 4095 / 5 -> 819, 2031 / 5 -> 407, 1766 / 5 -> 354
    zeroLoad(Fabrics.parse("5pp", 4096), new int[][] {
        {0, 4095, 819}, {4095, 0, 819}, {17, 2048, 407}, {2048, 17, 407}, {3000, 1234, 354}, {1000, 1003, 1}});
  }

  @Test
  void mesh64x64ZeroLoadLatencyIsHopsTimesDelayPlusFlits() {
    // dimension order: |column difference| + |row difference|
    zeroLoad(Fabrics.parse("mesh:64x64", 1), new int[][] {
        {0, 4095, 126}, {4095, 0, 126}, {63, 4032, 126}, {10 * 64 + 5, 40 * 64 + 60, 85}, {2080, 2081, 1}});
  }

  @Test
  void torusAndRingWrapAroundAtSixteenThousandRouters() {
    // torus 128x128: row then column, the shorter way round: 0 -> (64, 127) is 1 + 64 hops
    zeroLoad(Fabrics.parse("torus:128x128", 1), new int[][] {{0, 64 * 128 + 127, 65}, {5, 5 + 127 * 128, 1}});
    zeroLoad(Fabrics.parse("ring", 16384), new int[][] {{0, 8192, 8192}, {1, 16383, 2}});
    zeroLoad(Fabrics.parse("hypercube", 16384), new int[][] {{0, 16383, 14}, {5, 4, 1}});
  }

  @ParameterizedTest
  @ValueSource(strings = {"5pp", "kpp:3", "mesh:8x8", "hypercube", "mesh:3x5"})
  void computedRoutesRunExactlyAsTheStoredOnes(String spec) {
    Fabric f = Fabrics.parse(spec, spec.contains("x") ? 1 : 64);
    SimulatorSettings cfg = SimulatorSettings.DEFAULT.withCycles(500, 3_000, 10_000);
    RouteTable stored = new RouteTable(f, Faults.NONE);
    RouteTable computed = new RouteTable(f, Faults.NONE, true);
    assertThat(stored.computed).isNull();
    assertThat(computed.classes()).isEqualTo(stored.classes()).isEqualTo(1);
    StressResult a = new Simulator(stored, RegionsTest.syntheticUniform(f, stored, 0.3), cfg, Faults.NONE).run();
    StressResult b = new Simulator(computed, RegionsTest.syntheticUniform(f, computed, 0.3), cfg, Faults.NONE).run();
    assertThat(a.delivered()).isGreaterThan(500);
    RegionsTest.assertSame(a, b);
  }

  @ParameterizedTest
  @ValueSource(strings = {"torus:8x8", "ring", "5pp"})
  void computedRoutesCutIntoRegionsGiveTheSameRun(String spec) {
    // the class a packet holds travels in the buffer it is handed over to
    Fabric f = Fabrics.parse(spec, 64);
    RouteTable net = new RouteTable(f, Faults.NONE, true);
    RegionsTest.check(net, () -> RegionsTest.syntheticUniform(f, net, spec.equals("torus:8x8") ? 0.3 : 0.1),
        RegionsTest.CFG, Faults.NONE);
  }

  @Test
  void datelineClassesOnTorusAndRing() {
    assertThat(new RouteTable(Fabrics.parse("torus:64x64", 1), Faults.NONE).classes()).isEqualTo(3);
    assertThat(new RouteTable(Fabrics.parse("torus:2x300", 1), Faults.NONE).classes()).isEqualTo(2);
    assertThat(new RouteTable(Fabrics.parse("ring", 1024), Faults.NONE).classes()).isEqualTo(2);
    for (String spec : List.of("5pp", "mesh:32x32", "hypercube", "kpp:2")) {
      assertThat(new RouteTable(Fabrics.parse(spec, 1024), Faults.NONE).classes()).as(spec).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"torus:6x6", "torus:5x7", "torus:2x9", "ring", "mesh:5x6", "5pp"})
  void eachClassOfTheComputedRoutesHasAnAcyclicChannelDependencyGraph(String spec) {
    Fabric f = Fabrics.parse(spec, 9);
    RouteTable net = new RouteTable(f, Faults.NONE, true);
    List<List<Set<Integer>>> deps = new ArrayList<>();
    for (int cls = 0; cls < net.classes(); cls++) {
      List<Set<Integer>> next = new ArrayList<>();
      for (int c = 0; c < net.channels; c++) {
        next.add(new HashSet<>());
      }
      deps.add(next);
    }
    int highest = 0;
    for (int s = 0; s < net.nodes; s++) {
      for (int d = 0; d < net.nodes; d++) {
        int prev = -1;
        int prevCls = 0;
        for (int v = s; v != d; ) {
          int c = net.computed.nextChannel(v, d);
          int cls = net.computed.classAfter(prevCls, c);
          assertThat(cls).isLessThan(net.classes());
          if (prev >= 0 && cls == prevCls) {
            deps.get(cls).get(prev).add(c);
          }
          highest = Math.max(highest, cls);
          prev = c;
          prevCls = cls;
          v = net.chDst[c];
        }
      }
    }
    for (int cls = 0; cls < net.classes(); cls++) {
      assertThat(FaultTest.acyclic(deps.get(cls))).as("%s class %d", spec, cls).isTrue();
    }
    assertThat(highest).as("every class used").isEqualTo(net.classes() - 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"5pp", "kpp:3", "mesh:8x8", "mesh:3x5", "torus:8x8", "torus:5x7", "torus:2x9", "ring",
      "hypercube"})
  void hopByHopRoutesAreTheFabricsRoutes(String spec) {
    for (int size : new int[] {63, 64}) {
      Fabric f = Fabrics.parse(spec, spec.contains("x") ? 1 : size);
      for (int s = 0; s < f.nodes(); s++) {
        for (int d = 0; d < f.nodes(); d++) {
          List<Integer> walked = new ArrayList<>(List.of(s));
          for (int v = s; v != d; walked.add(v)) {
            v = f.nextHop(v, d);
          }
          assertThat(walked).as("%s %d->%d", f.describe(), s, d).containsExactly(
              java.util.Arrays.stream(f.route(s, d)).boxed().toArray(Integer[]::new));
        }
      }
    }
  }

  @Test
  void aLargeTorusFarAboveSaturationDoesNotDeadlock() {
    Fabric f = Fabrics.parse("torus:24x24", 1);
    RouteTable net = new RouteTable(f, Faults.NONE);
    assertThat(net.computed).isNotNull();
    SimulatorSettings cfg = SimulatorSettings.DEFAULT.withCycles(200, 1_000, 0).withPacketFlits(8, 8).withVcs(1);
    StressResult r = new Simulator(net, RegionsTest.syntheticUniform(f, net, 0.9), cfg, Faults.NONE).run();
    assertThat(r.delivered()).isEqualTo(r.generated());
    assertThat(r.accepted()).isLessThan(r.offered());
  }

  @Test
  void whatNeedsStoredRoutesIsRefusedAbove512Nodes() throws Exception {
    assertThatThrownBy(() -> new RouteTable(Fabrics.parse("full", 513), Faults.NONE))
        .hasMessage("full(513) has 513 nodes; the stress simulator takes fabric files and the fully connected fabric"
            + " up to 512 (kpp, 5pp, mesh, torus, ring and hypercube go beyond)");
    StringBuilder ring = new StringBuilder();
    for (int v = 0; v < 600; v++) {
      ring.append(v).append(' ').append((v + 1) % 600).append('\n');
    }
    Fabric file = Fabrics.parse("file:" + Files.writeString(dir.resolve("ring.txt"), ring), 1);
    assertThatThrownBy(() -> new RouteTable(file, Faults.NONE)).hasMessageContaining("has 600 nodes; the stress"
        + " simulator takes fabric files and the fully connected fabric up to 512");
    Fabric pp = Fabrics.parse("5pp", 1024);
    assertThatThrownBy(() -> new RouteTable(pp, Faults.parse(pp, List.of(), List.of("7"), 0, List.of())))
        .hasMessage("5PP(1024) has 1024 nodes; routing around failed links or nodes takes up to 512 (leave out"
            + " --fail-link and --fail-node, or use a smaller fabric)");
    // extra delay and corruption do not change routes: fine at any size
    Faults slow = Faults.parse(pp, List.of(), List.of(), 0.01, List.of("0-5:3"));
    assertThat(new RouteTable(pp, slow).computed).isNotNull();
    assertThat(ZeroLoadLatencyTest.single(pp, 0, 10, ZeroLoadLatencyTest.ONE, Faults.parse(pp, List.of(), List.of(),
        0, List.of("0-5:3"))).avgLatency()).isEqualTo(2 + 3 + 20);
  }
}
