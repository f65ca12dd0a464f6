package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxImporterTest.floats;
import static fivepp.model.onnx.OnnxImporterTest.ints;
import static fivepp.model.onnx.OnnxImporterTest.node;
import static fivepp.model.onnx.OnnxImporterTest.real;
import static fivepp.model.onnx.OnnxImporterTest.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Activation;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.NetworkBuilder;
import fivepp.model.Weights;
import fivepp.onnx.AttributeProto;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.OperatorSetIdProto;
import fivepp.onnx.TensorProto;
import fivepp.runtime.Emulator;
import fivepp.runtime.Reference;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import fivepp.runtime.Tensor;
import fivepp.runtime.onnx.OnnxImportSource;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each element-wise activation of the digital unit in a small convolutional network, built here
 * as ONNX, run by ONNX Runtime (the oracle) and, imported, by the actor emulator (5PP, 256x256)
 * and the reference: {@code x [1,4,6,6] -> Conv 3x3 (8) -> act -> Conv 3x3 stride 2 (6)}, and the
 * same activation on the image, where it becomes the first layer's input activation.
 */
class OnnxActivationsTest {
  /** Of the output's range; the sums of the two Convs run in another order than ORT's. */
  private static final double TOLERANCE = 1e-4;
  private static final int C = 4;
  private static final int MID = 8;
  private static final int OUT = 6;
  private static final int SIDE = 6;

  @TempDir
  Path dir;

  /** The activation under test: its nodes from {@code x} to {@code y}, their initialisers. */
  record Act(String name, Activation want, int channels, List<NodeProto> nodes, List<TensorProto> inits) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Act unary(String op, Activation want, AttributeProto... attrs) {
    return new Act(op, want, -1, List.of(node(op, "act", List.of("x"), "y", attrs)), List.of());
  }

