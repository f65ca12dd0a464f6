package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Replication;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Weight replication in the emulator: the copies each compute their band of rows, the consumers
 * reassemble them, the logits are those of the array without copies, and the virtual throughput
 * reaches the raised bound.
 */
class ReplicatedRunTest {

  record Run(CoreGraph graph, Fabric fabric, Placement placement, RunReport report) {}

  static Run run(Network net, Tiling tiling, int budget, RunOptions o, int images) throws IOException {
    CoreGraph base = CoreGraph.of(net, tiling);
    CoreGraph g = budget == 0 ? base : CoreGraph.of(net, tiling, Replication.auto(base, budget));
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    Weights w = Weights.he(net, 7);
    RunReport r = Emulator.run(g, w, f, p, Images.synthetic(net.input(), 11, images), o, i -> { });
    r = ReferenceCheck.check(r, net, w, Images.synthetic(net.input(), 11, images), images);
    return new Run(g, f, p, r);
  }

  /**
   * ResNet-32 (256x256, 120 cores: conv1 and stage 1 in 4 copies) and ResNet-18 at 64x64 (206
   * cores: conv1, with its max pool, in 6 copies): the bound rises from 9,766 to 39,062.5
   * images/s, the run reaches it within 2% and never exceeds it, and the logits equal the
   * reference and, bit for bit, the run without copies.
   */
  @ParameterizedTest(name = "{0} at {1}, budget {2}, {3}")
  @CsvSource({"resnet32,32,120,row", "resnet32,32,120,pixel", "resnet18,64,206,row"})
  void theRunReachesTheRaisedBoundWithTheLogitsOfTheArrayWithoutCopies(String model, int input, int budget,
      String granularity) throws IOException {
    Network net = input == 32 ? Zoo.get(model) : Zoo.get(model, input, input);
    RunOptions o = RunOptions.DEFAULT.withPixels(granularity.equals("pixel"));
    int images = 8;
    Run plain = run(net, Tiling.DEFAULT, 0, o, images);
    Run copied = run(net, Tiling.DEFAULT, budget, o, images);
    assertThat(plain.report().virtualBoundImagesPerSecond()).isEqualTo(1 / (1024 * 100e-9));
    RunReport r = copied.report();
    assertThat(r.virtualBoundImagesPerSecond()).isEqualTo(1 / (256 * 100e-9));
    assertThat(r.virtualImagesPerSecond()).as("virtual images/s against the bound (%s)", r.virtualBoundBy())
        .isGreaterThanOrEqualTo(0.98 * 39062.5)
        .isLessThanOrEqualTo(39062.5 * (1 + 1e-12));
    assertThat(r.logitRange()).isGreaterThan(0.1);
    assertThat(r.maxAbsDiffVsReference()).isLessThanOrEqualTo(1e-4 * r.logitRange());
    assertThat(r.logits()).isDeepEqualTo(plain.report().logits());
    // every core did its band's MVMs for every image
    for (RunReport.CoreReport c : r.cores()) {
      assertThat(c.mvms()).isEqualTo(images * copied.graph().cores().get(c.id()).mvmsPerImage());
    }
  }

  @Test
  void everyChannelCarriesExactlyTheAnalysedBytesWithCopies() throws IOException {
    Run run = run(Zoo.get("resnet32"), Tiling.DEFAULT, 120, RunOptions.DEFAULT, 2);
    EmulatorTest.assertChannelsAsAnalysed(run.graph(), run.fabric(), run.placement(), run.report());
  }

  @Test
  void theVirtualFiguresDoNotDependOnTheWindow() throws IOException {
    Network net = Zoo.get("resnet32");
    RunReport a = run(net, Tiling.DEFAULT, 93, RunOptions.DEFAULT, 6).report();
    RunReport b = run(net, Tiling.DEFAULT, 93, RunOptions.DEFAULT.withWindow(2), 6).report();
    assertThat(b.virtualDone()).containsExactly(a.virtualDone());
    assertThat(b.virtualLatencyP50Us()).isEqualTo(a.virtualLatencyP50Us());
  }
}
