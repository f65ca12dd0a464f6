package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An image goes into the first cores as one message per row, or per pixel, of each image port. */
class ImageSlicerTest {

  @Test
  void rowsAndPixelsCarryEveryChannelOfTheImage() throws Exception {
    Network net = Zoo.get("resnet20");
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    List<CorePlan> plans = CorePlan.of(g, Weights.he(net, 1), p.vertexOf(), f::route);
    Tensor image = Images.synthetic(net.input(), 3, 1).next();

    List<ImageSlicer.Slice> rows = new ImageSlicer(plans, p.vertexOf(), false).slice(7, image, 2.5e-6);
    // ResNet-20's conv1 (27 x 16) is the one core that reads the image
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).vertex()).isEqualTo(p.vertexOf()[0]);
    assertThat(rows.get(0).messages()).hasSize(32);
    CoreActor.Data row5 = rows.get(0).messages().get(5);
    assertThat(row5.image()).isEqualTo(7);
    assertThat(row5.row()).isEqualTo(5);
    assertThat(row5.count()).isEqualTo(32);
    assertThat(row5.ready()).isEqualTo(2.5e-6);
    assertThat(row5.values()).hasSize(3 * 32);
    // channel 2, column 9 of row 5
    assertThat(row5.values()[2 * 32 + 9]).isEqualTo(image.get(2, 5, 9));

    List<ImageSlicer.Slice> pixels = new ImageSlicer(plans, p.vertexOf(), true).slice(7, image, 0);
    assertThat(pixels.get(0).messages()).hasSize(32 * 32);
    CoreActor.Data px = pixels.get(0).messages().get(5 * 32 + 9);
    assertThat(px.col()).isEqualTo(9);
    assertThat(px.values()).containsExactly(image.get(0, 5, 9), image.get(1, 5, 9), image.get(2, 5, 9));
  }
}
