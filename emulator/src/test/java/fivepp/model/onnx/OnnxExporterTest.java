package fivepp.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.onnx.AttributeProto;
import fivepp.onnx.GraphProto;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.TensorProto;
import fivepp.onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported ONNX file has the structure PyTorch would give the same network. */
class OnnxExporterTest {
  private static Network net;
  private static Weights weights;
  private static byte[] bytes;
  private static ModelProto model;

  @BeforeAll
  static void exportResnet32() throws IOException {
    net = Zoo.get("resnet32");
    weights = Weights.he(net, 1);
    bytes = OnnxExporter.export(net, weights);
    model = ModelProto.parseFrom(bytes);
  }

  @Test
  void headerNamesIrVersionOpsetAndProducer() {
    assertThat(model.getIrVersion()).isEqualTo(8);
    assertThat(model.getOpsetImportList()).hasSize(1);
    assertThat(model.getOpsetImport(0).getDomain()).isEmpty();
    assertThat(model.getOpsetImport(0).getVersion()).isGreaterThanOrEqualTo(13);
    assertThat(model.getProducerName()).isEqualTo("fivepp");
    assertThat(model.getGraph().getName()).isEqualTo("resnet32");
  }

  @Test
  void inputIsTheImageAndOutputTheLogits() {
    GraphProto g = model.getGraph();
    assertThat(g.getInputList()).hasSize(1);
    assertThat(g.getOutputList()).hasSize(1);
    assertThat(g.getInput(0).getName()).isEqualTo("input");
    assertThat(dims(g.getInput(0))).containsExactly(1L, 3L, 32L, 32L);
    assertThat(g.getOutput(0).getName()).isEqualTo("logits");
    assertThat(dims(g.getOutput(0))).containsExactly(1L, 10L);
    assertThat(g.getInput(0).getType().getTensorType().getElemType())
        .isEqualTo(TensorProto.DataType.FLOAT_VALUE);
    // the Gemm of the fc layer writes the logits directly
    NodeProto last = g.getNode(g.getNodeCount() - 1);
    assertThat(last.getOpType()).isEqualTo("Gemm");
    assertThat(last.getOutputList()).containsExactly("logits");
  }

  @Test
  void operatorsAreThoseOfPyTorchsResnet32() {
    Map<String, Long> ops = model.getGraph().getNodeList().stream()
        .collect(Collectors.groupingBy(NodeProto::getOpType, TreeMap::new, Collectors.counting()));
    // 31 convs + the fc; 1 + 2 * 15 ReLUs; 15 residual adds; 2 option-A shortcuts (Slice + Pad)
    assertThat(ops).isEqualTo(Map.of("Conv", 31L, "Gemm", 1L, "Relu", 31L, "Add", 15L, "Slice", 2L,
        "Pad", 2L, "GlobalAveragePool", 1L, "Flatten", 1L));
    assertThat(ops.get("Conv") + ops.get("Gemm")).isEqualTo(net.layers().size());
  }