  static float[] slopes(int n) {
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      s[i] = -0.3f + 0.2f * i; // negative, zero and positive slopes
    }
    return s;
  }

  static Act prelu(int channels) {
    return new Act("PRelu per channel", Activation.prelu(slopes(channels)), channels,
        List.of(node("PRelu", "act", List.of("x", "slope"), "y")),
        List.of(floats("slope", new long[] {channels, 1, 1}, slopes(channels))));
  }

  static Stream<Arguments> activations() {
    List<Arguments> cases = new ArrayList<>();
    for (boolean onImage : List.of(false, true)) {
      int ch = onImage ? C : MID;
      for (Act a : List.of(
          unary("Sigmoid", Activation.SIGMOID),
          unary("Tanh", Activation.TANH),
          unary("HardSigmoid", Activation.hardSigmoid(0.2f, 0.5f)),
          unary("HardSigmoid", Activation.hardSigmoid(0.3f, 0.4f), real("alpha", 0.3f), real("beta", 0.4f)),
          unary("HardSwish", Activation.HARD_SWISH),
          unary("Elu", Activation.elu(1f)),
          unary("Elu", Activation.elu(0.5f), real("alpha", 0.5f)),
          unary("Selu", Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA)),
          unary("Selu", Activation.selu(2f, 0.5f), real("alpha", 2f), real("gamma", 0.5f)),
          unary("Softplus", Activation.SOFTPLUS),
          unary("Softsign", Activation.SOFTSIGN),
          new Act("PRelu scalar", Activation.leakyRelu(0.25f), -1,
              List.of(node("PRelu", "act", List.of("x", "slope"), "y")),
              List.of(floats("slope", new long[] {1}, 0.25f))),
          prelu(ch),
          new Act("SiLU as x * Sigmoid(x)", Activation.SILU, -1, List.of(
              node("Sigmoid", "sig", List.of("x"), "s"), node("Mul", "mul", List.of("s", "x"), "y")),
              List.of()),
          new Act("HardSwish as x * HardSigmoid(x)", Activation.HARD_SWISH, -1, List.of(
              node("HardSigmoid", "hsig", List.of("x"), "s", real("alpha", 1f / 6), real("beta", 0.5f)),
              node("Mul", "mul", List.of("x", "s"), "y")), List.of()))) {
        cases.add(Arguments.of(a, onImage));
      }
    }
    return cases.stream();
  }

  /** Input -> [act on the image] -> conv1 -> [act] -> conv2; names renamed around the act. */
  static ModelProto network(Act a, boolean onImage) {
    Random r = new Random(7);
    List<TensorProto> inits = new ArrayList<>(a.inits());
    inits.add(floats("w1", new long[] {MID, C, 3, 3}, gaussian(r, MID * C * 9, 0.4f)));
    inits.add(floats("b1", new long[] {MID}, gaussian(r, MID, 0.5f)));
    inits.add(floats("w2", new long[] {OUT, MID, 3, 3}, gaussian(r, OUT * MID * 9, 0.3f)));
    inits.add(floats("b2", new long[] {OUT}, gaussian(r, OUT, 0.1f)));
    List<NodeProto> nodes = new ArrayList<>();
    String conv1In = onImage ? "y" : "image";
    String conv2In = onImage ? "c1" : "y";
    if (onImage) {
      nodes.addAll(renamed(a.nodes(), "image"));
    }
    nodes.add(node("Conv", "conv1", List.of(conv1In, "w1", "b1"), onImage ? "c1" : "x",
        ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1)));
    if (!onImage) {
      nodes.addAll(a.nodes());
    }
    nodes.add(node("Conv", "conv2", List.of(conv2In, "w2", "b2"), "out",
        ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 2, 2)));
    // opset 14, where HardSwish is
    return OnnxImporterTest.model(value("image", 1, C, SIDE, SIDE), "out", inits,
        nodes.toArray(NodeProto[]::new)).toBuilder()
        .setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(14)).build();
  }

  /** The nodes reading {@code x} read {@code from} instead. */
  static List<NodeProto> renamed(List<NodeProto> nodes, String from) {
    List<NodeProto> out = new ArrayList<>();
    for (NodeProto n : nodes) {
      NodeProto.Builder b = n.toBuilder().clearInput();
      n.getInputList().forEach(i -> b.addInput(i.equals("x") ? from : i));
      out.add(b.build());
    }
    return out;
  }

  static float[] gaussian(Random r, int n, float std) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * std);
    }
    return v;
  }

  /** Two images spanning [-4, 4], so every activation's negative and saturated parts are hit. */
  static List<Tensor> images() {
    Random r = new Random(11);
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      float[] x = new float[C * SIDE * SIDE];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextDouble() * 8 - 4);
      }
      out.add(new Tensor(C, SIDE, SIDE, x));
    }
    return out;
  }

  @ParameterizedTest(name = "{0}, on the image: {1}")
  @MethodSource("activations")
  void theEmulatorComputesWhatOnnxRuntimeComputes(Act a, boolean onImage) throws Exception {
    ModelProto m = network(a, onImage);
    OnnxImporter.Imported imp = read(m);
    Layer first = imp.network().layers().get(0);
    Activation placed = onImage ? first.inputActivation() : first.activation();
    assertThat(placed).as("the activation the importer placed").isEqualTo(a.want());
    assertThat(imp.network().layers()).as("no host layer").hasSize(2);
    List<Tensor> images = images();
    List<float[]> ort = ort(m, images);
    float[][] emulated = emulate(imp, images);
    ModelProto identity = network(new Act("Identity", Activation.NONE, -1,
        List.of(node("Identity", "act", List.of("x"), "y")), List.of()), onImage);
    List<float[]> without = ort(identity, images);
    for (int i = 0; i < images.size(); i++) {
      float[] want = ort.get(i);
      double range = OrtOracle.range(want);
      float[] ref = imp.output(Reference.logits(imp.network(), imp.weights(), images.get(i)));
      assertThat(OrtOracle.maxAbsDiff(ref, want)).as("image %d: reference vs ONNX Runtime", i)
          .isLessThanOrEqualTo(TOLERANCE * range);
      assertThat(OrtOracle.maxAbsDiff(emulated[i], want)).as("image %d: emulator vs ONNX Runtime", i)
          .isLessThanOrEqualTo(TOLERANCE * range);
      assertThat(OrtOracle.maxAbsDiff(without.get(i), want)).as("image %d: the activation matters", i)
          .isGreaterThan(100 * TOLERANCE * range);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("finals")
  void aFinalSoftmaxOrLogSoftmaxRunsOnTheHostAsOnnxRuntimeRunsIt(String op) throws Exception {
    Random r = new Random(3);
    ModelProto m = OnnxImporterTest.model(value("image", 1, C, SIDE, SIDE), "p", List.of(
            floats("w1", new long[] {MID, C, 3, 3}, gaussian(r, MID * C * 9, 0.4f)),
            floats("fw", new long[] {10, MID}, gaussian(r, 10 * MID, 1f)),
            floats("fb", new long[] {10}, gaussian(r, 10, 0.5f))),
        node("Conv", "conv1", List.of("image", "w1"), "c", ints("kernel_shape", 3, 3)),
        node("Elu", "elu", List.of("c"), "e"),
        node("GlobalAveragePool", "gap", List.of("e"), "g"),
        node("Flatten", "flat", List.of("g"), "f"),
        node("Gemm", "fc", List.of("f", "fw", "fb"), "z", OnnxImporterTest.integer("transB", 1)),
        node(op, "out", List.of("z"), "p"));
    OnnxImporter.Imported imp = read(m);
    assertThat(imp.softmax()).isTrue();
    assertThat(imp.logSoftmax()).isEqualTo(op.equals("LogSoftmax"));
    assertThat(imp.notes()).contains("the final " + op + " runs on the host over the array's outputs");
    List<Tensor> images = images();
    List<float[]> ort = ort(m, images);
    float[][] emulated = emulate(imp, images);
    for (int i = 0; i < images.size(); i++) {
      assertThat(OrtOracle.maxAbsDiff(emulated[i], ort.get(i))).as("image %d: emulator vs ONNX Runtime", i)
          .isLessThanOrEqualTo(1e-5);
      // log-probabilities are <= 0 and spread; probabilities sum to 1
      double sum = 0;
      for (float v : ort.get(i)) {
        sum += op.equals("LogSoftmax") ? Math.exp(v) : v;
      }
      assertThat(sum).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-5));
      assertThat(OrtOracle.range(ort.get(i))).isGreaterThan(0.1);
    }
  }

  static Stream<String> finals() {
    return Stream.of("Softmax", "LogSoftmax");
  }

  @Test
  void aPerChannelPReluOnLayersSplitOverSeveralCoresUsesEachCoresOwnChannels() throws Exception {
    // 32 image channels * 3x3 = 288 crossbar rows and 300 outputs: 2 row tiles x 2 column groups
    int cin = 32;
    int cout = 300;
    int side = 4;
    Random r = new Random(5);
    ModelProto m = OnnxImporterTest.model(value("image", 1, cin, side, side), "out", List.of(
            floats("s0", new long[] {1, cin, 1, 1}, slopes(cin)),
            floats("w1", new long[] {cout, cin, 3, 3}, gaussian(r, cout * cin * 9, 0.1f)),
            floats("b1", new long[] {cout}, gaussian(r, cout, 0.5f)),
            floats("s1", new long[] {cout, 1, 1}, slopes(cout)),
            floats("w2", new long[] {OUT, cout, 1, 1}, gaussian(r, OUT * cout, 0.1f))),
        node("PRelu", "p0", List.of("image", "s0"), "a"),
        node("Conv", "conv1", List.of("a", "w1", "b1"), "c", ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1)),
        node("PRelu", "p1", List.of("c", "s1"), "d"),
        node("Conv", "conv2", List.of("d", "w2"), "out", ints("kernel_shape", 1, 1)));
    OnnxImporter.Imported imp = read(m);
    assertThat(imp.network().layers().get(0).inputActivation()).isEqualTo(Activation.prelu(slopes(cin)));
    assertThat(imp.network().layers().get(0).activation()).isEqualTo(Activation.prelu(slopes(cout)));
    CoreGraph g = CoreGraph.of(imp.network(), Tiling.DEFAULT);
    assertThat(g.cores().stream().filter(c -> c.layer().equals("conv1")))
        .extracting(c -> c.inFrom() + ".." + c.inTo() + "->" + c.outFrom() + ".." + c.outTo())
        .hasSize(4).anyMatch(s -> !s.startsWith("0..")).anyMatch(s -> !s.contains("->0.."));
    List<Tensor> images = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      images.add(new Tensor(cin, side, side, gaussian(r, cin * side * side, 2f)));
    }
    List<float[]> ort = ort(m, images);
    float[][] emulated = emulate(imp, images);
    for (int i = 0; i < images.size(); i++) {
      double range = OrtOracle.range(ort.get(i));
      assertThat(OrtOracle.maxAbsDiff(emulated[i], ort.get(i))).as("image %d: emulator vs ONNX Runtime", i)
          .isLessThanOrEqualTo(TOLERANCE * range);
    }
  }

  @Test
  void siluIsOneActivationOfItsConvAndTheMulIsGone() throws IOException {
    Act silu = (Act) activations().filter(c -> c.get()[0].toString().startsWith("SiLU"))
        .findFirst().orElseThrow().get()[0];
    OnnxImporter.Imported imp = read(network(silu, false));
    assertThat(imp.network().layers()).extracting(Layer::name).containsExactly("conv1", "conv2");
    assertThat(imp.network().layers().get(0).activation()).isEqualTo(Activation.SILU);
    assertThat(imp.notes()).anyMatch(n -> n.contains("sig") && n.contains("mul") && n.contains("SILU"));
  }

  @Test
  void sigmoidFeedingAMulByAnotherTensorStaysASigmoid() throws IOException {
    // y = conv1(x) * Sigmoid(image-side tensor z): a gate, not SiLU (squeeze-and-excitation's form)
    ModelProto m = network(new Act("gate", Activation.SIGMOID, -1, List.of(
        node("Sigmoid", "sig", List.of("x"), "s"), node("Relu", "relu", List.of("x"), "z"),
        node("Mul", "mul", List.of("z", "s"), "y")), List.of()), false);
    try {
      OnnxImporter.Imported imp = read(m);
      assertThat(imp.network().layers()).extracting(Layer::activation).doesNotContain(Activation.SILU);
      assertThat(imp.notes()).noneMatch(n -> n.contains("SILU"));
    } catch (OnnxImportUnsupportedException e) {
      assertThat(e.getMessage()).contains("Mul").doesNotContain("SILU");
    }
  }

  @Test
  void aPReluSlopeAlongTheWidthIsRefusedInOneLine() {
    ModelProto m = network(new Act("PRelu by width", null, -1,
        List.of(node("PRelu", "act", List.of("x", "slope"), "y")),
        List.of(floats("slope", new long[] {SIDE}, slopes(SIDE)))), false);
    assertThatThrownBy(() -> read(m)).isInstanceOf(OnnxImportUnsupportedException.class)
        .hasMessageContaining("PRelu with a slope of shape [6] on a rank-4 tensor")
        .hasMessageNotContaining("\n");
  }

  @Test
  void theExporterWritesEveryActivationSoThatItComesBackTheSame() throws Exception {
    List<Activation> all = List.of(Activation.SIGMOID, Activation.TANH,
        Activation.hardSigmoid(0.3f, 0.4f), Activation.HARD_SWISH, Activation.prelu(slopes(MID)),
        Activation.elu(0.5f), Activation.selu(2f, 0.5f), Activation.SOFTPLUS, Activation.SOFTSIGN,
        Activation.SILU, Activation.leakyRelu(0.1f), Activation.clip(-1f, 2f));
    for (Activation a : all) {
      NetworkBuilder b = new NetworkBuilder("act", "every activation", new fivepp.model.Shape(C, SIDE, SIDE));
      b.conv("conv1", MID, 3, 1, 1).activation(a).add();
      b.conv("conv2", MID, 3, 1, 1).inputActivation(a).activation(a).add();
      b.fc("fc", OUT).activation(a.perChannel() ? Activation.prelu(slopes(OUT)) : a).add();
      Network net = b.build();
      Weights w = Weights.he(net, 3);
      Path f = dir.resolve("act.onnx");
      Files.write(f, OnnxExporter.export(net, w));
      OnnxImporter.Imported imp = OnnxImporter.read(f, OnnxImportOptions.DEFAULT);
      assertThat(imp.network().layers()).as("%s", a).extracting(Layer::activation)
          .containsExactly(a, a, a.perChannel() ? Activation.prelu(slopes(OUT)) : a);
      assertThat(imp.network().layers().get(1).inputActivation()).as("%s", a).isEqualTo(a);
      List<Tensor> images = images();
      List<float[]> ort = ort(ModelProto.parseFrom(Files.readAllBytes(f)), images);
      for (int i = 0; i < images.size(); i++) {
        float[] ref = Reference.logits(net, w, images.get(i));
        assertThat(OrtOracle.maxAbsDiff(ref, ort.get(i))).as("%s: reference vs ONNX Runtime", a)
            .isLessThanOrEqualTo(TOLERANCE * Math.max(1, OrtOracle.range(ort.get(i))));
      }
    }
  }

  private OnnxImporter.Imported read(ModelProto m) throws IOException {
    Path f = dir.resolve("m.onnx");
    Files.write(f, m.toByteArray());
    return OnnxImporter.read(f, OnnxImportOptions.DEFAULT);
  }

  static List<float[]> ort(ModelProto m, List<Tensor> images) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<float[]> out = new ArrayList<>();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      try (OrtSession s = env.createSession(m.toByteArray(), o)) {
        String in = s.getInputNames().iterator().next();
        for (Tensor t : images) {
          long[] shape = {1, t.channels(), t.height(), t.width()};
          try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(t.data()), shape);
               OrtSession.Result r = s.run(Map.of(in, x))) {
            OnnxTensor y = (OnnxTensor) r.get(0);
            FloatBuffer b = y.getFloatBuffer();
            float[] v = new float[b.remaining()];
            b.get(v);
            out.add(v);
          }
        }
      }
    }
    return out;
  }

  static float[][] emulate(OnnxImporter.Imported imp, List<Tensor> images) throws IOException {
    CoreGraph g = CoreGraph.of(imp.network(), Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    RunReport r = Emulator.run(g, imp.weights(), f, p, new OnnxImportSource(images, "images"),
        RunOptions.DEFAULT, i -> { });
    float[][] out = new float[images.size()][];
    for (int i = 0; i < images.size(); i++) {
      out[i] = imp.output(r.logits()[i]);
    }
    return out;
  }
}
