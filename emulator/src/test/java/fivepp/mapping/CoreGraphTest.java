package fivepp.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.model.Network;
import fivepp.model.NetworkBuilder;
import fivepp.model.Pool;
import fivepp.model.Shape;
import fivepp.model.Zoo;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoreGraphTest {

  private static Flow flow(CoreGraph g, int from, int to, Flow.Kind kind) {
    return g.flows().stream().filter(f -> f.from() == from && f.to() == to && f.kind() == kind)
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " flow " + from + "->" + to));
  }

  @Test
  void resnet32NeedsSixtyCoresAt256AndOnePerLayerAtLayerGranularity() {
    Network n = Zoo.get("resnet32");
    assertThat(CoreGraph.of(n, Tiling.DEFAULT).cores()).hasSize(60);
    assertThat(CoreGraph.of(n, Tiling.DEFAULT.withCrossbar(Crossbar.LAYER)).cores()).hasSize(32);
  }

  @Test
  void rowTilesReadContiguousChannelRangesAndChainTheirPartialSums() {
    NetworkBuilder b = new NetworkBuilder("t", "test", new Shape(64, 8, 8));
    b.conv("c", 300, 3, 1, 1).add();
    CoreGraph g = CoreGraph.of(b.build(), Tiling.DEFAULT);
    // 576 rows x 300 cols at 256x256: 3 row tiles in each of 2 column groups
    assertThat(g.cores()).hasSize(6);
    Core t0 = g.cores().get(0), t1 = g.cores().get(1), t2 = g.cores().get(2), g1 = g.cores().get(3);
    assertThat(List.of(t0.inFrom(), t0.inTo(), t1.inFrom(), t1.inTo(), t2.inFrom(), t2.inTo()))
        .containsExactly(0, 29, 28, 57, 56, 64);
    assertThat(List.of(t2.rows(), t2.cols(), g1.outFrom(), g1.outTo(), g1.cols())).containsExactly(64, 256, 256, 300, 44);
    assertThat(t2.accumulator()).isTrue();
    assertThat(t1.accumulator()).isFalse();
    // partial sums: 256 columns x 64 pixels x 2 bytes, tile to tile
    assertThat(flow(g, 0, 1, Flow.Kind.PARTIAL_SUM).bytesPerImage()).isEqualTo(256L * 64 * 2);
    assertThat(flow(g, 1, 2, Flow.Kind.PARTIAL_SUM).bytesPerImage()).isEqualTo(256L * 64 * 2);
    assertThat(flow(g, 3, 4, Flow.Kind.PARTIAL_SUM).bytesPerImage()).isEqualTo(44L * 64 * 2);
    assertThat(g.flows()).hasSize(4);
  }

  @Test
  void consumerTilesReceiveOnlyTheChannelsTheirRowsCover() {
    NetworkBuilder b = new NetworkBuilder("t", "test", new Shape(3, 16, 16));
    b.conv("a", 64, 3, 1, 1).relu().add();
    b.conv("b", 16, 3, 1, 1).add();
    CoreGraph g = CoreGraph.of(b.build(), Tiling.DEFAULT);
    // a: 27x64, one core (0); b: 576x16, three row tiles (1..3) reading channels 0-28, 28-56, 56-63
    assertThat(g.cores()).hasSize(4);
    assertThat(flow(g, 0, 1, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(29L * 256);
    assertThat(flow(g, 0, 2, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(29L * 256);
    assertThat(flow(g, 0, 3, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(8L * 256);
  }

  @Test
  void aGateGoesToEveryCoreOfTheGatedLayerForTheChannelsItReads() {
    NetworkBuilder b = new NetworkBuilder("se", "test", new Shape(3, 16, 16));
    b.conv("a", 64, 3, 1, 1).relu().add();
    b.conv("s1", 16, 1, 1, 0).prePool(Pool.globalAvg()).bias(true).relu().add();
    b.conv("s2", 64, 1, 1, 0).bias(true).add();
    b.conv("p", 16, 3, 1, 1).from("a").gate("s2").add();
    CoreGraph g = CoreGraph.of(b.build(), Tiling.DEFAULT);
    // a (0), s1 (1), s2 (2); p: 576x16, three row tiles (3..5) reading channels 0-28, 28-56, 56-63
    assertThat(g.cores()).hasSize(6);
    assertThat(flow(g, 0, 1, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(64L * 256);
    assertThat(flow(g, 1, 2, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(16L);
    // one value per channel the tile reads, per image
    assertThat(flow(g, 2, 3, Flow.Kind.GATE).bytesPerImage()).isEqualTo(29L);
    assertThat(flow(g, 2, 4, Flow.Kind.GATE).bytesPerImage()).isEqualTo(29L);
    assertThat(flow(g, 2, 5, Flow.Kind.GATE).bytesPerImage()).isEqualTo(8L);
    assertThat(flow(g, 0, 5, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(8L * 256);
    assertThat(g.flows().stream().filter(f -> f.kind() == Flow.Kind.GATE)).hasSize(3);
    assertThat(g.transfers().stream().filter(t -> t.kind() == Flow.Kind.GATE)
        .map(t -> t.sourceFrom() + "-" + t.sourceTo() + "@" + t.destChannel()))
        .containsExactly("0-29@0", "28-57@28", "56-64@56");
    assertThat(g.representation()).endsWith("; squeeze-and-excitation gates sent to every core of"
        + " the gated layer, which holds its input until the gate arrives");
  }

  @Test
  void depthwiseGroupsArePackedBlockDiagonally() {
    NetworkBuilder b = new NetworkBuilder("t", "test", new Shape(96, 8, 8));
    b.conv("dw", 96, 3, 1, 1).depthwise().add();
    CoreGraph g = CoreGraph.of(b.build(), Tiling.DEFAULT);
    // each group is a 9x1 block: min(256/9, 256/1) = 28 groups per crossbar
    assertThat(g.cores()).extracting(Core::inFrom).containsExactly(0, 28, 56, 84);
    assertThat(g.cores()).extracting(Core::outTo).containsExactly(28, 56, 84, 96);
    assertThat(g.cores()).extracting(Core::rows).containsExactly(252, 252, 252, 108);
    assertThat(CoreGraph.of(b.build(), Tiling.DEFAULT.withCrossbar(Crossbar.LAYER)).cores()).hasSize(1);
  }

  @Test
  void optionAShortcutSendsOnlyTheSubsampledSourceChannels() {
    CoreGraph g = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT.withCrossbar(Crossbar.LAYER));
    Network n = g.network();
    // the first block of stage 2 adds the stage-1 output (16 x 32x32) subsampled to 16 x 16x16
    String adder = n.layers().stream().filter(l -> l.residual() != null && l.residual().stride() == 2)
        .findFirst().orElseThrow().name();
    int to = g.coresOf(adder).get(0).id();
    int from = g.coresOf(n.layer(adder).residual().from()).get(0).id();
    assertThat(flow(g, from, to, Flow.Kind.RESIDUAL).bytesPerImage()).isEqualTo(16L * 16 * 16);
    // and conv1 sends 16 channels of 32x32 8-bit activations to its consumer
    assertThat(flow(g, 0, 1, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(16L * 32 * 32);
  }

  @Test
  void activationAndPartialSumWidthsScaleTheBytes() {
    NetworkBuilder b = new NetworkBuilder("t", "test", new Shape(3, 4, 4));
    b.conv("a", 10, 1, 1, 0).add();
    b.conv("b", 10, 1, 1, 0).add();
    Tiling t = new Tiling(Crossbar.LAYER, 4, 16, Tiling.Concat.DIRECT);
    assertThat(CoreGraph.of(b.build(), t).flows()).singleElement()
        .extracting(Flow::bytesPerImage).isEqualTo(80L); // 10 ch x 16 px x 4 bits
  }

  /** A DenseNet-style block: a_i reads the concatenation of stem, d_1..d_(i-1); d_i reads a_i. */
  private static Network dense(int layers) {
    NetworkBuilder b = new NetworkBuilder("dense", "test", new Shape(3, 8, 8));
    java.util.List<String> concat = new java.util.ArrayList<>();
    concat.add(b.conv("stem", 8, 3, 1, 1).add());
    for (int i = 1; i <= layers; i++) {
      b.conv("a" + i, 6, 1, 1, 0).from(concat).add();
      concat.add(b.conv("d" + i, 4, 3, 1, 1).add());
    }
    b.fc("fc", 10).from(concat).prePool(Pool.globalAvg()).add();
    return b.build();
  }

  @Test
  void concatForwardingChainsTheProducersAndCarriesThePrefix() {
    Network n = dense(3);
    Tiling layer = Tiling.DEFAULT.withCrossbar(Crossbar.LAYER);
    CoreGraph direct = CoreGraph.of(n, layer.withConcat(Tiling.Concat.DIRECT));
    CoreGraph fwd = CoreGraph.of(n, layer);
    // direct: a_i receives stem and every earlier d (1+2+3), fc all four, plus a_i -> d_i
    assertThat(direct.flows()).hasSize(13);
    // forward: 7 activation flows (a chain) and 3 forwards stem->d1->d2->d3
    assertThat(fwd.flows()).hasSize(10);
    assertThat(fwd.flows()).filteredOn(f -> f.kind() == Flow.Kind.FORWARD).hasSize(3);
    int d1 = fwd.coresOf("d1").get(0).id();
    int d2 = fwd.coresOf("d2").get(0).id();
    int d3 = fwd.coresOf("d3").get(0).id();
    int a2 = fwd.coresOf("a2").get(0).id();
    int fc = fwd.coresOf("fc").get(0).id();
    // d1 holds stem (8 ch, forwarded) and its own 4 ch: a2 gets all 12 from d1, 64 px each
    assertThat(flow(fwd, d1, a2, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(12L * 64);
    assertThat(flow(fwd, d1, d2, Flow.Kind.FORWARD).bytesPerImage()).isEqualTo(12L * 64);
    assertThat(flow(fwd, d2, d3, Flow.Kind.FORWARD).bytesPerImage()).isEqualTo(16L * 64);
    assertThat(flow(fwd, d3, fc, Flow.Kind.ACTIVATION).bytesPerImage()).isEqualTo(20L * 64);
    assertThat(fwd.forwardedConcats()).hasSize(3);
    // forwarding embeds in 2PP (optimal: d1 has four neighbours); directly, the best of all
    // 8! orders (checked by brute force) needs 4
    Mapping.MinK kf = Mapping.minK(fwd, LinearOrder.search(fwd));
    assertThat(kf.k()).isEqualTo(2);
    assertThat(kf.optimal()).isTrue();
    assertThat(kf.confirmed()).isTrue();
    assertThat(Mapping.minK(direct, LinearOrder.search(direct)).k()).isEqualTo(4);
  }

  @Test
  void theCoreCountComesFromTheShapesAloneAndMatchesTheTiling() {
    for (String name : List.of("resnet20", "resnet32", "mobilenetv2", "googlenet", "densenet121")) {
      Network n = Zoo.get(name);
      for (Crossbar c : List.of(Crossbar.DEFAULT, Crossbar.LAYER, new Crossbar(64, 128), new Crossbar(512, 32))) {
        Tiling t = Tiling.DEFAULT.withCrossbar(c);
        assertThat(CoreGraph.coreCount(n, t)).as(name + " " + c).isEqualTo(CoreGraph.of(n, t).cores().size());
      }
    }
    // every weight is a core of its own: ResNet-20's 268,336 weights (biases ride in the digital unit)
    assertThat(CoreGraph.coreCount(Zoo.get("resnet20"), Tiling.DEFAULT.withCrossbar(new Crossbar(1, 1))))
        .isEqualTo(Zoo.get("resnet20").layers().stream().mapToLong(l -> (long) l.rows() * l.cols()).sum());
  }

  @Test
  void aCutIntoTooManyCoresIsRefusedBeforeAnyCoreIsBuilt() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> CoreGraph.of(Zoo.get("resnet20"), Tiling.DEFAULT.withCrossbar(new Crossbar(1, 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageMatching("resnet20 with crossbar 1x1 needs [0-9,]+ cores, over the limit of 20,000;"
            + " use a larger --crossbar, or raise the limit with FIVEPP_JAVA_OPTS=-Dfivepp.max-cores=N");
    assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
    System.setProperty(CoreGraph.MAX_CORES_PROPERTY, "59");
    try {
      assertThatThrownBy(() -> CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT))
          .hasMessageStartingWith("resnet32 with crossbar 256x256 needs 60 cores, over the limit of 59;");
      System.setProperty(CoreGraph.MAX_CORES_PROPERTY, "60");
      assertThat(CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT).cores()).hasSize(60);
    } finally {
      System.clearProperty(CoreGraph.MAX_CORES_PROPERTY);
    }
  }
}
