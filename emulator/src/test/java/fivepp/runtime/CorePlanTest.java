package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Flow;
import fivepp.mapping.Tiling;
import fivepp.model.LayerWeights;
import fivepp.model.Network;
import fivepp.model.Shape;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the plan of a core of ResNet-20 holds, on 256 x 256 crossbars, core i at vertex i of a
 * ring of 36 (so routes are easy to follow by hand). Expected values come from the layer shapes:
 * a 3x3 conv of Cin channels has 9 * Cin rows, tiled 256 at a time; stage 3 works on 8 x 8
 * pixels, stage 2 on 16 x 16.
 */
class CorePlanTest {
  static Network net;
  static Weights weights;
  static List<CorePlan> plans;

  // ResNet-20's cores in order: conv1 (0), stage 1 (1-6, one core each), s2b1a (7), then two row
  // tiles for every other stage-2 conv (8-17), s3b1a (18, 19: 288 rows), three row tiles for
  // every other stage-3 conv (20-34: 576 rows), fc (35)
  static final int S2B3B_ACC = 17;
  static final int S3B1A_ACC = 19;
  static final int S3B1B_T0 = 20;
  static final int S3B1B_T1 = 21;
  static final int S3B1B_ACC = 22;
  static final int FC = 35;

  @BeforeAll
  static void plan() {
    net = Zoo.get("resnet20");
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric ring = Fabrics.parse("ring", g.cores().size());
    weights = Weights.he(net, 1);
    plans = CorePlan.of(g, weights, IntStream.range(0, g.cores().size()).toArray(), ring::route);
  }

  @Test
  void stageThreeConvIsThreeRowTilesOf256256And64Rows() {
    assertThat(plans).hasSize(36);
    assertThat(plans.get(FC).layer.name()).isEqualTo("fc");
    for (int id = S3B1B_T0; id <= S3B1B_ACC; id++) {
      CorePlan p = plans.get(id);
      assertThat(p.layer.name()).isEqualTo("s3b1b");
      assertThat(p.core.rowTile()).isEqualTo(id - S3B1B_T0);
      assertThat(p.core.cols()).isEqualTo(64);
      // one MVM per output pixel: 8 x 8
      assertThat(p.core.mvmsPerImage()).isEqualTo(64);
    }
    // 576 rows = 64 channels x 9: rows [0,256) read channels 0..28 (row 255 is channel 28's),
    // [256,512) channels 28..56, [512,576) channels 56..63
    assertThat(plans.get(S3B1B_T0).core.rows()).isEqualTo(256);
    assertThat(plans.get(S3B1B_T1).core.rows()).isEqualTo(256);
    assertThat(plans.get(S3B1B_ACC).core.rows()).isEqualTo(64);
    assertThat(List.of(plans.get(S3B1B_T0).core.inFrom(), plans.get(S3B1B_T0).core.inTo())).containsExactly(0, 29);
    assertThat(List.of(plans.get(S3B1B_T1).core.inFrom(), plans.get(S3B1B_T1).core.inTo())).containsExactly(28, 57);
    assertThat(List.of(plans.get(S3B1B_ACC).core.inFrom(), plans.get(S3B1B_ACC).core.inTo())).containsExactly(56, 64);
    assertThat(plans.get(S3B1B_ACC).core.accumulator()).isTrue();
    assertThat(plans.get(S3B1B_T1).core.accumulator()).isFalse();
    // conv1: 27 rows x 16 columns, one MVM per pixel of 32 x 32
    assertThat(plans.get(0).core.rows()).isEqualTo(27);
    assertThat(plans.get(0).core.cols()).isEqualTo(16);
    assertThat(plans.get(0).core.mvmsPerImage()).isEqualTo(1024);
  }

  @Test
  void partialSumsRunDownTheRowTilesToTheAccumulator() {
    // 64 columns x 64 pixels at 16 bits
    for (int id : new int[] {S3B1B_T0, S3B1B_T1}) {
      List<CorePlan.Send> sends = plans.get(id).sends;
      assertThat(sends).hasSize(1);
      CorePlan.Send s = sends.get(0);
      assertThat(s.kind()).isEqualTo(Flow.Kind.PARTIAL_SUM);
      assertThat(s.to()).isEqualTo(id + 1);
      assertThat(List.of(s.sourceFrom(), s.sourceTo())).containsExactly(0, 64);
      assertThat(s.bits()).isEqualTo(16);
      assertThat(s.bitsPerImage()).isEqualTo(64L * 64 * 16);
      assertThat(s.route()).containsExactly(id, id + 1);
    }
    // the accumulator hears the partial sums first (core-graph order), then its 8 input channels
    List<CorePlan.Port> ports = plans.get(S3B1B_ACC).ports;
    assertThat(ports).hasSize(2);
    assertThat(ports.get(0).kind()).isEqualTo(Flow.Kind.PARTIAL_SUM);
    assertThat(ports.get(0).sourceShape()).isEqualTo(new Shape(64, 8, 8));
    assertThat(ports.get(1).kind()).isEqualTo(Flow.Kind.ACTIVATION);
    assertThat(ports.get(1).source()).isEqualTo("s3b1a");
    assertThat(List.of(ports.get(1).sourceFrom(), ports.get(1).channels(), ports.get(1).destChannel()))
        .containsExactly(56, 8, 56);
    // the send of the middle tile names the port it lands on
    assertThat(plans.get(S3B1B_T1).sends.get(0).port()).isEqualTo(0);
  }

