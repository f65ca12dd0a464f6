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
 * A network cut into regions that run in lockstep and exchange packets and credits gives the same
 * result, bit for bit, as the whole network in one simulator: the ground the cluster stress run
 * stands on.
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

  static Traffic syntheticUniform(Fabric f, RouteTable net, double rate) {
    return new SyntheticTraffic("uniform", Pattern.parse("uniform", f, null), f.nodes(), net.aliveNodes(), rate,
        CFG.packetFlits(), Traffic.Injection.BERNOULLI);
  }
}