  @Test
  void optionAShortcutIsAStridedSliceThenAChannelPadAtTheEnd() {
    GraphProto g = model.getGraph();
    Map<String, TensorProto> init = g.getInitializerList().stream()
        .collect(Collectors.toMap(TensorProto::getName, Function.identity()));
    NodeProto slice = node(g, "s2b1b/Slice");
    assertThat(slice.getInput(0)).isEqualTo("s1b5b");
    assertThat(int64s(init.get(slice.getInput(1)))).containsExactly(0, 0);
    assertThat(int64s(init.get(slice.getInput(2)))).containsExactly(Long.MAX_VALUE, Long.MAX_VALUE);
    assertThat(int64s(init.get(slice.getInput(3)))).containsExactly(2, 3);
    assertThat(int64s(init.get(slice.getInput(4)))).containsExactly(2, 2);
    NodeProto pad = node(g, "s2b1b/Pad");
    assertThat(pad.getInput(0)).isEqualTo(slice.getOutput(0));
    assertThat(int64s(init.get(pad.getInput(1)))).containsExactly(0, 0, 0, 0, 0, 16, 0, 0);
    assertThat(pad.getAttributeList()).extracting(AttributeProto::getName, a -> a.getS().toStringUtf8())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("mode", "constant"));
    NodeProto add = node(g, "s2b1b/Add");
    assertThat(add.getInput(1)).isEqualTo(pad.getOutput(0));
    assertThat(int64s(init.get(node(g, "s3b1b/Pad").getInput(1)))).containsExactly(0, 0, 0, 0, 0, 32, 0, 0);
    // a plain identity shortcut is just an Add of the block input
    assertThat(node(g, "s1b2b/Add").getInputList()).containsExactly("s1b2b/Conv", "s1b1b");
  }

  @Test
  void convolutionsCarryTheirAttributesAndWeightsInPyTorchsLayout() {
    GraphProto g = model.getGraph();
    NodeProto conv = node(g, "s2b1a/Conv");
    Map<String, long[]> attrs = conv.getAttributeList().stream().collect(Collectors.toMap(
        AttributeProto::getName, a -> a.getType() == AttributeProto.AttributeType.INTS
            ? a.getIntsList().stream().mapToLong(Long::longValue).toArray() : new long[] {a.getI()}));
    assertThat(attrs).containsOnlyKeys("kernel_shape", "strides", "pads", "dilations", "group");
    assertThat(attrs.get("kernel_shape")).containsExactly(3, 3);
    assertThat(attrs.get("strides")).containsExactly(2, 2);
    assertThat(attrs.get("pads")).containsExactly(1, 1, 1, 1);
    assertThat(attrs.get("dilations")).containsExactly(1, 1);
    assertThat(attrs.get("group")).containsExactly(1);
    TensorProto w = initializer(g, conv.getInput(1));
    assertThat(w.getDimsList()).containsExactly(32L, 16L, 3L, 3L);
    assertThat(floats(w)).containsExactly(weights.of("s2b1a").weights());
    assertThat(floats(initializer(g, conv.getInput(2)))).containsExactly(weights.of("s2b1a").bias());
    TensorProto fc = initializer(g, node(g, "fc/Gemm").getInput(1));
    assertThat(fc.getDimsList()).containsExactly(10L, 64L);
    assertThat(floats(fc)).containsExactly(weights.of("fc").weights());
  }

  @Test
  void everyFloatInitializerIsRawLittleEndianAndTheyHoldExactlyTheWeightsAndBiases() {
    GraphProto g = model.getGraph();
    long biases = net.layers().stream().mapToLong(Layer::outChannels).sum();
    var floatInits = g.getInitializerList().stream()
        .filter(t -> t.getDataType() == TensorProto.DataType.FLOAT_VALUE).toList();
    assertThat(floatInits).hasSize(2 * net.layers().size());
    assertThat(floatInits).allSatisfy(t -> {
      assertThat(t.getFloatDataCount()).isZero();
      assertThat(t.getRawData().size()).isEqualTo(4 * count(t));
    });
    assertThat(floatInits.stream().mapToLong(OnnxExporterTest::count).sum())
        .isEqualTo(net.weights() + biases).isEqualTo(461_872L + 1_146L);
    // and the shared int64 constants of the two shortcuts: starts, ends, axes, steps, 2 pads
    assertThat(g.getInitializerCount()).isEqualTo(2 * 32 + 6);
    // every value a node reads is the input, an initializer or an earlier node's output
    java.util.Set<String> known = new java.util.HashSet<>();
    known.add("input");
    g.getInitializerList().forEach(t -> known.add(t.getName()));
    for (NodeProto n : g.getNodeList()) {
      assertThat(known).as(n.getName()).containsAll(n.getInputList());
      known.addAll(n.getOutputList());
    }
  }

  @Test
  void networksWithPreActivationsConcatenationsAndRelu6Export() throws IOException {
    for (String name : new String[] {"densenet121", "googlenet", "mobilenetv2", "vgg16", "squeezenet1_1"}) {
      Network n = Zoo.get(name, 64, 64);
      ModelProto m = ModelProto.parseFrom(OnnxExporter.export(n, Weights.he(n, 2)));
      Map<String, Long> ops = m.getGraph().getNodeList().stream()
          .collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
      assertThat(ops.getOrDefault("Conv", 0L) + ops.getOrDefault("Gemm", 0L)).as(name)
          .isEqualTo(n.layers().size());
      assertThat(dims(m.getGraph().getOutput(0))).as(name).containsExactly(1L, 1000L);
      switch (name) {
        case "densenet121" -> {
          assertThat(ops.get("Mul")).isEqualTo(58 + 3 + 1); // 58 dense layers, 3 transitions, norm5
          assertThat(ops.get("AveragePool")).isEqualTo(3);
        }
        case "googlenet" -> {
          assertThat(ops.get("Concat")).isEqualTo(8 * 4 + 1); // 4 layers of blocks 3b..5b read a block, and fc
          assertThat(ops.get("MaxPool")).isEqualTo(2 + 9 + 4 * 2); // stem, pool branches, 2 stage pools
        }
        case "mobilenetv2" -> assertThat(ops.get("Clip")).isEqualTo(n.layers().size() - 1 - 17);
        case "vgg16" -> assertThat(ops.get("Gemm")).isEqualTo(3);
        case "squeezenet1_1" -> {
          assertThat(ops.get("Concat")).isEqualTo(7 + 1); // squeezes of fires 3..9 and conv10
          assertThat(ops.get("MaxPool")).isEqualTo(1 + 2 * 2); // conv1, 2 pools after both expands
          assertThat(ops.get("Relu")).isEqualTo(n.layers().size());
          assertThat(ops.get("GlobalAveragePool")).isEqualTo(1);
          assertThat(ops).doesNotContainKey("Gemm");
        }
        default -> throw new AssertionError(name);
      }
    }
  }

  /**
   * A gated layer reads Mul(gate, x) as PyTorch exports torchvision's SqueezeExcitation
   * ({@code scale * input}): GlobalAveragePool, Conv, Relu, Conv, HardSigmoid, then the Mul.
   */
  @Test
  void aSqueezeAndExcitationGateIsTheMulOfTheGateByTheInput() throws IOException {
    Network n = Zoo.get("mobilenet_v3_large", 64, 64);
    GraphProto g = ModelProto.parseFrom(OnnxExporter.export(n, Weights.he(n, 2))).getGraph();
    Function<String, NodeProto> node = name -> g.getNodeList().stream()
        .filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
    assertThat(Stream.of("b4s1/GlobalAveragePool", "b4s1/Conv", "b4s1/Relu", "b4s2/Conv",
        "b4s2/HardSigmoid", "b4p/Mul", "b4p/Conv").map(node).map(NodeProto::getOpType))
        .containsExactly("GlobalAveragePool", "Conv", "Relu", "Conv", "HardSigmoid", "Mul", "Conv");
    assertThat(node.apply("b4s1/GlobalAveragePool").getInputList()).containsExactly("b4d");
    assertThat(node.apply("b4p/Mul").getInputList()).containsExactly("b4s2", "b4d");
    assertThat(node.apply("b4p/Conv").getInput(0)).isEqualTo("b4p/Mul");
    assertThat(node.apply("b4s2/HardSigmoid").getAttributeList()).extracting(AttributeProto::getF)
        .containsExactly(1f / 6, 0.5f);
    // one Mul per gate, and one per Hardswish (Mul(x, HardSigmoid(x)))
    long hardswish = n.layers().stream().filter(l -> l.activation().kind()
        == fivepp.model.Activation.Kind.HARD_SWISH).count();
    assertThat(g.getNodeList().stream().filter(x -> x.getOpType().equals("Mul")))
        .hasSize((int) (8 + hardswish));
  }

  @Test
  void writeLeavesTheFileAndNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("resnet32.onnx");
    Files.writeString(file, "old content");
    OnnxExporter.write(net, weights, file);
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
    // the permissions of any new file (the umask's), not a temporary file's owner-only ones
    Path plain = Files.createFile(dir.resolve("plain"));
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
  }

  @Test
  void writeIntoAMissingFolderFailsAndWritesNothing(@TempDir Path dir) {
    Path file = dir.resolve("no-such-folder").resolve("resnet32.onnx");
    assertThatThrownBy(() -> OnnxExporter.write(net, weights, file)).isInstanceOf(IOException.class);
    assertThat(file).doesNotExist();
    assertThat(dir.resolve("no-such-folder")).doesNotExist();
  }

  private static NodeProto node(GraphProto g, String name) {
    return g.getNodeList().stream().filter(n -> n.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no node " + name));
  }

  private static TensorProto initializer(GraphProto g, String name) {
    return g.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no initializer " + name));
  }

  private static long count(TensorProto t) {
    return t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
  }

  private static float[] floats(TensorProto t) {
    float[] f = new float[(int) count(t)];
    t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return f;
  }

  private static long[] int64s(TensorProto t) {
    assertThat(t.getDataType()).isEqualTo(TensorProto.DataType.INT64_VALUE);
    long[] v = new long[(int) count(t)];
    ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().get(v);
    return v;
  }

  private static long[] dims(ValueInfoProto v) {
    return v.getType().getTensorType().getShape().getDimList().stream()
        .mapToLong(d -> d.getDimValue()).toArray();
  }

  @SuppressWarnings("unused")
  private static String ops(GraphProto g) {
    return Arrays.toString(g.getNodeList().stream().map(NodeProto::getOpType).toArray());
  }
}