  @Test
  void theFirstRowTileTakesTheSubsampledShortcut() {
    // option A: s2b3b's 32 channels of 16 x 16, every second row and column, onto channels 0..31
    List<CorePlan.Port> res = plans.get(S3B1B_T0).ports.stream()
        .filter(p -> p.kind() == Flow.Kind.RESIDUAL).toList();
    assertThat(res).hasSize(1);
    assertThat(res.get(0).source()).isEqualTo("s2b3b");
    assertThat(List.of(res.get(0).channels(), res.get(0).destChannel(), res.get(0).stride()))
        .containsExactly(32, 0, 2);
    assertThat(res.get(0).sourceShape()).isEqualTo(new Shape(32, 16, 16));
    // the later row tiles add no shortcut
    assertThat(plans.get(S3B1B_T1).ports).noneMatch(p -> p.kind() == Flow.Kind.RESIDUAL);
    assertThat(plans.get(S3B1B_ACC).ports).noneMatch(p -> p.kind() == Flow.Kind.RESIDUAL);
  }

  @Test
  void theAccumulatorSendsEachConsumerTileTheChannelsItsRowsRead() {
    List<CorePlan.Send> sends = plans.get(S3B1B_ACC).sends;
    // s3b2a's three row tiles (23, 24, 25), then s3b2b's shortcut into its first tile (26)
    assertThat(sends).extracting(CorePlan.Send::to).containsExactly(23, 24, 25, 26);
    assertThat(sends).extracting(CorePlan.Send::kind).containsExactly(Flow.Kind.ACTIVATION,
        Flow.Kind.ACTIVATION, Flow.Kind.ACTIVATION, Flow.Kind.RESIDUAL);
    assertThat(sends).extracting(s -> s.sourceFrom() + ".." + s.sourceTo())
        .containsExactly("0..29", "28..57", "56..64", "0..64");
    assertThat(sends).allMatch(s -> s.source().equals("s3b1b") && s.bits() == 8 && s.stride() == 1);
    // 29 channels of 8 x 8 at 8 bits
    assertThat(sends.get(0).bitsPerImage()).isEqualTo(29L * 64 * 8);
    assertThat(sends.get(3).bitsPerImage()).isEqualTo(64L * 64 * 8);
    // on a ring, 22 -> 25 goes 22, 23, 24, 25
    assertThat(sends.get(2).route()).containsExactly(22, 23, 24, 25);
    assertThat(plans.get(S3B1B_ACC).sink).isFalse();
  }

  @Test
  void theLastRowTileHoldsRows512To576OfEveryColumn() {
    CorePlan p = plans.get(S3B1B_ACC);
    assertThat(p.blocks).hasSize(1);
    CorePlan.Block b = p.blocks.get(0);
    assertThat(List.of(b.group(), b.rowFrom(), b.rowTo(), b.colFrom(), b.colTo())).containsExactly(0, 512, 576, 0, 64);
    // row r reads channel r / 9 (less the core's first, 56), kernel row (r % 9) / 3, column r % 3
    // row 512 = 9 * 56 + 8: channel 0 of the core, ky 2, kx 2
    assertThat(new int[] {b.channel()[0], b.ky()[0], b.dx()[0]}).containsExactly(0, 2, 2);
    // row 513 = 9 * 57: channel 1, ky 0, kx 0
    assertThat(new int[] {b.channel()[1], b.ky()[1], b.dx()[1]}).containsExactly(1, 0, 0);
    // row 575 = 9 * 63 + 8: channel 7
    assertThat(new int[] {b.channel()[63], b.ky()[63], b.dx()[63]}).containsExactly(7, 2, 2);
    // the weights are the layer's (column-major per output channel: co * 576 + r), tile-row-major
    LayerWeights lw = weights.of("s3b1b");
    assertThat(b.stride()).isGreaterThanOrEqualTo(64);
    assertThat(b.weights()[0]).isEqualTo(lw.weights()[512]);
    assertThat(b.weights()[5 * b.stride() + 7]).isEqualTo(lw.weights()[7 * 576 + 517]);
    assertThat(b.weights()[63 * b.stride() + 63]).isEqualTo(lw.weights()[63 * 576 + 575]);
    assertThat(p.bias).containsExactly(lw.bias());
    // the first tile starts at row 0: its row 255 = 9 * 28 + 3 is channel 28, ky 1, kx 0
    CorePlan.Block first = plans.get(S3B1B_T0).blocks.get(0);
    assertThat(new int[] {first.channel()[255], first.ky()[255], first.dx()[255]}).containsExactly(28, 1, 0);
  }

