package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Activation;
import fivepp.model.Network;
import fivepp.model.NetworkBuilder;
import fivepp.model.Pool;
import fivepp.model.Shape;
import fivepp.model.Weights;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The virtual-time rule of a squeeze-and-excitation gate (docs/analysis.md), on a network small
 * enough to time by hand: a 1x1 conv {@code a} on a 2x4x4 image, the squeeze {@code s1} (global
 * average pre-pool of a, one MVM), the excitation {@code s2} (one MVM, sigmoid), the gated 1x1
 * conv {@code p} reading a, and {@code fc} over p's global average. One core per layer, an MVM
 * takes 100 ns, links are free.
 */
class GateTest {

  private static Network net(boolean gated) {
    NetworkBuilder b = new NetworkBuilder(gated ? "se" : "plain", "one SE block", new Shape(2, 4, 4));
    String a = b.conv("a", 2, 1, 1, 0).bias(true).relu().add();
    b.conv("s1", 1, 1, 1, 0).from(a).prePool(Pool.globalAvg()).bias(true).relu().add();
    String s2 = b.conv("s2", 2, 1, 1, 0).bias(true).activation(Activation.SIGMOID).add();
    NetworkBuilder.LayerBuilder p = b.conv("p", 3, 1, 1, 0).from(a).bias(true);
    if (gated) {
      p.gate(s2);
    }
    p.add();
    b.fc("fc", 4).prePool(Pool.globalAvg()).add();
    return b.build();
  }

  private static RunReport run(Network net, int images) throws IOException {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement pl = Placement.along(LinearOrder.search(g), f);
    Weights w = Weights.he(net, 3);
    RunReport r = Emulator.run(g, w, f, pl, Images.synthetic(net.input(), 5, images), RunOptions.DEFAULT, i -> { });
    return ReferenceCheck.check(r, net, w, Images.synthetic(net.input(), 5, images), images);
  }

  @Test
  void theGatedLayerStartsWhenItsGateArrivesAndTheThroughputStaysAtTheBound() throws IOException {
    RunReport gated = run(net(true), 4);
    RunReport plain = run(net(false), 4);
    // the values: the reference's, but for the kernels' fused multiply-adds
    assertThat(gated.logitRange()).isGreaterThan(0.01);
    assertThat(gated.maxAbsDiffVsReference()).isLessThanOrEqualTo(1e-6 * gated.logitRange());
    double us = 1e-6;
    // without the gate, p follows a row by row: p's last MVM ends 0.1 us after a's (1.6 us), then fc
    assertThat(plain.virtualDone()[0]).isCloseTo(2.1 * us, within(1e-12));
    // with it, p waits for all of a (1.6 us), s1 (1.7) and s2 (1.8): its 16 MVMs end at 3.4, fc at 3.5
    assertThat(gated.virtualDone()[0]).isCloseTo(3.5 * us, within(1e-12));
    // image 1: a is busy until 3.2, s1 and s2 until 3.4, p until 5.0, fc 5.1; then one every 1.6 us
    assertThat(gated.virtualDone()[1]).isCloseTo(5.1 * us, within(1e-12));
    assertThat(gated.virtualDone()[3]).isCloseTo(8.3 * us, within(1e-12));
    assertThat(plain.virtualDone()[3]).isCloseTo(2.1 * us + 3 * 1.6 * us, within(1e-12));
    // so the gate costs latency, not throughput
    assertThat(gated.virtualBoundImagesPerSecond()).isEqualTo(plain.virtualBoundImagesPerSecond());
  }
}
