package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Crossbar;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bound is the busiest core's MVM time, or the busiest channel's when links are slower. */
class PipelineBoundTest {

  private static List<CorePlan> plans(Network net, Crossbar crossbar) {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT.withCrossbar(crossbar));
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    return CorePlan.of(g, Weights.he(net, 1), p.vertexOf(), f::route);
  }

  @Test
  void resnet32IsBoundByA1024MvmCoreOrItsBusiestChannel() {
    List<CorePlan> plans = plans(Zoo.get("resnet32"), Crossbar.LAYER);
    PipelineBound cores = PipelineBound.of(plans, RunOptions.DEFAULT);
    // paper.md C: one core per layer bounds ResNet-32 at 1/(1024 t_mvm), about 9,766 images/s
    assertThat(cores.imagesPerSecond()).isCloseTo(9765.625, within(1e-6));
    assertThat(cores.by()).isEqualTo("core 0 (conv1): 1024 MVMs per image");
    // 16 x 32 x 32 bytes per image on the busiest channel: 0.5 Gbit/s carries 3,815 images/s
    PipelineBound links = PipelineBound.of(plans, RunOptions.DEFAULT.withLink(0.5e9, 0));
    assertThat(links.imagesPerSecond()).isCloseTo(0.5e9 / (16 * 32 * 32 * 8), within(1e-6));
    assertThat(links.by()).startsWith("channel ").endsWith(": 16384 bytes per image");
  }
}