  @Test
  void onlyConv1ReadsTheImageAndOnlyTheClassifierFeedsTheCoordinator() {
    assertThat(plans.get(0).imagePorts()).containsExactly(0);
    CorePlan.Port image = plans.get(0).ports.get(0);
    assertThat(image.source()).isEqualTo(Network.INPUT);
    assertThat(List.of(image.channels(), image.destChannel())).containsExactly(3, 0);
    assertThat(plans.stream().filter(p -> p.imagePorts().length > 0).count()).isEqualTo(1);
    assertThat(plans.stream().filter(p -> p.sink).map(p -> p.core.id()).toList()).containsExactly(FC);
    assertThat(plans.get(FC).bias).hasSize(10);
    assertThat(plans.get(FC).sends).isEmpty();
  }

  @Test
  void aTransferGetsItsShareOfEveryChannelOnItsRoute() {
    CorePlan.Send shortcut = plans.get(S2B3B_ACC).sends.stream()
        .filter(s -> s.kind() == Flow.Kind.RESIDUAL).findFirst().orElseThrow();
    assertThat(shortcut.to()).isEqualTo(S3B1B_T0);
    assertThat(shortcut.route()).containsExactly(17, 18, 19, 20);
    // 32 channels x 8 x 8 kept pixels x 8 bits
    long res = 32 * 64 * 8;
    assertThat(shortcut.bitsPerImage()).isEqualTo(res);
    // 17 -> 18 also carries s2b3b's channels 0..28 to 18 and 28..31 to 19 (16 x 16 pixels)
    long to18 = 29 * 256 * 8;
    long to19 = 4 * 256 * 8;
    // 18 -> 19 also carries s3b1a's partial sums (64 columns x 64 pixels x 16 bits) and the 4 channels
    long psum = 64 * 64 * 16;
    // 19 -> 20 also carries s3b1a's output to the three tiles of s3b1b: 29, 29 and 8 channels
    long out = (29 + 29 + 8) * 64 * 8;
    assertThat(shortcut.share()[0]).isCloseTo((double) res / (res + to18 + to19), within(1e-12));
    assertThat(shortcut.share()[1]).isCloseTo((double) res / (res + to19 + psum), within(1e-12));
    assertThat(shortcut.share()[2]).isCloseTo((double) res / (res + out), within(1e-12));
    // 20 -> 21 carries s3b1b's partial sums, and s3b1a's channels 28..56 to 21 and 56..63 to 22
    assertThat(plans.get(S3B1B_T0).sends.get(0).share()[0])
        .isCloseTo((double) psum / (psum + (29 + 8) * 64 * 8), within(1e-12));
    // the classifier's input (64 channels, 1 pixel) has the channel 34 -> 35 to itself
    assertThat(plans.get(FC - 1).sends).singleElement()
        .satisfies(s -> assertThat(s.share()).containsExactly(1.0));
  }

  /**
   * A coordinator whose cores are all on members plans them without weights: the same ports,
   * routes and sinks as the full plans, and the same analytic bound, with no weight block and a
   * zero bias.
   */
  @Test
  void plansWithoutWeightsKeepEverythingButTheWeights() {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric ring = Fabrics.parse("ring", g.cores().size());
    List<CorePlan> bare = CorePlan.routesOf(g, IntStream.range(0, g.cores().size()).toArray(), ring::route);
    assertThat(bare).hasSize(plans.size());
    for (int i = 0; i < plans.size(); i++) {
      CorePlan full = plans.get(i);
      CorePlan b = bare.get(i);
      assertThat(full.blocks).isNotEmpty();
      assertThat(b.blocks).isEmpty();
      assertThat(b.bias).hasSize(full.core.outTo() - full.core.outFrom()).containsOnly(0f);
      assertThat(b.inScale).isNull();
      assertThat(b.core).isEqualTo(full.core);
      assertThat(b.ports).isEqualTo(full.ports);
      assertThat(b.sink).isEqualTo(full.sink);
      assertThat(b.sends).hasSameSizeAs(full.sends);
      for (int k = 0; k < full.sends.size(); k++) {
        assertThat(b.sends.get(k).route()).isEqualTo(full.sends.get(k).route());
        assertThat(b.sends.get(k).share()).isEqualTo(full.sends.get(k).share());
        assertThat(b.sends.get(k).to()).isEqualTo(full.sends.get(k).to());
      }
    }
    RunOptions o = RunOptions.DEFAULT.withLink(0.5e9, 0);
    assertThat(PipelineBound.of(bare, o)).isEqualTo(PipelineBound.of(plans, o));
  }
}
