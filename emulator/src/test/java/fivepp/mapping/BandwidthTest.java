package fivepp.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.fabric.Fabrics;
import fivepp.fabric.KppFabric;
import fivepp.fabric.MeshFabric;
import fivepp.model.NetworkBuilder;
import fivepp.model.Shape;
import fivepp.model.Zoo;
import org.junit.jupiter.api.Test;

class BandwidthTest {

  /** Three 1x1 layers a -> b -> c plus a residual a -> c, one core each at layer granularity. */
  static CoreGraph chain() {
    NetworkBuilder n = new NetworkBuilder("t", "test", new Shape(4, 4, 4));
    n.conv("a", 8, 1, 1, 0).add();
    n.conv("b", 8, 1, 1, 0).add();
    n.conv("c", 8, 1, 1, 0).residual("a", 1).add();
    return CoreGraph.of(n.build(), Tiling.DEFAULT.withCrossbar(Crossbar.LAYER));
  }

  @Test
  void aMultiHopFlowLoadsEveryChannelOnItsRoute() {
    CoreGraph g = chain();
    // on a path (1PP) the residual a -> c is forwarded through b's vertex
    Bandwidth b = Mapping.onto(g, new int[] {0, 1, 2}, new KppFabric(1, 3), 1e-7).bandwidth();
    // a->b: 8 ch x 16 px activations + 128 B of residual passing through; b->c: 128 + 128
    assertThat(b.channelLoads()).containsExactly(
        new Bandwidth.ChannelLoad(0, 1, 256), new Bandwidth.ChannelLoad(1, 2, 256));
    assertThat(b.maxChannelBytes()).isEqualTo(256);
    assertThat(b.maxHops()).isEqualTo(2);
    assertThat(b.channelsUsed()).isEqualTo(2);
    assertThat(b.channels()).isEqualTo(4);
    // on 2PP the residual rides its own link
    Bandwidth b2 = Mapping.onto(g, new int[] {0, 1, 2}, new KppFabric(2, 3), 1e-7).bandwidth();
    assertThat(b2.maxChannelBytes()).isEqualTo(128);
    assertThat(b2.meanChannelBytes()).isEqualTo(128.0);
    assertThat(b2.maxHops()).isEqualTo(1);
  }

  @Test
  void meshRoutesDimensionOrderAndSumsTheLoads() {
    CoreGraph g = chain();
    // snake on a 2x2 mesh: a at 0, b at 1, c at 3; the residual 0 -> 3 goes 0 -> 1 -> 3 (X first)
    Mapping m = Mapping.onto(g, new int[] {0, 1, 2}, new MeshFabric(2, 2, false), 1e-7);
    assertThat(m.placement().vertexOf()).containsExactly(0, 1, 3);
    assertThat(m.bandwidth().channelLoads()).containsExactly(
        new Bandwidth.ChannelLoad(0, 1, 256), new Bandwidth.ChannelLoad(1, 3, 256));
    assertThat(m.verdict().notSingleHop()).hasSize(1);
  }

  @Test
  void resnet32AtLayerGranularityOn5ppIsSingleHopAndBoundAt1024Mvms() {
    CoreGraph g = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT.withCrossbar(Crossbar.LAYER));
    Mapping m = Mapping.onto(g, LinearOrder.search(g), Fabrics.parse("5pp", 32), 100e-9);
    assertThat(m.verdict().homomorphism()).isTrue();
    assertThat(m.bandwidth().maxHops()).isEqualTo(1);
    assertThat(m.bandwidth().imagesPerSecond()).isCloseTo(1e9 / (1024 * 100), within(1e-6));
    // every flow has its own link; the busiest carries one 16 x 32 x 32 map of 8-bit activations
    assertThat(m.bandwidth().maxChannelBytes()).isEqualTo(16L * 32 * 32);
    assertThat(m.bandwidth().busiestGbps())
        .isCloseTo(16.0 * 32 * 32 * 8 * (1e9 / (1024 * 100)) / 1e9, within(1e-9));
  }
}
