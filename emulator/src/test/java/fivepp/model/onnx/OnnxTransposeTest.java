package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxImporterTest.floats;
import static fivepp.model.onnx.OnnxImporterTest.ints;
import static fivepp.model.onnx.OnnxImporterTest.node;
import static fivepp.model.onnx.OnnxPaddingTest.model;
import static fivepp.model.onnx.OnnxPaddingTest.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.model.Layer;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.TensorProto;
import fivepp.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Linear without bias as PyTorch exports it, Transpose of the weight initialiser + MatMul: the
 * Transpose folds into the FC layer's weights, and the network equals ONNX Runtime.
 */
class OnnxTransposeTest {
  private static final long SEED = 3;

  /** Conv 3x3 (3 to 2 channels, pads 1) on 3x4x4, Relu, Flatten (32 features), then {@code head}. */
  static ModelProto linear(List<TensorProto> inits, NodeProto... head) {
    NodeProto[] nodes = new NodeProto[3 + head.length];
    nodes[0] = node("Conv", "conv", List.of("x", "W"), "c", ints("pads", 1, 1, 1, 1));
    nodes[1] = node("Relu", "relu", List.of("c"), "r");
    nodes[2] = node("Flatten", "flatten", List.of("r"), "f");
    System.arraycopy(head, 0, nodes, 3, head.length);
    List<TensorProto> all = new ArrayList<>(List.of(weights("W", 2, 3, 3, 3)));
    all.addAll(inits);
    return model(4, all, nodes);
  }

  static float[] values(TensorProto t) {
    ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[b.remaining() / 4];
    b.asFloatBuffer().get(v);
    return v;
  }

  @Test
  void aLinearWithoutBiasExportedAsTransposeAndMatMulIsOneFcLayer() throws Exception {
    TensorProto fc = weights("fc.weight", 5, 32);
    ModelProto m = linear(List.of(fc),
        node("Transpose", "t", List.of("fc.weight"), "wt", ints("perm", 1, 0)),
        node("MatMul", "fc", List.of("f", "wt"), "y"));
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "linear", OnnxImportOptions.DEFAULT);
    assertThat(imp.network().layers()).extracting(Layer::name).containsExactly("conv", "fc");
    assertThat(imp.notes()).noneMatch(s -> s.contains("host"));
    Layer l = imp.network().layer("fc");
    assertThat(l.kind()).isEqualTo(Layer.Kind.FC);
    assertThat(l.bias()).isFalse();
    // the FC layer's weights are [out][in]: PyTorch's Linear weight itself, transposed twice
    assertThat(imp.weights().of("fc").weights()).containsExactly(values(fc));
    Tensor image = OrtOracle.image(imp.network(), SEED);
    float[] ort = OrtOracle.onnxRuntime(m.toByteArray(), image);
    assertThat(ort).hasSize(5);
    OrtOracle.assertAgrees(ort, imp.network(), imp.weights(), image, 1e-4);
  }

  @Test
  void theDefaultPermReversesTheAxesAndAGemmTakesTheResult() throws Exception {
    // Gemm(f, Transpose(W)) with the default perm and a bias: y = f W^T + b
    ModelProto m = linear(List.of(weights("fc.weight", 5, 32), floats("fc.bias", new long[] {5}, 1, -1, 2, -2, 0.5f)),
        node("Transpose", "t", List.of("fc.weight"), "wt"),
        node("Gemm", "fc", List.of("f", "wt", "fc.bias"), "y"));
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "gemm", OnnxImportOptions.DEFAULT);
    assertThat(imp.network().layers()).hasSize(2);
    Tensor image = OrtOracle.image(imp.network(), SEED);
    OrtOracle.assertAgrees(OrtOracle.onnxRuntime(m.toByteArray(), image), imp.network(), imp.weights(),
        image, 1e-4);
  }

  @Test
  void aConvWeightStoredInputChannelsFirstFoldsThroughARank4Perm() throws Exception {
    // the kernel kept as [in=3][out=2][kh=3][kw=2], permuted to Conv's [out][in][kh][kw]
    ModelProto m = model(4, List.of(weights("Wio", 3, 2, 3, 2)),
        node("Transpose", "t", List.of("Wio"), "W", ints("perm", 1, 0, 2, 3)),
        node("Conv", "conv", List.of("x", "W"), "y", ints("pads", 1, 0, 1, 1)));
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "conv", OnnxImportOptions.DEFAULT);
    Layer l = imp.network().layer("conv");
    assertThat(List.of(l.outChannels(), l.input().channels(), l.kernelH(), l.kernelW())).containsExactly(2, 3, 3, 2);
    Tensor image = OrtOracle.image(imp.network(), SEED);
    OrtOracle.assertAgrees(OrtOracle.onnxRuntime(m.toByteArray(), image), imp.network(), imp.weights(),
        image, 1e-4);
  }

  @Test
  void aTransposeOfTheImageIsRefusedInOneLine() {
    ModelProto m = model(4, List.of(), node("Transpose", "t", List.of("x"), "y", ints("perm", 0, 1, 3, 2)));
    assertThatThrownBy(() -> OnnxImporter.read(m, null, "image", OnnxImportOptions.DEFAULT))
        .isInstanceOf(OnnxImportUnsupportedException.class)
        .hasMessageStartingWith("image: Transpose of a computed tensor (only of a constant, folded into the"
            + " weights) in node t (Transpose) cannot be placed on CM cores")
        .hasMessageNotContaining("\n");
  }
}
