package fivepp.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.mapping.CoreGraph;
import fivepp.mapping.Tiling;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.onnx.ModelProto;
import fivepp.runtime.Images;
import fivepp.runtime.Reference;
import fivepp.runtime.Tensor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Export then import gives the same layer graph, the same mapping and the same outputs. */
class OnnxRoundTripTest {

  static List<String> zoo() {
    return Zoo.names();
  }

  private static String describe(Network n, Layer l) {
    return String.join(" ", l.kind().name(), l.input().toString(), l.output().toString(),
        l.rows() + "x" + l.cols(), "g" + l.groups(), "s" + l.strideH() + "," + l.strideW(),
        "p" + l.padTop() + "," + l.padLeft() + "," + l.padBottom() + "," + l.padRight(),
        "d" + l.dilationH() + "," + l.dilationW(), "in" + l.inputActivation(), "pre" + l.prePool(),
        "act" + l.activation(), "post" + l.postPool(), "res" + (l.residual() == null ? "-" : l.residual().stride()),
        "inputs" + l.inputs().stream().map(i -> i.firstChannel() + "+" + i.channels()).toList(),
        "gate" + (l.gate() == null ? "-" : n.indexOf(l.gate().from())));
  }

  @ParameterizedTest
  @MethodSource("zoo")
  void exportThenImportKeepsGraphMappingAndOutputs(String name) throws Exception {
    Network net = name.matches("resnet(20|32|44|56|110)") ? Zoo.get(name) : Zoo.get(name, 64, 64);
    Weights w = Weights.he(net, 9);
    OnnxImporter.Imported back = OnnxImporter.read(ModelProto.parseFrom(OnnxExporter.export(net, w)),
        null, name, OnnxImportOptions.DEFAULT);
    Network got = back.network();
    // SiLU and HardSwish are exported as Mul(x, Sigmoid(x)) and Mul(x, HardSigmoid(x)): each pair
    // reads back as the one activation, and the notes say so
    assertThat(back.notes()).as("no host layers or folds on a round trip")
        .filteredOn(s -> !s.matches("node \\S+ \\((Sigmoid|HardSigmoid)\\) and node \\S+ \\(Mul\\)"
            + " are one (SILU|HARD_SWISH) activation")).isEmpty();
    assertThat(got.input()).isEqualTo(net.input());
    assertThat(got.layers()).hasSameSizeAs(net.layers());
    for (int i = 0; i < net.layers().size(); i++) {
      assertThat(describe(got, got.layers().get(i))).as(net.layers().get(i).name())
          .isEqualTo(describe(net, net.layers().get(i)));
    }
    assertThat(got.weights()).isEqualTo(net.weights());
    assertThat(got.macs()).isEqualTo(net.macs());
    CoreGraph a = CoreGraph.of(net, Tiling.DEFAULT);
    CoreGraph b = CoreGraph.of(got, Tiling.DEFAULT);
    assertThat(b.cores()).hasSameSizeAs(a.cores());
    assertThat(b.flows()).isEqualTo(a.flows());
    Tensor image = Images.synthetic(net.input(), 4, 1).next();
    assertThat(Reference.logits(got, back.weights(), image)).containsExactly(Reference.logits(net, w, image));
  }
}
