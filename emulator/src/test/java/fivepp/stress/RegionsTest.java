package fivepp.stress;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.Mapping;
import fivepp.mapping.Tiling;
import fivepp.model.Zoo;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A network cut into regions that run in windows of up to the lookahead L = min(router delay,
 * credit delay) cycles and exchange packets, credits and counters after each gives the same result,
 * bit for bit, as the whole network in one simulator: the ground the cluster stress run stands on.
 */
class RegionsTest {
  static final SimulatorSettings CFG = SimulatorSettings.DEFAULT.withCycles(500, 2_000, 20_000);

  static int[] contiguous(int n, int k) {
    return IntStream.range(0, n).map(v -> (int) ((long) v * k / n)).toArray();
  }

  static int[] interleaved(int n, int k) {
    return IntStream.range(0, n).map(v -> v % k).toArray();
  }

  static void assertSame(StressResult whole, StressResult cut) {
    assertThat(cut).usingRecursiveComparison().ignoringFields("wallSeconds").isEqualTo(whole);
  }

  static void check(RouteTable net, Supplier<Traffic> traffic, SimulatorSettings cfg, Faults faults) {
    StressResult whole = new Simulator(net, traffic.get(), cfg, faults).run();
    assertThat(whole.delivered()).isGreaterThan(100);
    int n = net.nodes;
    for (int[] regions : List.of(contiguous(n, 2), contiguous(n, 3), interleaved(n, 4))) {
      assertSame(whole, Simulator.runRegions(net, traffic, cfg, faults, regions));
      assertSame(whole, Simulator.runRegions(net, traffic, cfg, faults, regions, cfg.lookahead(), 0,
          Simulator.Ahead.INTERIOR));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"5pp", "mesh:8x8", "torus:8x8", "hypercube"})
  void uniformTrafficNearSaturationIsTheSameCutIntoRegions(String spec) {
    Fabric f = Fabrics.parse(spec, 64);
    RouteTable net = new RouteTable(f, Faults.NONE);
    check(net, () -> new SyntheticTraffic("uniform", Pattern.parse("uniform", f, null), f.nodes(), net.aliveNodes(),
        0.35, CFG.packetFlits(), Traffic.Injection.BERNOULLI), CFG, Faults.NONE);
  }

  @Test
  void faultsAndDropsAreTheSameCutIntoRegions() {
    Fabric f = Fabrics.parse("5pp", 64);
    Faults faults = Faults.parse(f, List.of("0-1"), List.of("7"), 0.002, List.of("2-3:4"));
    RouteTable net = new RouteTable(f, faults);
    StressResult whole = new Simulator(net, syntheticUniform(f, net, 0.2), CFG, faults).run();
    assertThat(whole.dropped()).isGreaterThan(20);
    assertThat(whole.drops()).extracting(StressResult.Drop::reason).anyMatch(r -> r.startsWith("corrupted"))
        .anyMatch(r -> r.startsWith("destination node 7"));
    check(net, () -> syntheticUniform(f, net, 0.2), CFG, faults);
  }

  @Test
  void aCnnPipelineWithPeriodicSourcesIsTheSameCutIntoRegions() {
    Mapping m = Mapping.of(Zoo.get("resnet20"), Tiling.DEFAULT, n -> Fabrics.parse("5pp", n), 100e-9);
    RouteTable net = new RouteTable(m.fabric(), Faults.NONE);
    check(net, () -> new CnnTraffic(m, net.aliveNodes(), 0.9, m.bandwidth().busiestGbps(), CFG.packetFlits(),
        Traffic.Injection.PERIODIC), CFG, Faults.NONE);
  }

  @Test
  void aRegionAloneRefusesToRunAsTheWholeNetwork() {
    Fabric f = Fabrics.parse("mesh:4x4", 16);
    RouteTable net = new RouteTable(f, Faults.NONE);
    Simulator half = new Simulator(net, syntheticUniform(f, net, 0.1), CFG, Faults.NONE, contiguous(16, 2), 0);
    org.assertj.core.api.Assertions.assertThatThrownBy(half::run).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lockstep");
  }

  /** Router and credit delay both {@code l}: a lookahead of {@code l}. */
  static SimulatorSettings lookahead(int l) {
    return CFG.withRouterDelay(l).withCreditDelay(l);
  }

  static StressResult uniform5pp(SimulatorSettings cfg, int[] regions, int window, int early) {
    return uniform5pp(cfg, regions, window, early, Simulator.Ahead.NO);
  }

