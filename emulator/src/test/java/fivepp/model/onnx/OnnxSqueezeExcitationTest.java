package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxImporterTest.integer;
import static fivepp.model.onnx.OnnxImporterTest.node;
import static fivepp.model.onnx.OnnxImporterTest.real;
import static fivepp.model.onnx.OnnxPaddingTest.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.model.Activation;
import fivepp.model.Gate;
import fivepp.model.Network;
import fivepp.model.Pool;
import fivepp.model.Residual;
import fivepp.onnx.ModelProto;
import fivepp.runtime.Reference;
import fivepp.runtime.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Squeeze-and-excitation as PyTorch exports torchvision's SqueezeExcitation: GlobalAveragePool,
 * Conv (bias), ReLU or SiLU, Conv (bias), HardSigmoid or Sigmoid, then {@code Mul(scale, x)}
 * becomes the gate of the layer reading the product, and the block equals ONNX Runtime in the
 * reference (OnnxRuntimeOracleTest runs the zoo's gated networks in the emulator too).
 */
class OnnxSqueezeExcitationTest {
  private static final long SEED = 13;

  /** An activation of {@code in} as PyTorch exports it (SiLU and HardSwish as a Mul). */
  private static String act(OnnxShuffleTest.Graph g, String in, String kind) {
    String out = in + "." + kind;
    switch (kind) {
      case "relu" -> g.nodes.add(node("Relu", out, List.of(in), out));
      case "silu" -> {
        g.nodes.add(node("Sigmoid", out + ".sig", List.of(in), out + ".s"));
        g.nodes.add(node("Mul", out, List.of(in, out + ".s"), out));
      }
      case "hardswish" -> {
        g.nodes.add(node("HardSigmoid", out + ".hsig", List.of(in), out + ".s", real("alpha", 1f / 6),
            real("beta", 0.5f)));
        g.nodes.add(node("Mul", out, List.of(in, out + ".s"), out));
      }
      case "hardsigmoid" -> g.nodes.add(node("HardSigmoid", out, List.of(in), out,
          real("alpha", 1f / 6), real("beta", 0.5f)));
      case "sigmoid" -> g.nodes.add(node("Sigmoid", out, List.of(in), out));
      default -> throw new IllegalArgumentException(kind);
    }
    return out;
  }

  /**
   * 3x6x6: stem (3x3, BN, act), an inverted residual block (1x1 expand to 16, 3x3 depthwise, the
   * SE block on it squeezing to 4, 1x1 projection to 8 plus the stem), global pool and a Gemm.
   */
  static ModelProto block(String act, String act1, String scale, boolean gateFirst) {
    OnnxShuffleTest.Graph g = new OnnxShuffleTest.Graph();
    String stem = act(g, g.bn(g.conv("stem", "x", 3, 8, 3, 1, 1), 8), act);
    String e = act(g, g.bn(g.conv("expand", stem, 8, 16, 1, 1, 1), 16), act);
    String d = act(g, g.bn(g.conv("dw", e, 16, 16, 3, 1, 16), 16), act);
    g.nodes.add(node("GlobalAveragePool", "se.pool", List.of(d), "se.pooled"));
    String s = act(g, g.conv("se.fc1", "se.pooled", 16, 4, 1, 1, 1), act1);
    s = act(g, g.conv("se.fc2", s, 4, 16, 1, 1, 1), scale);
    g.nodes.add(node("Mul", "se.mul", gateFirst ? List.of(s, d) : List.of(d, s), "se.out"));
    String p = g.bn(g.conv("project", "se.out", 16, 8, 1, 1, 1), 8);
    g.nodes.add(node("Add", "add", List.of(p, stem), "sum"));
    g.nodes.add(node("GlobalAveragePool", "gap", List.of("sum"), "gap"));
    g.nodes.add(node("Flatten", "flatten", List.of("gap"), "f"));
    g.inits.add(weights("fc.w", 10, 8));
    g.inits.add(weights("fc.b", 10));
    g.nodes.add(node("Gemm", "fc", List.of("f", "fc.w", "fc.b"), "y", integer("transB", 1)));
    return g.model(6);
  }

  private static Network importsToSixLayersWithTheGate(ModelProto m, Activation a1, Activation scale,
      Activation act) throws Exception {
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "se", OnnxImportOptions.DEFAULT);
    Network net = imp.network();
    assertThat(net.layers()).extracting(l -> l.name())
        .containsExactly("stem", "expand", "dw", "se.fc1", "se.fc2", "project", "fc");
    assertThat(imp.notes()).noneMatch(s -> s.contains("host"));
    assertThat(net.layer("se.fc1").prePool()).isEqualTo(Pool.globalAvg());
    assertThat(net.layer("se.fc1").activation()).isEqualTo(a1);
    assertThat(net.layer("se.fc2").activation()).isEqualTo(scale);
    assertThat(net.layer("dw").activation()).isEqualTo(act);
    assertThat(net.layer("project").gate()).isEqualTo(new Gate("se.fc2"));
    assertThat(net.layer("project").residual()).isEqualTo(new Residual("stem", 1));
    assertThat(net.hasGates()).isTrue();
    Tensor image = OrtOracle.image(net, SEED);
    float[] ort = OrtOracle.onnxRuntime(m.toByteArray(), image);
    assertThat(ort).hasSize(10);
    double range = OrtOracle.range(ort);
    assertThat(range).isGreaterThan(0.1);
    assertThat(OrtOracle.maxAbsDiff(ort, Reference.logits(net, imp.weights(), image)))
        .isLessThanOrEqualTo(1e-4 * range);
    return net;
  }

  @Test
  void mobileNetV3sBlockWithReluAndHardSigmoidEqualsOnnxRuntime() throws Exception {
    importsToSixLayersWithTheGate(block("hardswish", "relu", "hardsigmoid", true), Activation.RELU,
        Activation.hardSigmoid(1f / 6, 0.5f), Activation.HARD_SWISH);
  }

  @Test
  void efficientNetsBlockWithSiluAndSigmoidEqualsOnnxRuntime() throws Exception {
    importsToSixLayersWithTheGate(block("silu", "silu", "sigmoid", true), Activation.SILU,
        Activation.SIGMOID, Activation.SILU);
  }

  @Test
  void theGateMayBeTheSecondOperand() throws Exception {
    importsToSixLayersWithTheGate(block("relu", "relu", "sigmoid", false), Activation.RELU,
        Activation.SIGMOID, Activation.RELU);
  }

  @Test
  void aMulByAPooledValueThatNoWeightLayerComputesStaysRefused() {
    OnnxShuffleTest.Graph g = new OnnxShuffleTest.Graph();
    String c = g.relu(g.conv("c", "x", 3, 8, 3, 1, 1));
    g.nodes.add(node("GlobalAveragePool", "pool", List.of(c), "p"));
    g.nodes.add(node("Mul", "mul", List.of(c, "p"), "m"));
    g.conv("y", "m", 8, 4, 1, 1, 1);
    assertThatThrownBy(() -> OnnxImporter.read(g.model(4), null, "mul", OnnxImportOptions.DEFAULT))
        .isInstanceOf(OnnxImportUnsupportedException.class)
        .hasMessageStartingWith("mul: Mul of two tensors (only by a per-channel constant) in node mul (Mul)")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aGatedValueReadByAnythingButAConvRunsThroughAHostLayerWithTheGate() throws Exception {
    OnnxShuffleTest.Graph g = new OnnxShuffleTest.Graph();
    String c = g.relu(g.conv("c", "x", 3, 8, 3, 1, 1));
    g.nodes.add(node("GlobalAveragePool", "pool", List.of(c), "p"));
    String s = act(g, g.conv("s", "p", 8, 8, 1, 1, 1), "sigmoid");
    g.nodes.add(node("Mul", "mul", List.of(s, c), "m"));
    g.nodes.add(node("Relu", "y", List.of("m"), "y"));
    ModelProto m = g.model(4);
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "host", OnnxImportOptions.DEFAULT);
    Network net = imp.network();
    assertThat(net.layers()).hasSize(3);
    assertThat(net.output().name()).startsWith("host_");
    assertThat(net.output().gate()).isEqualTo(new Gate("s"));
    assertThat(net.output().activation()).isEqualTo(Activation.RELU);
    Tensor image = OrtOracle.image(net, SEED);
    float[] ort = OrtOracle.onnxRuntime(m.toByteArray(), image);
    assertThat(OrtOracle.maxAbsDiff(ort, Reference.logits(net, imp.weights(), image)))
        .isLessThanOrEqualTo(1e-5 * OrtOracle.range(ort));
  }
}
