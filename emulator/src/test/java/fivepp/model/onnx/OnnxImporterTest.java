package fivepp.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import fivepp.model.Activation;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Pool;
import fivepp.model.Residual;
import fivepp.model.Shape;
import fivepp.onnx.AttributeProto;
import fivepp.onnx.GraphProto;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.OperatorSetIdProto;
import fivepp.onnx.TensorProto;
import fivepp.onnx.TensorShapeProto;
import fivepp.onnx.TypeProto;
import fivepp.onnx.ValueInfoProto;
import fivepp.runtime.Reference;
import fivepp.runtime.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small ONNX models built here, imported, checked layer by layer and against hand values. */
class OnnxImporterTest {
  @TempDir
  Path dir;

  // -- builders

  static TensorProto floats(String name, long[] dims, float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
        .addAllDims(Arrays.stream(dims).boxed().toList()).setRawData(ByteString.copyFrom(b.array())).build();
  }

  static TensorProto longs(String name, long... v) {
    return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
        .addDims(v.length).addAllInt64Data(Arrays.stream(v).boxed().toList()).build();
  }

  static AttributeProto ints(String name, long... v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
        .addAllInts(Arrays.stream(v).boxed().toList()).build();
  }

  static AttributeProto integer(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  static AttributeProto real(String name, float v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
  }

  static NodeProto node(String op, String name, List<String> in, String out, AttributeProto... attrs) {
    return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out)
        .addAllAttribute(List.of(attrs)).build();
  }

  static ValueInfoProto value(String name, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
  }

