package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxImporterTest.floats;
import static fivepp.model.onnx.OnnxImporterTest.integer;
import static fivepp.model.onnx.OnnxImporterTest.ints;
import static fivepp.model.onnx.OnnxImporterTest.node;
import static fivepp.model.onnx.OnnxImporterTest.value;
import static org.assertj.core.api.Assertions.assertThat;

import fivepp.model.Layer;
import fivepp.model.Pool;
import fivepp.model.Shape;
import fivepp.onnx.AttributeProto;
import fivepp.onnx.GraphProto;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.OperatorSetIdProto;
import fivepp.onnx.TensorProto;
import fivepp.onnx.TypeProto;
import fivepp.onnx.ValueInfoProto;
import fivepp.runtime.Tensor;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * auto_pad SAME_UPPER / SAME_LOWER and unequal explicit pads on Conv, MaxPool and AveragePool:
 * small models imported, their padding checked on the layer, and their outputs in the reference
 * and the emulator (5PP, 256x256) equal to ONNX Runtime's.
 */
class OnnxPaddingTest {
  private static final long SEED = 7;

  static AttributeProto autoPad(String mode) {
    return AttributeProto.newBuilder().setName("auto_pad").setType(AttributeProto.AttributeType.STRING)
        .setS(com.google.protobuf.ByteString.copyFromUtf8(mode)).build();
  }

  static TensorProto weights(String name, long... dims) {
    int n = 1;
    for (long d : dims) {
      n *= (int) d;
    }
    Random r = new Random(name.hashCode());
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) r.nextGaussian() * 0.3f;
    }
    return floats(name, dims, w);
  }

  /** A model with the input x of {@code 1 x 3 x size x size} and the output y. */
  static ModelProto model(int size, List<TensorProto> inits, NodeProto... nodes) {
    ValueInfoProto y = ValueInfoProto.newBuilder().setName("y").setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))).build();
    GraphProto g = GraphProto.newBuilder().setName("g").addInput(value("x", 1, 3, size, size)).addOutput(y)
        .addAllInitializer(inits).addAllNode(List.of(nodes)).build();
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("test").setGraph(g)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).build();
  }

  /** Conv 3x3 (pads 1) of 3 to 4 channels, then {@code then} on its output c. */
  static ModelProto afterConv(int size, NodeProto then) {
    return model(size, List.of(weights("W", 4, 3, 3, 3)),
        node("Conv", "conv", List.of("x", "W"), "c", ints("pads", 1, 1, 1, 1)),
        node("Relu", "relu", List.of("c"), "r"), then.toBuilder().setInput(0, "r").build());
  }

  /** {@code first} on the input x, then Conv 3x3 (pads 1) of 3 to 4 channels. */
  static ModelProto beforeConv(int size, NodeProto first) {
    return model(size, List.of(weights("W", 4, 3, 3, 3)), first.toBuilder().setInput(0, "x").setOutput(0, "p").build(),
        node("Conv", "conv", List.of("p", "W"), "y", ints("pads", 1, 1, 1, 1)));
  }

  static NodeProto pool(String op, AttributeProto... attrs) {
    return node(op, "pool", List.of("in"), "y", attrs);
  }

  static ModelProto conv(int size, int k, AttributeProto... attrs) {
    return model(size, List.of(weights("W", 4, 3, k, k)), node("Conv", "conv", List.of("x", "W"), "y", attrs));
  }

  /**
   * name, model, the padding {top, left, bottom, right} of the layer's convolution or pooling,
   * which pooling ("post", "pre" or "conv" for none), and the output shape.
   */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("Conv SAME_UPPER kernel 4 stride 2",
            conv(9, 4, autoPad("SAME_UPPER"), ints("strides", 2, 2)), new int[] {1, 1, 2, 2}, "conv",
            new Shape(4, 5, 5)),
        Arguments.of("Conv SAME_LOWER kernel 4 stride 2",
            conv(9, 4, autoPad("SAME_LOWER"), ints("strides", 2, 2)), new int[] {2, 2, 1, 1}, "conv",
            new Shape(4, 5, 5)),
        Arguments.of("Conv pads 2,0,1,3", conv(9, 3, ints("pads", 2, 0, 1, 3)), new int[] {2, 0, 1, 3},
            "conv", new Shape(4, 10, 10)),
        Arguments.of("MaxPool SAME_UPPER after a conv",
            afterConv(8, pool("MaxPool", ints("kernel_shape", 3, 3), ints("strides", 2, 2), autoPad("SAME_UPPER"))),
            new int[] {0, 0, 1, 1}, "post", new Shape(4, 4, 4)),
        Arguments.of("MaxPool SAME_LOWER before a conv",
            beforeConv(8, pool("MaxPool", ints("kernel_shape", 2, 2), autoPad("SAME_LOWER"))),
            new int[] {1, 1, 0, 0}, "pre", new Shape(4, 8, 8)),
        Arguments.of("MaxPool pads 0,1,2,1 after a conv",
            afterConv(8, pool("MaxPool", ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 0, 1, 2, 1))),
            new int[] {0, 1, 2, 1}, "post", new Shape(4, 4, 4)),
        Arguments.of("AveragePool SAME_UPPER after a conv",
            afterConv(8, pool("AveragePool", ints("kernel_shape", 3, 3), ints("strides", 2, 2), autoPad("SAME_UPPER"))),
            new int[] {0, 0, 1, 1}, "post", new Shape(4, 4, 4)),
        Arguments.of("AveragePool SAME_LOWER after a conv",
            afterConv(7, pool("AveragePool", ints("kernel_shape", 2, 2), ints("strides", 2, 2), autoPad("SAME_LOWER"))),
            new int[] {1, 1, 0, 0}, "post", new Shape(4, 4, 4)),
        Arguments.of("AveragePool pads 0,1,2,1 counting pads, before a conv",
            beforeConv(8, pool("AveragePool", ints("kernel_shape", 3, 3), ints("pads", 0, 1, 2, 1),
                integer("count_include_pad", 1))),
            new int[] {0, 1, 2, 1}, "pre", new Shape(4, 8, 8)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void importedPaddingComputesWhatOnnxRuntimeComputes(String name, ModelProto m, int[] pads, String where,
      Shape out) throws Exception {
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "pads", OnnxImportOptions.DEFAULT);
    assertThat(imp.network().layers()).as("one layer, no host").hasSize(1);
    Layer l = imp.network().layers().get(0);
    int[] got = switch (where) {
      case "conv" -> new int[] {l.padTop(), l.padLeft(), l.padBottom(), l.padRight()};
      case "post" -> padsOf(l.postPool());
      default -> padsOf(l.prePool());
    };
    assertThat(got).containsExactly(pads);
    assertThat(l.output()).isEqualTo(out);
    Tensor image = OrtOracle.image(imp.network(), SEED);
    float[] ort = OrtOracle.onnxRuntime(m.toByteArray(), image);
    assertThat(ort).hasSize((int) out.elements());
    OrtOracle.assertAgrees(ort, imp.network(), imp.weights(), image, 1e-4);
  }

  private static int[] padsOf(Pool p) {
    assertThat(p).isNotNull();
    return new int[] {p.padTop(), p.padLeft(), p.padBottom(), p.padRight()};
  }
}
