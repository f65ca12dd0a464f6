package fivepp.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import org.junit.jupiter.api.Test;

/** The 8x8 mesh with 20-flit packets saturates where the literature says, and transpose below uniform. */
class SaturationTest {
  static final SimulatorSettings SHORT = SimulatorSettings.DEFAULT.withCycles(1_000, 5_000, 10_000);

  static Sweep sweep(String fabric, String pattern, double... rates) {
    Fabric f = Fabrics.parse(fabric, 64);
    RouteTable net = new RouteTable(f, Faults.NONE);
    return Sweep.run(f.describe(), rates, r -> new Simulator(net, new SyntheticTraffic(pattern,
        Pattern.parse(pattern, f, null), f.nodes(), net.aliveNodes(), r, 20, Traffic.Injection.BERNOULLI), SHORT,
        Faults.NONE).run());
  }

  @Test
  void meshUniformSaturatesBetween035And050AndTransposeBelowIt() {
    Sweep uniform = sweep("mesh:8x8", "uniform", 0.1, 0.45, 0.6);
    Sweep transpose = sweep("mesh:8x8", "transpose", 0.1, 0.45, 0.6);
    Sweep.Saturation u = uniform.saturation();
    Sweep.Saturation t = transpose.saturation();
    assertThat(u.reached()).isTrue();
    assertThat(t.reached()).isTrue();
    assertThat(u.throughput()).isBetween(0.35, 0.50);
    assertThat(t.throughput()).isLessThan(u.throughput() - 0.05);
    // below saturation the network accepts what is offered, close to zero-load latency
    StressResult low = uniform.points().get(0).result();
    assertThat(low.accepted()).isCloseTo(low.offered(), within(0.002));
    assertThat(low.avgLatency()).isBetween(low.zeroLoadLatency(), 1.3 * low.zeroLoadLatency());
    // uniform on k x k, self excluded: mean hops 2 (k^2 - 1) / 3k x N / (N - 1) = 5.333 for k = 8
    assertThat(low.avgHops()).isCloseTo(2.0 * 63 / 24 * 64 / 63, within(0.1));
    // above saturation: accepted falls short of offered, and every packet still arrives
    StressResult high = uniform.points().get(2).result();
    assertThat(high.accepted()).isLessThan(0.8 * high.offered());
    assertThat(high.generated()).isEqualTo(high.delivered());
    assertThat(high.avgLatency()).isGreaterThan(10 * high.zeroLoadLatency());
  }

  @Test
  void runsAreDeterministicFromTheSeed() {
    Fabric f = Fabrics.parse("torus:4x4", 16);
    RouteTable net = new RouteTable(f, Faults.NONE);
    java.util.function.LongFunction<StressResult> run = seed -> new Simulator(net, new SyntheticTraffic("uniform",
        Pattern.parse("uniform", f, null), 16, net.aliveNodes(), 0.3, 20, Traffic.Injection.POISSON),
        SHORT.withSeed(seed), Faults.NONE).run();
    StressResult a = run.apply(7);
    StressResult b = run.apply(7);
    StressResult c = run.apply(8);
    assertThat(b.generated()).isEqualTo(a.generated());
    assertThat(b.avgLatency()).isEqualTo(a.avgLatency());
    assertThat(b.channelUtilisation()).containsExactly(a.channelUtilisation());
    assertThat(c.generated()).isNotEqualTo(a.generated());
  }
}