  static ModelProto model(ValueInfoProto in, String out, List<TensorProto> inits, NodeProto... nodes) {
    GraphProto g = GraphProto.newBuilder().setName("g").addInput(in)
        .addOutput(ValueInfoProto.newBuilder().setName(out)).addAllInitializer(inits)
        .addAllNode(List.of(nodes)).build();
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("test").setGraph(g)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).build();
  }

  Path write(ModelProto m) throws IOException {
    Path f = dir.resolve("m.onnx");
    Files.write(f, m.toByteArray());
    return f;
  }

  OnnxImporter.Imported load(ModelProto m) throws IOException {
    return OnnxImporter.read(write(m), OnnxImportOptions.DEFAULT);
  }

  static float[] run(OnnxImporter.Imported imp, float[] x) {
    Shape s = imp.network().input();
    return imp.output(Reference.logits(imp.network(), imp.weights(),
        new Tensor(s.channels(), s.height(), s.width(), x)));
  }

  static float[] ramp(int n, float from) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = from + i;
    }
    return x;
  }

  // -- mapping

  @Test
  void convReluMaxPoolIsOneLayer() throws IOException {
    float[] w = new float[18];
    w[4] = 1; // channel 0: identity (centre tap)
    w[9 + 4] = -1; // channel 1: negation
    ModelProto m = model(value("x", 1, 1, 4, 4), "y",
        List.of(floats("W", new long[] {2, 1, 3, 3}, w), floats("B", new long[] {2}, 0, 0)),
        node("Conv", "conv", List.of("x", "W", "B"), "c", ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3)),
        node("Relu", "relu", List.of("c"), "r"),
        node("MaxPool", "pool", List.of("r"), "y", ints("kernel_shape", 2, 2), ints("strides", 2, 2)));
    OnnxImporter.Imported imp = load(m);
    Network n = imp.network();
    assertThat(n.layers()).hasSize(1);
    Layer l = n.layers().get(0);
    assertThat(l.name()).isEqualTo("conv");
    assertThat(l.activation()).isEqualTo(Activation.RELU);
    assertThat(l.postPool()).isEqualTo(Pool.max(2, 2, 0));
    assertThat(l.output()).isEqualTo(new Shape(2, 2, 2));
    float[] x = ramp(16, -8);
    float[] want = new float[8];
    for (int c = 0; c < 2; c++) {
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
          float best = 0;
          for (int dy = 0; dy < 2; dy++) {
            for (int dx = 0; dx < 2; dx++) {
              float v = x[(2 * i + dy) * 4 + 2 * j + dx] * (c == 0 ? 1 : -1);
              best = Math.max(best, Math.max(v, 0));
            }
          }
          want[(c * 2 + i) * 2 + j] = best;
        }
      }
    }
    assertThat(run(imp, x)).containsExactly(want);
  }

  @Test
  void batchNormFoldsIntoTheConvAndIntoAHostLayerOnTheInput() throws IOException {
    List<TensorProto> bn = List.of(floats("s", new long[] {1}, 3), floats("b", new long[] {1}, 0.5f),
        floats("mean", new long[] {1}, 1), floats("var", new long[] {1}, 4));
    List<TensorProto> inits = new java.util.ArrayList<>(bn);
    inits.add(floats("W", new long[] {1, 1, 1, 1}, 2));
    inits.add(floats("B", new long[] {1}, 1));
    ModelProto m = model(value("x", 1, 1, 2, 2), "y", inits,
        node("Conv", "conv", List.of("x", "W", "B"), "c"),
        node("BatchNormalization", "bn", List.of("c", "s", "b", "mean", "var"), "y", real("epsilon", 0)));
    OnnxImporter.Imported imp = load(m);
    assertThat(imp.network().layers()).hasSize(1);
    // 1.5 * (2x + 1 - 1) + 0.5 = 3x + 0.5
    assertThat(imp.weights().of("conv").weights()).containsExactly(3f);
    assertThat(imp.weights().of("conv").bias()).containsExactly(0.5f);
    assertThat(imp.notes()).anyMatch(s -> s.contains("bn") && s.contains("folded into conv"));
    assertThat(run(imp, new float[] {0, 1, 2, -1})).containsExactly(0.5f, 3.5f, 6.5f, -2.5f);

    ModelProto onInput = model(value("x", 1, 1, 2, 2), "y", bn,
        node("BatchNormalization", "bn", List.of("x", "s", "b", "mean", "var"), "y", real("epsilon", 0)));
    OnnxImporter.Imported host = load(onInput);
    assertThat(host.network().layers()).hasSize(1);
    Layer h = host.network().layers().get(0);
    assertThat(h.name()).startsWith("host_");
    assertThat(h.kernelH()).isEqualTo(1);
    assertThat(host.notes()).anyMatch(s -> s.contains("host layer"));
    // 1.5 * (x - 1) + 0.5
    assertThat(run(host, new float[] {0, 1, 2, -1})).containsExactly(-1f, 0.5f, 2f, -2.5f);
  }

  @Test
  void sliceAndPadShortcutBecomesAStridedResidual() throws IOException {
    float[] w = new float[4 * 2 * 9]; // zero kernel, bias 1: the conv outputs ones
    ModelProto m = model(value("x", 1, 2, 4, 4), "y",
        List.of(floats("W", new long[] {4, 2, 3, 3}, w), floats("B", new long[] {4}, 1, 1, 1, 1),
            longs("starts", 0, 0), longs("ends", Long.MAX_VALUE, Long.MAX_VALUE), longs("axes", 2, 3),
            longs("steps", 2, 2), longs("pads", 0, 0, 0, 0, 0, 2, 0, 0)),
        node("Conv", "conv", List.of("x", "W", "B"), "c", ints("pads", 1, 1, 1, 1), ints("strides", 2, 2)),
        node("Slice", "slice", List.of("x", "starts", "ends", "axes", "steps"), "s"),
        node("Pad", "pad", List.of("s", "pads"), "p"),
        node("Add", "add", List.of("c", "p"), "a"),
        node("Relu", "relu", List.of("a"), "y"));
    OnnxImporter.Imported imp = load(m);
    assertThat(imp.network().layers()).hasSize(1);
    Layer l = imp.network().layers().get(0);
    assertThat(l.residual()).isEqualTo(new Residual(Network.INPUT, 2));
    assertThat(l.activation()).isEqualTo(Activation.RELU);
    assertThat(l.output()).isEqualTo(new Shape(4, 2, 2));
    float[] x = ramp(32, -20);
    float[] want = new float[16];
    for (int c = 0; c < 4; c++) {
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
          float v = 1 + (c < 2 ? x[(c * 4 + 2 * i) * 4 + 2 * j] : 0);
          want[(c * 2 + i) * 2 + j] = Math.max(v, 0);
        }
      }
    }
    assertThat(run(imp, x)).containsExactly(want);
  }

  @Test
  void gemmIsAFullyConnectedLayerWithAlphaAndBeta() throws IOException {
    ModelProto m = model(value("x", 1, 3), "y",
        List.of(floats("B", new long[] {3, 2}, 1, 2, 3, 4, 5, 6), floats("C", new long[] {2}, 10, 20)),
        node("Gemm", "fc", List.of("x", "B", "C"), "y", real("alpha", 2), real("beta", 0.5f)));
    OnnxImporter.Imported imp = load(m);
    Layer l = imp.network().layers().get(0);
    assertThat(l.kind()).isEqualTo(Layer.Kind.FC);
    assertThat(imp.network().input()).isEqualTo(new Shape(3, 1, 1));
    assertThat(l.output()).isEqualTo(new Shape(2, 1, 1));
    // x = (1, -1, 2): xB = (1-3+10, 2-4+12) = (8, 10); 2*xB + 0.5*C = (21, 30)
    assertThat(run(imp, new float[] {1, -1, 2})).containsExactly(21f, 30f);
  }

  @Test
  void concatFeedsOneLayerFromTwoProducers() throws IOException {
    ModelProto m = model(value("x", 1, 2, 3, 3), "y",
        List.of(floats("Wa", new long[] {1, 2, 1, 1}, 1, 0), floats("Wb", new long[] {1, 2, 1, 1}, 0, 1),
            floats("Wc", new long[] {1, 2, 1, 1}, 1, 10)),
        node("Conv", "a", List.of("x", "Wa"), "ya"),
        node("Conv", "b", List.of("x", "Wb"), "yb"),
        node("Concat", "cat", List.of("ya", "yb"), "cat", integer("axis", 1)),
        node("Conv", "c", List.of("cat", "Wc"), "y"));
    OnnxImporter.Imported imp = load(m);
    assertThat(imp.network().layers()).extracting(Layer::name).containsExactly("a", "b", "c");
    Layer c = imp.network().layer("c");
    assertThat(c.inputs()).extracting(fivepp.model.Input::from).containsExactly("a", "b");
    assertThat(c.input()).isEqualTo(new Shape(2, 3, 3));
    float[] x = ramp(18, -9);
    float[] got = run(imp, x);
    for (int i = 0; i < 9; i++) {
      assertThat(got[i]).isCloseTo(x[i] + 10 * x[9 + i], within(1e-5f));
    }
  }

  @Test
  void finalSoftmaxRunsOnTheHost() throws IOException {
    ModelProto m = model(value("x", 1, 2), "y", List.of(floats("B", new long[] {2, 2}, 1, 0, 0, 1)),
        node("MatMul", "mm", List.of("x", "B"), "z"),
        node("Softmax", "sm", List.of("z"), "y", integer("axis", 1)));
    OnnxImporter.Imported imp = load(m);
    assertThat(imp.softmax()).isTrue();
    float[] y = run(imp, new float[] {0, (float) Math.log(3)});
    assertThat(y[0]).isCloseTo(0.25f, within(1e-6f));
    assertThat(y[1]).isCloseTo(0.75f, within(1e-6f));
  }

  @Test
  void leakyReluAndClipCarryTheirParameters() throws IOException {
    ModelProto m = model(value("x", 1, 1, 1, 4), "y",
        List.of(floats("W", new long[] {1, 1, 1, 1}, 1), floats("lo", new long[] {}, -1),
            floats("hi", new long[] {}, 2)),
        node("LeakyRelu", "lr", List.of("x"), "l", real("alpha", 0.5f)),
        node("Conv", "conv", List.of("l", "W"), "c"),
        node("Clip", "clip", List.of("c", "lo", "hi"), "y"));
    OnnxImporter.Imported imp = load(m);
    Layer l = imp.network().layers().get(0);
    assertThat(l.inputActivation()).isEqualTo(Activation.leakyRelu(0.5f));
    assertThat(l.activation()).isEqualTo(Activation.clip(-1, 2));
    assertThat(run(imp, new float[] {-4, -1, 1, 3})).containsExactly(-1f, -0.5f, 1f, 2f);
  }

  // -- bad input: one line each

  ModelProto convModel(TensorProto weight, long inChannels) {
    return model(value("x", 1, inChannels, 4, 4), "y", List.of(weight),
        node("Conv", "conv1", List.of("x", "W"), "y"));
  }

  static void oneLine(Throwable t) {
    assertThat(t.getMessage()).doesNotContain("\n");
  }

  @Test
  void aTruncatedFileIsRefused() throws IOException {
    Path f = write(convModel(floats("W", new long[] {64, 1, 3, 3}, new float[576]), 1));
    byte[] all = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(all, all.length / 2));
    assertThatThrownBy(() -> OnnxImporter.read(f, OnnxImportOptions.DEFAULT))
        .isInstanceOf(IOException.class).hasMessageContaining("truncated or corrupt").satisfies(OnnxImporterTest::oneLine);
    Files.write(f, new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x02});
    assertThatThrownBy(() -> OnnxImporter.read(f, OnnxImportOptions.DEFAULT))
        .isInstanceOf(IOException.class).hasMessageContaining("m.onnx").satisfies(OnnxImporterTest::oneLine);
  }

  @Test
  void aMissingInitialiserIsNamed() throws IOException {
    ModelProto m = model(value("x", 1, 1, 4, 4), "y", List.of(),
        node("Conv", "conv1", List.of("x", "W"), "y"));
    assertThatThrownBy(() -> load(m)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing initialiser W").hasMessageContaining("conv1")
        .satisfies(OnnxImporterTest::oneLine);
  }

  @Test
  void int64WeightsAreRefused() throws IOException {
    TensorProto w = TensorProto.newBuilder().setName("W").setDataType(TensorProto.DataType.INT64_VALUE)
        .addAllDims(List.of(1L, 1L, 1L, 1L)).addInt64Data(1).build();
    assertThatThrownBy(() -> load(convModel(w, 1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("INT64").hasMessageContaining("float32").satisfies(OnnxImporterTest::oneLine);
  }

  @Test
  void aShapeThatContradictsItsWeightsIsRefused() throws IOException {
    assertThatThrownBy(() -> load(convModel(floats("W", new long[] {2, 3, 1, 1}, new float[6]), 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("W")
        .hasMessageContaining("1 channels").satisfies(OnnxImporterTest::oneLine);
    TensorProto short_ = floats("W", new long[] {2, 1, 3, 3}, new float[5]);
    assertThatThrownBy(() -> load(convModel(short_, 1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tensor W holds 20 bytes").satisfies(OnnxImporterTest::oneLine);
  }

  @Test
  void aFileOverTheSizeLimitIsRefused() throws IOException {
    Path f = write(convModel(floats("W", new long[] {1, 1, 1, 1}, 1), 1));
    assertThatThrownBy(() -> OnnxImporter.read(f, OnnxImportOptions.DEFAULT.withMaxBytes(10)))
        .isInstanceOf(IOException.class).hasMessageContaining("size limit of 10 bytes")
        .satisfies(OnnxImporterTest::oneLine);
    assertThat(OnnxImporter.read(f, OnnxImportOptions.DEFAULT).network().layers()).hasSize(1);
  }

  @Test
  void anUnsupportedOperatorIsNamedWithItsNodeAndTheSupportedList() throws IOException {
    ModelProto m = model(value("x", 1, 1, 4, 4), "y", List.of(floats("W", new long[] {1, 1, 1, 1}, 1)),
        node("Conv", "conv1", List.of("x", "W"), "c"),
        node("Abs", "abs7", List.of("c"), "y"));
    assertThatThrownBy(() -> load(m)).isInstanceOf(OnnxImportUnsupportedException.class)
        .hasMessageContaining("Abs").hasMessageContaining("abs7")
        .hasMessageContaining("supported operators: Add, AveragePool, BatchNormalization")
        .satisfies(OnnxImporterTest::oneLine);
  }

  @Test
  void symbolicDimensionsNeedAnInputShape() throws IOException {
    ValueInfoProto in = ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("H"))
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("W"))))).build();
    ModelProto m = model(in, "y", List.of(floats("W", new long[] {1, 1, 1, 1}, 1)),
        node("Conv", "conv1", List.of("x", "W"), "y"));
    Path f = write(m);
    assertThatThrownBy(() -> OnnxImporter.read(f, OnnxImportOptions.DEFAULT))
        .hasMessageContaining("symbolic dimension 'H'").hasMessageContaining("--input-shape");
    assertThat(OnnxImporter.read(f, OnnxImportOptions.DEFAULT.withInputShape(1, 1, 8, 6)).network().input())
        .isEqualTo(new Shape(1, 8, 6));
  }
  @Test
  void aConvAttributeBeyondAnIntIsRefusedInOneLine() throws IOException {
    TensorProto w = floats("W", new long[] {1, 1, 1, 1}, 1);
    for (String attr : List.of("strides", "dilations", "pads")) {
      long[] big = attr.equals("pads") ? new long[] {1L << 31, 0, 0, 0} : new long[] {1L << 31, 1};
      ModelProto m = model(value("x", 1, 1, 4, 4), "y", List.of(w),
          node("Conv", "conv1", List.of("x", "W"), "y", ints(attr, big)));
      assertThatThrownBy(() -> load(m)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("m: node conv1 (Conv): attribute " + attr + " = 2147483648 is out of range (at most 2147483647)");
    }
    ModelProto g = model(value("x", 1, 1, 4, 4), "y", List.of(w),
        node("Conv", "conv1", List.of("x", "W"), "y", integer("group", 1L << 40)));
    assertThatThrownBy(() -> load(g)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attribute group = 1099511627776 is out of range");
  }

  @Test
  void weightsHoldingNaNOrInfinityAreRefused() throws IOException {
    assertThatThrownBy(() -> load(convModel(floats("W", new long[] {2, 1, 1, 1}, 1, Float.NaN), 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("m: tensor W holds NaN at index 1; weights and constants must be finite numbers");
    assertThatThrownBy(() -> load(convModel(floats("W", new long[] {1, 1, 1, 1}, Float.NEGATIVE_INFINITY), 1)))
        .hasMessageContaining("tensor W holds -Infinity at index 0");
  }

  /** A Conv whose weight W (one float, 2.0) lives in external data {@code location} at {@code offset}. */
  static ModelProto externalConv(String location, String offset) {
    TensorProto w = TensorProto.newBuilder().setName("W").setDataType(TensorProto.DataType.FLOAT_VALUE)
        .addAllDims(List.of(1L, 1L, 1L, 1L)).setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(fivepp.onnx.StringStringEntryProto.newBuilder().setKey("location").setValue(location))
        .addExternalData(fivepp.onnx.StringStringEntryProto.newBuilder().setKey("offset").setValue(offset))
        .addExternalData(fivepp.onnx.StringStringEntryProto.newBuilder().setKey("length").setValue("4"))
        .build();
    return model(value("x", 1, 1, 4, 4), "y", List.of(w), node("Conv", "conv1", List.of("x", "W"), "y"));
  }

  @Test
  void externalDataIsReadWhereItReallyLiesAndNeverOutsideTheModelsFolder() throws IOException {
    byte[] two = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2f).array();
    Files.write(dir.resolve("w.bin"), two);
    assertThat(run(load(externalConv("w.bin", "0")), ramp(16, 0))[5]).isEqualTo(10f);
    Path outside = Files.createTempDirectory("fivepp-outside");
    try {
      Files.write(outside.resolve("secret.bin"), two);
      Files.createSymbolicLink(dir.resolve("link.bin"), outside.resolve("secret.bin"));
      assertThatThrownBy(() -> load(externalConv("link.bin", "0"))).isInstanceOf(IOException.class)
          .hasMessageContaining("external data file link.bin of tensor W leads outside the model's folder")
          .satisfies(OnnxImporterTest::oneLine);
      assertThatThrownBy(() -> load(externalConv("../" + outside.getFileName() + "/secret.bin", "0")))
          .isInstanceOf(IOException.class).hasMessageContaining("must be next to the model");
    } finally {
      Files.deleteIfExists(dir.resolve("link.bin"));
      Files.deleteIfExists(outside.resolve("secret.bin"));
      Files.delete(outside);
    }
  }

  @Test
  void anExternalDataOffsetThatIsNotANumberIsNamedAsSuch() throws IOException {
    Files.write(dir.resolve("w.bin"), new byte[4]);
    assertThatThrownBy(() -> load(externalConv("w.bin", "abc"))).isInstanceOf(IOException.class)
        .hasMessage("m: tensor W has external data offset 'abc'; it must be a whole number of bytes >= 0");
  }

  @Test
  void aFolderIsNotAnOnnxFile() {
    assertThatThrownBy(() -> OnnxImporter.read(dir, OnnxImportOptions.DEFAULT)).isInstanceOf(IOException.class)
        .hasMessage(dir + ": a folder, not an ONNX file; give the .onnx file itself");
  }
}