  static StressResult uniform5pp(SimulatorSettings cfg, int[] regions, int window, int early, Simulator.Ahead ahead) {
    Fabric f = Fabrics.parse("5pp", 64);
    RouteTable net = new RouteTable(f, Faults.NONE);
    Supplier<Traffic> t = () -> syntheticUniform(f, net, 0.3);
    return regions == null ? new Simulator(net, t.get(), cfg, Faults.NONE).run()
        : Simulator.runRegions(net, t, cfg, Faults.NONE, regions, window, early, ahead);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void regionsExchangingEveryLCyclesGiveTheOneJvmResult(int l) {
    SimulatorSettings cfg = lookahead(l);
    assertThat(cfg.lookahead()).isEqualTo(l);
    Fabric f = Fabrics.parse("5pp", 64);
    RouteTable net = new RouteTable(f, Faults.NONE);
    check(net, () -> syntheticUniform(f, net, 0.3), cfg, Faults.NONE);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void faultsAndAPipelineWithALookaheadAreTheSameCutIntoRegions(int l) {
    Fabric f = Fabrics.parse("5pp", 64);
    Faults faults = Faults.parse(f, List.of("0-1"), List.of("7"), 0.002, List.of("2-3:4"));
    RouteTable net = new RouteTable(f, faults);
    check(net, () -> syntheticUniform(f, net, 0.2), lookahead(l).withRouterDelay(l + 1), faults);
    Mapping m = Mapping.of(Zoo.get("resnet20"), Tiling.DEFAULT, n -> Fabrics.parse("5pp", n), 100e-9);
    RouteTable cnn = new RouteTable(m.fabric(), Faults.NONE);
    check(cnn, () -> new CnnTraffic(m, cnn.aliveNodes(), 0.9, m.bandwidth().busiestGbps(), CFG.packetFlits(),
        Traffic.Injection.PERIODIC), lookahead(l), Faults.NONE);
  }

  @Test
  void windowsShorterThanTheLookaheadGiveTheSameResult() {
    SimulatorSettings cfg = lookahead(4);
    StressResult whole = uniform5pp(cfg, null, 0, 0);
    // the phases look 4 cycles back, and still every packet created is accounted for at the end
    assertThat(whole.delivered()).isGreaterThan(1_000).isEqualTo(whole.generated());
    assertThat(whole.measuredDone()).isEqualTo(whole.measured());
    for (int window : new int[] {1, 2, 3, 4}) {
      assertSame(whole, uniform5pp(cfg, interleaved(64, 3), window, 0));
      assertSame(whole, uniform5pp(cfg, contiguous(64, 3), window, 0, Simulator.Ahead.INTERIOR));
    }
    // the credit delay is in the model: the same run with credits back after 1 cycle differs
    StressResult fastCredits = uniform5pp(cfg.withCreditDelay(1), null, 0, 0);
    assertThat(fastCredits.avgLatency()).isLessThan(whole.avgLatency());
  }

  /**
   * The check above can fail: the same regions, but what one region hands another (packets ready at
   * the next router, credits back upstream) counting one cycle sooner than the lookahead allows,
   * give another result, with packets faster than in the one JVM.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void handOversAppliedOneCycleEarlyChangeTheResult(int l) {
    SimulatorSettings cfg = lookahead(l);
    StressResult whole = uniform5pp(cfg, null, 0, 0);
    assertSame(whole, uniform5pp(cfg, interleaved(64, 2), l, 0));
    StressResult early = uniform5pp(cfg, interleaved(64, 2), l, 1);
    assertThat(early).usingRecursiveComparison().ignoringFields("wallSeconds").isNotEqualTo(whole);
    assertThat(early.avgLatency()).isLessThan(whole.avgLatency());
    assertThat(early.generated()).isEqualTo(early.delivered());
    // and so with the interiors running ahead of the steps in flight
    assertSame(whole, uniform5pp(cfg, interleaved(64, 2), l, 0, Simulator.Ahead.INTERIOR));
    StressResult earlyAhead = uniform5pp(cfg, interleaved(64, 2), l, 1, Simulator.Ahead.INTERIOR);
    assertThat(earlyAhead).usingRecursiveComparison().ignoringFields("wallSeconds").isNotEqualTo(whole);
    assertThat(earlyAhead.avgLatency()).isLessThan(whole.avgLatency());
  }

  /**
   * Regions that run their interior's next window while the steps of this one travel, as members
   * do: with the drain limit 0, traffic never waits on the counters, so every window after the first
   * runs ahead, in warm-up, measurement and the flush alike; the result is the one JVM's.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void interiorsRunningAheadOfTheStepsGiveTheOneJvmResult(int l) {
    SimulatorSettings cfg = lookahead(l).withCycles(200, 1_000, 0);
    Fabric f = Fabrics.parse("5pp", 64);
    RouteTable net = new RouteTable(f, Faults.NONE);
    StressResult whole = new Simulator(net, syntheticUniform(f, net, 0.3), cfg, Faults.NONE).run();
    assertThat(whole.delivered()).isGreaterThan(1_000).isEqualTo(whole.generated());
    int[] regionOf = contiguous(64, 2);
    Simulator[] rs = {new Simulator(net, syntheticUniform(f, net, 0.3), cfg, Faults.NONE, regionOf, 0).overlap(),
        new Simulator(net, syntheticUniform(f, net, 0.3), cfg, Faults.NONE, regionOf, 1).overlap()};
    int cycle = 0;
    int ahead = 0;
    boolean go = true;
    while (go) {
      for (int c = cycle; go && c < cycle + l; c++) {
        go = rs[0].next(c) & rs[1].next(c);
        if (go) {
          rs[0].step(c);
          rs[1].step(c);
        } else {
          cycle = c;
        }
      }
      if (go) {
        cycle += l;
        for (Simulator r : rs) {
          ahead += r.ahead(cycle, l);
        }
        rs[1].receive(rs[0].outbox(1));
        rs[0].receive(rs[1].outbox(0));
        rs[0].outbox(1).clear();
        rs[1].outbox(0).clear();
      }
    }
    assertSame(whole, Simulator.result(net, syntheticUniform(f, net, 0.3), cfg, Faults.NONE,
        Tally.sum(List.of(rs[0].tally(), rs[1].tally())), cycle, whole.wallSeconds()));
    // after each window run whole (every one before the window of the last cycle), both regions ran
    // the next one's interior ahead
    assertThat(ahead).isEqualTo(2 * (whole.cycles() / l) * l);
  }

  /**
   * With a drain, whether traffic runs after the measurement hangs on the counters of the steps in
   * flight: the interiors wait for them there, and the result is still the one JVM's.
   */
  @Test
  void interiorsWaitForTheStepsWhileTheDrainDecidesTheTraffic() {
    SimulatorSettings cfg = lookahead(4);
    assertThat(cfg.drainLimit()).isEqualTo(20_000);
    assertSame(uniform5pp(cfg, null, 0, 0), uniform5pp(cfg, contiguous(64, 2), 4, 0, Simulator.Ahead.INTERIOR));
  }

  /**
   * The overlapped check can fail: when every router of a region runs ahead of the steps in flight,
   * those next to another region too, the packets and credits handed to them arrive after the
   * cycles they were due in, and the result differs from the one JVM's (here the run even ends at
   * another cycle).
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void routersNextToAnotherRegionRunningAheadChangeTheResult(int l) {
    SimulatorSettings cfg = lookahead(l);
    StressResult whole = uniform5pp(cfg, null, 0, 0);
    assertSame(whole, uniform5pp(cfg, contiguous(64, 2), l, 0, Simulator.Ahead.INTERIOR));
    StressResult wrong = uniform5pp(cfg, contiguous(64, 2), l, 0, Simulator.Ahead.EVERY_ROUTER);
    assertThat(wrong).usingRecursiveComparison().ignoringFields("wallSeconds").isNotEqualTo(whole);
    assertThat(wrong.cycles()).isNotEqualTo(whole.cycles());
  }

  @Test
  void aWindowLongerThanTheLookaheadIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> uniform5pp(lookahead(2), contiguous(64, 2), 3, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a window of 3 cycles: give 1 to the lookahead, 2");
  }

  /** Regions stepped further apart than the lookahead by hand: the first late packet is refused. */
  @Test
  void aPacketArrivingAfterItWasDueIsRefused() {
    Fabric f = Fabrics.parse("5pp", 64);
    RouteTable net = new RouteTable(f, Faults.NONE);
    SimulatorSettings cfg = lookahead(2);
    Simulator[] rs = new Simulator[2];
    for (int r = 0; r < 2; r++) {
      rs[r] = new Simulator(net, syntheticUniform(f, net, 0.9), cfg, Faults.NONE, interleaved(64, 2), r);
    }
    for (int cycle = 0; cycle < 3; cycle++) {
      for (Simulator r : rs) {
        assertThat(r.next(cycle)).isTrue();
        r.step(cycle);
      }
    }
    assertThat(rs[0].outbox(1).packets()).isNotEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> rs[1].receive(rs[0].outbox(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("arrived after cycle 2")
        .hasMessageContaining("further apart than the lookahead, 2");
  }

  static Traffic syntheticUniform(Fabric f, RouteTable net, double rate) {
    return new SyntheticTraffic("uniform", Pattern.parse("uniform", f, null), f.nodes(), net.aliveNodes(), rate,
        CFG.packetFlits(), Traffic.Injection.BERNOULLI);
  }
}
