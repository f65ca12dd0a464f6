package fivepp.stress;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A single packet in an empty network takes hops x router delay + its flits, on every fabric. */
class ZeroLoadLatencyTest {
  @TempDir Path dir;

  static final SimulatorSettings ONE = SimulatorSettings.DEFAULT.withCycles(0, 1, 10_000);

  static StressResult single(Fabric f, int src, int dst, SimulatorSettings cfg, Faults faults) {
    return Simulator.run(f, net -> new ScriptedTraffic(src, dst), cfg, faults);
  }

  static StressResult single(RouteTable net, int src, int dst, SimulatorSettings cfg) {
    return new Simulator(net, new ScriptedTraffic(src, dst), cfg, Faults.NONE).run();
  }

  /** Every pair from a few sources, one run per pair: latency = fabric hops x R + P. */
  static void checkFabric(Fabric f) {
    int n = f.nodes();
    RouteTable net = new RouteTable(f, Faults.NONE);
    int[] sources = {0, n / 2, n - 1};
    int checked = 0;
    for (int s : sources) {
      for (int d = 0; d < n; d += Math.max(1, n / 16)) {
        if (d == s) {
          continue;
        }
        for (int[] rp : new int[][] {{1, 20}, {3, 4}}) {
          SimulatorSettings cfg = ONE.withRouterDelay(rp[0]).withPacketFlits(rp[1], 2 * rp[1]);
          StressResult r = single(net, s, d, cfg);
          int hops = f.hops(s, d);
          assertThat(r.delivered()).isEqualTo(1);
          assertThat(r.avgHops()).as("%s %d->%d hops", f.describe(), s, d).isEqualTo(hops);
          assertThat(r.avgLatency()).as("%s %d->%d R=%d P=%d", f.describe(), s, d, rp[0], rp[1])
              .isEqualTo(hops * rp[0] + rp[1]);
          assertThat(r.zeroLoadLatency()).isEqualTo(hops * rp[0] + rp[1]);
          assertThat(r.avgNetworkLatency()).isEqualTo(r.avgLatency());
          assertThat(r.flitHops()).isEqualTo((long) hops * rp[1]);
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(20);
  }

  /**
   * Two packets 0 -> 2 on a 1x3 mesh with one buffer of one packet per port: the second leaves when
   * the last credit of the first comes back, cycle 20 + credit delay, so it arrives 20 + credit delay
   * cycles after the first (latency 22, then 42 + credit delay).
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 9})
  void theSecondPacketWaitsForTheCreditDelay(int creditDelay) {
    Fabric f = Fabrics.parse("mesh:1x3", 3);
    SimulatorSettings cfg = ONE.withVcs(1).withPacketFlits(20, 20).withCreditDelay(creditDelay);
    StressResult r = Simulator.run(f, net -> new Traffic() {
      @Override
      public String describe() {
        return "two packets 0->2";
      }

      @Override
      public void generate(int cycle, boolean[] mine, java.util.SplittableRandom[] rng, PacketSink sink) {
        if (cycle == 0 && mine[0]) {
          sink.packet(0, 2);
          sink.packet(0, 2);
        }
      }

      @Override
      public int[] sources() {
        return new int[] {0};
      }

      @Override
      public double offeredRate() {
        return 0;
      }
    }, cfg, Faults.NONE);
    assertThat(r.delivered()).isEqualTo(2);
    assertThat(r.maxLatency()).isEqualTo(42 + creditDelay);
    assertThat(r.avgLatency()).isEqualTo((22 + 42 + creditDelay) / 2.0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"5pp", "kpp:3", "mesh:8x8", "torus:8x8", "torus:5x7", "ring", "hypercube", "full", "mesh:3x5"})
  void zeroLoadLatencyIsHopsTimesRouterDelayPlusSerialisation(String spec) {
    checkFabric(Fabrics.parse(spec, spec.contains("x") ? 1 : 64));
  }

  @Test
  void onAFileFabricToo() throws Exception {
    Path file = Files.writeString(dir.resolve("fabric.txt"),
        "# a ladder with a diagonal\nnodes 8\n0 1\n1 2\n2 3\n4 5\n5 6\n6 7\n0 4\n1 5\n2 6\n3 7\n0 5\n");
    checkFabric(Fabrics.parse("file:" + file, 8));
  }

  @Test
  void extraLinkDelayAddsToEveryHopOverThatLink() {
    Fabric mesh = Fabrics.parse("mesh:8x8", 64);
    // 0 -> 3 along row 0: links 0-1, 1-2, 2-3; slow down 1-2 by 7 cycles
    Faults slow = Faults.parse(mesh, List.of(), List.of(), 0, List.of("1-2:7"));
    StressResult r = single(mesh, 0, 3, ONE, slow);
    assertThat(r.avgLatency()).isEqualTo(3 * 1 + 7 + 20);
    assertThat(single(mesh, 3, 0, ONE, slow).avgLatency()).isEqualTo(3 + 7 + 20);
    assertThat(single(mesh, 0, 8, ONE, slow).avgLatency()).isEqualTo(1 + 20);
  }
}
