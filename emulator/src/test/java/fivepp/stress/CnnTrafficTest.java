package fivepp.stress;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabrics;
import fivepp.mapping.Mapping;
import fivepp.mapping.Tiling;
import fivepp.model.Zoo;
import org.junit.jupiter.api.Test;

/**
 * cnn:resnet32 at its pipeline rate: 5PP sustains it with narrower links than the 8x8 mesh, and each
 * simulated minimum agrees with the bandwidth analysis of the busiest channel.
 */
class CnnTrafficTest {
  static final SimulatorSettings CFG = SimulatorSettings.DEFAULT.withCycles(1_000, 5_000, 20_000);

  static Mapping resnet32(String fabric) {
    return Mapping.of(Zoo.get("resnet32"), Tiling.DEFAULT, n -> Fabrics.parse(fabric, n), 100e-9);
  }

  @Test
  void fivePpSustainsThePipelineRateAtALowerLinkWidthThanTheMesh() {
    Mapping pp = resnet32("5pp");
    Mapping mesh = resnet32("mesh");
    assertThat(mesh.fabric().describe()).isEqualTo("mesh 8x8");
    // the bandwidth table: 1.280 and 2.560 Gbit/s on the busiest channel at 9,766 images/s
    assertThat(pp.bandwidth().busiestGbps()).isCloseTo(1.28, org.assertj.core.data.Offset.offset(0.001));
    assertThat(mesh.bandwidth().busiestGbps()).isCloseTo(2.56, org.assertj.core.data.Offset.offset(0.001));
    CnnTraffic.Width wpp = CnnTraffic.minimumLinkGbps(pp, 1.0, CFG, Traffic.Injection.PERIODIC, 0.01);
    CnnTraffic.Width wmesh = CnnTraffic.minimumLinkGbps(mesh, 1.0, CFG, Traffic.Injection.PERIODIC, 0.01);
    assertThat(wpp.linkGbps()).isLessThan(wmesh.linkGbps());
    // consistent with the analysis: the simulated minimum sits just above the busiest channel's need
    assertThat(wpp.linkGbps() / pp.bandwidth().busiestGbps()).isBetween(1.0, 1.05);
    assertThat(wmesh.linkGbps() / mesh.bandwidth().busiestGbps()).isBetween(1.0, 1.05);
    assertThat(wmesh.linkGbps() / wpp.linkGbps()).isBetween(1.9, 2.1);
    assertThat(wpp.run().sustained()).isTrue();
    assertThat(wpp.run().generated()).isEqualTo(wpp.run().delivered());
    // and at the 5PP's width the mesh does not keep up
    StressResult meshAtPp = CnnTraffic.runAt(mesh, 1.0, wpp.linkGbps(), CFG, Traffic.Injection.PERIODIC);
    assertThat(meshAtPp.sustained()).isFalse();
    assertThat(meshAtPp.maxUtilisation()).isGreaterThan(0.99);
  }

  @Test
  void flowsBecomeChannelLoadsInProportionToTheirBytes() {
    Mapping pp = resnet32("5pp");
    // links at 4x the need: the busiest channel is busy a quarter of the time, every flow single-hop
    StressResult r = CnnTraffic.runAt(pp, 1.0, 4 * pp.bandwidth().busiestGbps(), CFG, Traffic.Injection.PERIODIC);
    assertThat(r.avgHops()).isEqualTo(1.0);
    assertThat(r.maxUtilisation()).isBetween(0.24, 0.26);
    assertThat(r.avgLatency()).isEqualTo(1 + 20);
    // every channel busy in proportion to its bytes per image in the bandwidth analysis
    java.util.Map<String, Long> analysed = new java.util.HashMap<>();
    pp.bandwidth().channelLoads().forEach(c -> analysed.put(c.from() + "->" + c.to(), c.bytesPerImage()));
    double max = pp.bandwidth().maxChannelBytes();
    for (int c = 0; c < r.channelNames().length; c++) {
      long bytes = analysed.getOrDefault(r.channelNames()[c], 0L);
      assertThat(r.channelUtilisation()[c]).as(r.channelNames()[c])
          .isCloseTo(0.25 * bytes / max, org.assertj.core.data.Offset.offset(0.01));
    }
  }
}
