package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Weights;
import fivepp.model.Network;
import fivepp.model.Zoo;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The modelled hardware's timing is a function of the model (paper.md B8): across the zoo the
 * pipeline reaches its analytic bound within 2 %, never exceeds it, and gives the same virtual
 * figures in every run, whatever the emulator's window of images in flight.
 */
class VirtualTimeTest {

  /**
   * Every zoo network: CIFAR ones at 32x32, ImageNet ones at 64x64 to keep the runs short (those
   * with squeeze-and-excitation gates included: a gated core holds two images' maps, so gates
   * cost latency, not throughput).
   */
  static Stream<String> zoo() {
    return Zoo.names().stream();
  }

  private static Network net(String name) {
    return Zoo.input(name).height() == 32 ? Zoo.get(name) : Zoo.get(name, 64, 64);
  }

  /** A run on 5PP at 256x256 without the reference check (EmulatorTest checks the values). */
  private static RunReport run(Network net, RunOptions o, int images) throws IOException {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    return Emulator.run(g, Weights.he(net, 7), f, p, Images.synthetic(net.input(), 11, images), o, i -> { });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("zoo")
  void reachesTheBoundWithinTwoPercentNeverAboveAndTheSameInEveryRun(String name) throws IOException {
    Network net = net(name);
    int images = 6;
    RunReport a = run(net, RunOptions.DEFAULT, images);
    double bound = a.virtualBoundImagesPerSecond();
    assertThat(a.virtualImagesPerSecond()).as("virtual images/s against the bound %s (%s)", bound, a.virtualBoundBy())
        .isGreaterThanOrEqualTo(0.98 * bound)
        // the same figure computed two ways may differ in the last bits, never by more
        .isLessThanOrEqualTo(bound * (1 + 1e-12));
    // a window of 2 images in flight rather than 16: the wall clock's flow control, not the hardware's
    RunReport b = run(net, RunOptions.DEFAULT.withWindow(2), images);
    assertThat(b.virtualDone()).containsExactly(a.virtualDone());
    assertThat(b.virtualImagesPerSecond()).isEqualTo(a.virtualImagesPerSecond());
    assertThat(b.virtualLatencyP50Us()).isEqualTo(a.virtualLatencyP50Us());
    assertThat(b.cores()).extracting(RunReport.CoreReport::busyFraction)
        .containsExactlyElementsOf(a.cores().stream().map(RunReport.CoreReport::busyFraction).toList());
  }
}
