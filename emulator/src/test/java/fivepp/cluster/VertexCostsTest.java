package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.mapping.Transfer;
import fivepp.model.Zoo;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VertexCostsTest {
  static final CoreGraph RESNET32 = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);

  static VertexCosts on(String fabric) {
    Fabric f = Fabrics.parse(fabric, RESNET32.cores().size());
    Placement p = Placement.along(LinearOrder.search(RESNET32), f);
    return VertexCosts.of(RESNET32, p.vertexOf(), f::route, false, 16, true);
  }

  @Test
  void conv1OfResNet32CostsItsMacsItsMvmsItsDigitalWorkAndItsMessages() {
    VertexCosts c = on("5pp");
    int v = Placement.along(LinearOrder.search(RESNET32), Fabrics.parse("5pp", 60)).vertex(0);
    VertexCosts.Vertex conv1 = c.vertex(v);
    assertThat(conv1.core()).isZero();
    // 1,024 MVMs of 27 x 16 (paper.md C)
    assertThat(conv1.macs()).isEqualTo(1024L * 27 * 16);
    // values: the image's 3 x 1,024 in, 16 x 1,024 out to each of its 2 consumers (the block's
    // conv and its residual), 16 x 1,024 through bias and activation; messages: 32 image rows
    // in, 32 rows to each consumer
    long values = 3 * 1024 + 2 * 16 * 1024 + 16 * 1024;
    assertThat(conv1.work()).isEqualTo(conv1.macs() + VertexCosts.OUTPUT_MACS * 1024 * 16 + VertexCosts.VALUE_MACS * values
        + VertexCosts.MESSAGE_MACS * 96);
    assertThat(conv1.work()).isEqualTo(442_368 + 600 * 1024 * 16 + 8 * 52_224 + 4_000 * 96);
    assertThat(conv1.weightBytes()).isEqualTo(27 * 16 * 4);
    // buffers for 16 images: 3 rows of 32 x 3 channels in, a row of 32 x 16 out, float32
    assertThat(conv1.memoryBytes()).isEqualTo(1728 + (3 * 32 * 3 + 32 * 16) * 4 * 16 + VertexCosts.ACTOR_BYTES);
    // a member of an ONNX model reads all 461,872 weights once; of a zoo model, only its own
    assertThat(c.sharedBytes()).isEqualTo(461_872L * 4);
    Fabric f = Fabrics.parse("5pp", 60);
    assertThat(VertexCosts.of(RESNET32, Placement.along(LinearOrder.search(RESNET32), f).vertexOf(), f::route,
        false, 16, false).sharedBytes()).isZero();
  }

  @Test
  void onAFabricWithoutSingleHopFlowsTheVerticesBetweenPayForwarding() {
    VertexCosts fivePp = on("5pp");
    VertexCosts ring = on("ring");
    assertThat(fivePp.vertices()).hasSize(60); // ResNet-32 embeds in 5PP: nothing is forwarded
    Fabric f = Fabrics.parse("ring", 60);
    int[] vertexOf = Placement.along(LinearOrder.search(RESNET32), f).vertexOf();
    long forwarded = 0;
    for (Transfer t : RESNET32.transfers()) {
      int through = f.route(vertexOf[t.from()], vertexOf[t.to()]).length - 2;
      int rows = (t.kind() == fivepp.mapping.Flow.Kind.PARTIAL_SUM
          ? RESNET32.network().layer(t.source()).convOutput() : RESNET32.network().outputOf(t.source())).height();
      forwarded += through * 2 * (VertexCosts.VALUE_MACS * t.channels() * t.pixels()
          + VertexCosts.MESSAGE_MACS * ((rows + t.stride() - 1) / t.stride()));
    }
    assertThat(forwarded).isPositive();
    assertThat(total(ring) - total(fivePp)).isEqualTo(forwarded);
    // and the channels carry every transfer's bytes once per hop
    assertThat(ring.channels().stream().mapToDouble(VertexCosts.Channel::bytesPerImage).sum()).isEqualTo(
        RESNET32.transfers().stream().mapToDouble(t -> t.bitsPerImage() / 8.0
            * (f.route(vertexOf[t.from()], vertexOf[t.to()]).length - 1)).sum());
  }

  static long total(VertexCosts c) {
    return Arrays.stream(c.vertices()).mapToLong(v -> c.vertex(v).work()).sum();
  }
}
