package fivepp.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.fabric.Fabrics;
import fivepp.fabric.KppFabric;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Zoo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Weight replication: which layers are copied, the bands of rows, and the flows with copies. */
class ReplicationTest {
  private static final String[] STAGE1 = {"conv1", "s1b1a", "s1b1b", "s1b2a", "s1b2b", "s1b3a", "s1b3b",
      "s1b4a", "s1b4b", "s1b5a", "s1b5b"};

  private static Map<String, Integer> all(int n, String... layers) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (String l : layers) {
      m.put(l, n);
    }
    return m;
  }

  @Test
  void resnet32WithABudgetOf120CopiesConv1AndStage1FourTimesAndQuadruplesTheBound() {
    CoreGraph base = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);
    Replication r = Replication.auto(base, 120);
    assertThat(r.copies()).containsExactlyEntriesOf(all(4, STAGE1));
    assertThat(r.coresBefore()).isEqualTo(60);
    assertThat(r.coresAfter()).isEqualTo(93);
    assertThat(r.maxMvmsBefore()).isEqualTo(1024);
    assertThat(r.maxMvmsAfter()).isEqualTo(256);
    assertThat(r.stopped()).isEqualTo("the next level, 224 MVMs per core, needs 123 cores");
    CoreGraph g = CoreGraph.of(base.network(), Tiling.DEFAULT, r);
    assertThat(g.cores()).hasSize(93);
    assertThat(g.maxMvmsPerCore()).isEqualTo(256);
    Bandwidth before = Bandwidth.analyse(base, new KppFabric(5, 60), Placement.search(base, new KppFabric(5, 60)), 100e-9);
    Bandwidth after = Bandwidth.analyse(g, new KppFabric(5, 93), Placement.search(g, new KppFabric(5, 93)), 100e-9);
    assertThat(before.imagesPerSecond()).isCloseTo(9765.625, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(after.imagesPerSecond()).isCloseTo(39062.5, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void theGreedyRaisesEveryLayerAtTheBoundTogetherAndStopsAtTheBudget() {
    CoreGraph base = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);
    // 11 layers of one core each at 1,024 MVMs: a copy of each costs 11 cores
    assertThat(Replication.auto(base, 70).copies()).isEmpty();
    assertThat(Replication.auto(base, 70).maxMvmsAfter()).isEqualTo(1024);
    assertThat(Replication.auto(base, 71).copies()).containsExactlyEntriesOf(all(2, STAGE1));
    // 32 rows in 3 bands: 10, 11 and 11 rows, so 352 MVMs for the busiest copy
    assertThat(Replication.auto(base, 82).maxMvmsAfter()).isEqualTo(352);
    assertThat(Replication.auto(base, 92).copies()).containsExactlyEntriesOf(all(3, STAGE1));
  }

  @Test
  void aBudgetBelowTheCoresWithoutCopiesIsRefused() {
    CoreGraph base = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);
    assertThatThrownBy(() -> Replication.auto(base, 59)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--core-budget 59 is below the 60 cores resnet32 needs without copies; give at least 60");
  }

  @Test
  void bandsOfA3x3ConvolutionReadOneHaloRowEachSide() {
    Layer l = Zoo.get("resnet32").layer("s1b1b");
    assertThat(Replication.band(l, 0, 4)).isEqualTo(new Replication.Band(0, 0, 8, 0, 8, 0, 9, 0, 9));
    assertThat(Replication.band(l, 1, 4)).isEqualTo(new Replication.Band(1, 8, 16, 8, 16, 7, 17, 7, 17));
    assertThat(Replication.band(l, 3, 4)).isEqualTo(new Replication.Band(3, 24, 32, 24, 32, 23, 32, 23, 32));
    // 32 rows in 3: floor(j * 32 / 3)
    assertThat(Replication.band(l, 1, 3).outFrom()).isEqualTo(10);
    assertThat(Replication.band(l, 1, 3).outTo()).isEqualTo(21);
  }

  @Test
  void aPooledLayerComputesTheConvolutionRowsItsPoolingWindowsRead() {
    // resnet18 at 64x64: conv1 7x7 stride 2 -> 32 rows, max pool 3/2/1 -> 16 rows
    Layer conv1 = Zoo.get("resnet18", 64, 64).layer("conv1");
    Replication.Band b = Replication.band(conv1, 1, 4);
    assertThat(b.outFrom()).isEqualTo(4);
    assertThat(b.outTo()).isEqualTo(8);
    // pooled rows 4..7 read conv rows 7..15: row 7 is computed by copy 0 too
    assertThat(b.convFrom()).isEqualTo(7);
    assertThat(b.convTo()).isEqualTo(16);
    // conv rows 7..15 read input rows 2*7-3 = 11 .. 2*15-3+6 = 33
    assertThat(b.inFrom()).isEqualTo(11);
    assertThat(b.inTo()).isEqualTo(34);
    assertThat(Replication.mvmsPerCopy(conv1, 4)).isEqualTo(9 * 32);
    assertThat(Replication.mvmsPerCopy(conv1, 6)).isEqualTo(7 * 32);
  }

  @Test
  void resnet18At64x64CopiesConv1SixTimesWithinA206CoreBudget() {
    Network net = Zoo.get("resnet18", 64, 64);
    CoreGraph base = CoreGraph.of(net, Tiling.DEFAULT);
    assertThat(base.cores()).hasSize(201);
    Replication r = Replication.auto(base, 206);
    assertThat(r.copies()).containsExactlyEntriesOf(Map.of("conv1", 6));
    assertThat(r.maxMvmsBefore()).isEqualTo(1024);
    assertThat(r.maxMvmsAfter()).isEqualTo(256);
    // with five cores fewer only four copies fit, and pooled bands overlap: 9 conv rows each
    assertThat(Replication.auto(base, 204).copies()).containsExactlyEntriesOf(Map.of("conv1", 4));
    assertThat(Replication.auto(base, 204).maxMvmsAfter()).isEqualTo(288);
  }

  @Test
  void layersThatCannotBeCopiedSayWhy() {
    CoreGraph r32 = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);
    assertThat(Replication.notCopyable(r32, r32.network().layer("fc"))).isEqualTo("the network's output");
    CoreGraph dense = CoreGraph.of(Zoo.get("densenet121", 64, 64), Tiling.DEFAULT);
    String chained = dense.forwardedConcats().get(0).get(0);
    assertThat(Replication.notCopyable(dense, dense.network().layer(chained))).isEqualTo("a forwarded concatenation");
    // DenseNet-121's conv0, at the bound, heads the first dense block's chain: nothing is copied
    Replication none = Replication.auto(dense, 500);
    assertThat(none.copies()).isEmpty();
    assertThat(none.stopped()).isEqualTo("conv0, at the bound, cannot be copied: a forwarded concatenation");
    assertThat(Replication.auto(CoreGraph.of(Zoo.get("resnet18", 64, 64), Tiling.DEFAULT), 300).stopped())
        .isEqualTo("conv1, at the bound, has no rows left to split");
    CoreGraph mb3 = CoreGraph.of(Zoo.get("mobilenet_v3_large", 64, 64), Tiling.DEFAULT);
    Layer gated = mb3.network().layers().stream().filter(l -> l.gate() != null).findFirst().orElseThrow();
    assertThat(Replication.notCopyable(mb3, gated)).isEqualTo("a squeeze-and-excitation gate");
  }

  @Test
  void withoutCopiesTheGraphIsTheSameAsBefore() {
    for (String name : List.of("resnet32", "googlenet", "densenet121")) {
      Network net = name.equals("resnet32") ? Zoo.get(name) : Zoo.get(name, 64, 64);
      CoreGraph a = CoreGraph.of(net, Tiling.DEFAULT);
      CoreGraph b = CoreGraph.of(net, Tiling.DEFAULT, Replication.auto(a, a.cores().size()));
      assertThat(b.cores()).isEqualTo(a.cores());
      assertThat(b.flows()).isEqualTo(a.flows());
    }
  }

  /**
   * Every core receives every input row it reads exactly once per channel, from the copy that
   * computed it; and every residual row it adds.
   */
  @Test
  void everyCopyReceivesExactlyTheRowsItReads() {
    for (Network net : List.of(Zoo.get("resnet32"), Zoo.get("resnet18", 64, 64), Zoo.get("resnet50", 64, 64))) {
      CoreGraph base = CoreGraph.of(net, Tiling.DEFAULT);
      CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT, Replication.auto(base, base.cores().size() + 40));
      assertThat(g.replication().copies()).isNotEmpty();
      for (Core c : g.cores()) {
        Layer l = net.layer(c.layer());
        Replication.Band band = g.band(c);
        int width = l.input().width();
        int[] perRow = new int[l.input().height()];
        long bits = 0;
        for (Transfer t : g.transfers()) {
          if (t.to() == c.id() && t.kind() == Flow.Kind.ACTIVATION) {
            for (int y = t.rowFrom(); y < t.rowTo(); y++) {
              perRow[y] += t.channels();
            }
            assertThat(t.pixels()).isEqualTo((long) (t.rowTo() - t.rowFrom()) * width);
            bits += t.bitsPerImage();
          }
        }
        boolean readsImage = l.inputs().stream().anyMatch(in -> in.from().equals(Network.INPUT));
        for (int y = 0; y < perRow.length && !readsImage; y++) {
          // a layer with one copy receives every row, as without replication
          boolean needed = c.copies() == 1 || (y >= band.inFrom() && y < band.inTo());
          assertThat(perRow[y]).as("%s core %d row %d", net.name(), c.id(), y)
              .isEqualTo(needed ? c.inTo() - c.inFrom() : 0);
        }
      }
    }
  }

  @Test
  void theHaloCostsTwoRowsPerBoundaryOnTheChannels() {
    CoreGraph base = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);
    CoreGraph g = CoreGraph.of(base.network(), Tiling.DEFAULT, Replication.auto(base, 93));
    long into = g.transfers().stream().filter(t -> t.kind() == Flow.Kind.ACTIVATION
        && g.cores().get(t.to()).layer().equals("s1b2a")).mapToLong(Transfer::bitsPerImage).sum() / 8;
    // 16 channels x 32 pixels x (32 rows + 2 halo rows at each of 3 boundaries)
    assertThat(into).isEqualTo(16L * 32 * 38);
    long without = base.transfers().stream().filter(t -> t.kind() == Flow.Kind.ACTIVATION
        && base.cores().get(t.to()).layer().equals("s1b2a")).mapToLong(Transfer::bitsPerImage).sum() / 8;
    assertThat(without).isEqualTo(16L * 32 * 32);
  }

  @Test
  void singleHopOn5ppHoldsWithTwoCopiesAndNotWithFour() {
    CoreGraph base = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);
    Mapping two = Mapping.onto(CoreGraph.of(base.network(), Tiling.DEFAULT, Replication.auto(base, 71)),
        LinearOrder.search(CoreGraph.of(base.network(), Tiling.DEFAULT, Replication.auto(base, 71))),
        Fabrics.parse("5pp", 71), 100e-9);
    assertThat(two.verdict().homomorphism()).isTrue();
    CoreGraph g4 = CoreGraph.of(base.network(), Tiling.DEFAULT, Replication.auto(base, 120));
    Mapping four = Mapping.onto(g4, LinearOrder.search(g4), Fabrics.parse("5pp", 93), 100e-9);
    assertThat(four.verdict().notSingleHop()).hasSize(34);
    assertThat(four.bandwidth().maxHops()).isEqualTo(2);
  }
}
