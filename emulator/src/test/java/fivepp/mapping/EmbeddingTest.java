package fivepp.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabrics;
import fivepp.model.Zoo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * paper.md A4/B5: at layer granularity every zoo network but ShuffleNetV2 embeds in 5PP, every flow
 * on one link; ShuffleNetV2 does not, as found (below).
 */
class EmbeddingTest {

  static java.util.List<String> zoo() {
    return Zoo.names().stream().filter(n -> !n.equals("shufflenet_v2_x1_0")).toList();
  }

  @ParameterizedTest
  @MethodSource("zoo")
  void everyZooNetworkEmbedsIn5ppAtLayerGranularity(String name) {
    CoreGraph g = CoreGraph.of(Zoo.get(name), Tiling.DEFAULT.withCrossbar(Crossbar.LAYER));
    int[] order = LinearOrder.search(g);
    Mapping m = Mapping.onto(g, order, Fabrics.parse("5pp", g.cores().size()), 100e-9);
    assertThat(m.verdict().notSingleHop()).as(name + " flows off a link").isEmpty();
    assertThat(m.verdict().homomorphism()).isTrue();
    Mapping.MinK k = Mapping.minK(g, order);
    assertThat(k.confirmed()).isTrue();
    assertThat(k.k()).isBetween(k.lowerBound(), 5);
  }

  /**
   * ShuffleNetV2 as found: the half a stride-1 unit passes unchanged is a channel range of earlier
   * layers, and concat forwarding chains whole outputs only, so each layer receives its ranges
   * directly from their producers, up to 7 units back (stage 3's last unit reads 8 producers):
   * the smallest k found is 11, and no order can do better than 5.
   */
  @org.junit.jupiter.api.Test
  void shufflenetV2DoesNotEmbedIn5ppAtLayerGranularity() {
    CoreGraph g = CoreGraph.of(Zoo.get("shufflenet_v2_x1_0"), Tiling.DEFAULT.withCrossbar(Crossbar.LAYER));
    int[] order = LinearOrder.search(g);
    Mapping m = Mapping.onto(g, order, Fabrics.parse("5pp", g.cores().size()), 100e-9);
    assertThat(g.cores()).hasSize(57);
    assertThat(m.verdict().homomorphism()).isFalse();
    assertThat(g.network().layer("s3u8a").producers()).hasSize(8);
    Mapping.MinK k = Mapping.minK(g, order);
    assertThat(k.confirmed()).isTrue();
    assertThat(k.lowerBound()).isEqualTo(5);
    assertThat(k.k()).isEqualTo(11);
  }

  /**
   * The squeeze-and-excitation networks as found: the gate adds bNs2 -> bNp and bNd -> bNs1
   * beside bNd -> bNp, and every flow, the gates included, still rides one link of 5PP (k = 4
   * found, lower bound 3).
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"mobilenet_v3_large, 64, 8", "efficientnet_b0, 82, 16"})
  void theSqueezeAndExcitationNetworksEmbedIn4pp(String name, int cores, int gates) {
    CoreGraph g = CoreGraph.of(Zoo.get(name), Tiling.DEFAULT.withCrossbar(Crossbar.LAYER));
    int[] order = LinearOrder.search(g);
    Mapping m = Mapping.onto(g, order, Fabrics.parse("5pp", g.cores().size()), 100e-9);
    assertThat(g.cores()).hasSize(cores);
    assertThat(g.flows()).filteredOn(f -> f.kind() == Flow.Kind.GATE).hasSize(gates);
    assertThat(m.verdict().homomorphism()).isTrue();
    Mapping.MinK k = Mapping.minK(g, order);
    assertThat(k.confirmed()).isTrue();
    assertThat(k.lowerBound()).isEqualTo(3);
    assertThat(k.k()).isEqualTo(4);
  }

  @org.junit.jupiter.api.Test
  void theResNet32ExampleEmbedsIn5ppAt256x256() {
    CoreGraph g = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);
    int[] order = LinearOrder.search(g);
    Mapping m = Mapping.onto(g, order, Fabrics.parse("5pp", g.cores().size()), 100e-9);
    assertThat(g.cores()).hasSize(60);
    assertThat(m.verdict().homomorphism()).isTrue();
    // stage 3's 576-row layers need three row tiles; a block's output core hears from its own
    // previous tile and the first conv's output core, and feeds the three tiles of the next conv
    // and the first tile of the one after (the residual): 6 neighbours, so no order beats k = 3
    assertThat(Mapping.minK(g, order).lowerBound()).isEqualTo(3);
    assertThat(Mapping.minK(g, order).k()).isEqualTo(4);
  }
}
