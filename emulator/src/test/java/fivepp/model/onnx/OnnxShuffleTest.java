package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxImporterTest.floats;
import static fivepp.model.onnx.OnnxImporterTest.integer;
import static fivepp.model.onnx.OnnxImporterTest.ints;
import static fivepp.model.onnx.OnnxImporterTest.longs;
import static fivepp.model.onnx.OnnxImporterTest.node;
import static fivepp.model.onnx.OnnxPaddingTest.model;
import static fivepp.model.onnx.OnnxPaddingTest.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.OperatorSetIdProto;
import fivepp.onnx.TensorProto;
import fivepp.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Channel shuffles (Reshape N,C,H,W to N,g,C/g,H,W, Transpose [0,2,1,3,4], Reshape back) with
 * what ShuffleNetV2 does around them (Split or Slice into halves, one half through a branch,
 * Concat): folded into the weight rows of the layers that read them, no layer added, and the
 * network equal to ONNX Runtime in the reference and the emulator (5PP, 256x256).
 */
public class OnnxShuffleTest {
  private static final long SEED = 11;

  /** Nodes and initialisers of a model under construction; each method returns its output. */
  static final class Graph {
    final List<NodeProto> nodes = new ArrayList<>();
    final List<TensorProto> inits = new ArrayList<>();

    String conv(String name, String in, int cin, int cout, int k, int stride, int group) {
      inits.add(weights(name + ".w", cout, cin / group, k, k));
      inits.add(weights(name + ".b", cout));
      nodes.add(node("Conv", name, List.of(in, name + ".w", name + ".b"), name,
          ints("pads", k / 2, k / 2, k / 2, k / 2), ints("strides", stride, stride), integer("group", group)));
      return name;
    }

    String bn(String in, int c) {
      String n = in + ".bn";
      Random r = new Random(n.hashCode());
      float[][] p = new float[4][c];
      for (int i = 0; i < c; i++) {
        p[0][i] = 0.5f + r.nextFloat();
        p[1][i] = (float) r.nextGaussian() * 0.2f;
        p[2][i] = (float) r.nextGaussian() * 0.2f;
        p[3][i] = 0.5f + r.nextFloat();
      }
      String[] names = {n + ".gamma", n + ".beta", n + ".mean", n + ".var"};
      for (int i = 0; i < 4; i++) {
        inits.add(floats(names[i], new long[] {c}, p[i]));
      }
      nodes.add(node("BatchNormalization", n, List.of(in, names[0], names[1], names[2], names[3]), n));
      return n;
    }

    String relu(String in) {
      nodes.add(node("Relu", in + ".relu", List.of(in), in + ".relu"));
      return in + ".relu";
    }

    /** x.view(1, g, C/g, H, W).transpose(1, 2).reshape(1, -1, H, W), as PyTorch exports it. */
    String shuffle(String name, String in, int c, int hw, int g) {
      inits.add(longs(name + ".s5", 1, g, c / g, hw, hw));
      inits.add(longs(name + ".s4", 1, -1, hw, hw));
      nodes.add(node("Reshape", name + ".view", List.of(in, name + ".s5"), name + ".v"));
      nodes.add(node("Transpose", name + ".t", List.of(name + ".v"), name + ".vt", ints("perm", 0, 2, 1, 3, 4)));
      nodes.add(node("Reshape", name, List.of(name + ".vt", name + ".s4"), name));
      return name;
    }

    String concat(String name, String a, String b) {
      nodes.add(node("Concat", name, List.of(a, b), name, integer("axis", 1)));
      return name;
    }

    /** ShuffleNetV2's stride-2 unit: both branches read the whole input; concat; shuffle. */
    String down(String p, String in, int c, int hw) {
      String b1 = relu(conv(p + "pw1", bn(conv(p + "dw1", in, c, c, 3, 2, c), c), c, c, 1, 1, 1));
      String b2 = relu(conv(p + "pw2", in, c, c, 1, 1, 1));
      b2 = relu(conv(p + "pw3", bn(conv(p + "dw2", b2, c, c, 3, 2, c), c), c, c, 1, 1, 1));
      return shuffle(p + "shuffle", concat(p + "cat", b1, b2), 2 * c, hw / 2, 2);
    }

    /** ShuffleNetV2's stride-1 unit on the halves x1, x2 of its input: cat(x1, branch(x2)); shuffle. */
    String unit(String p, String x1, String x2, int half, int hw) {
      String b = relu(conv(p + "pw1", x2, half, half, 1, 1, 1));
      b = relu(conv(p + "pw2", bn(conv(p + "dw", b, half, half, 3, 1, half), half), half, half, 1, 1, 1));
      return shuffle(p + "shuffle", concat(p + "cat", x1, b), 2 * half, hw, 2);
    }

    ModelProto model(int size) {
      return OnnxPaddingTest.model(size, inits, nodes.toArray(NodeProto[]::new));
    }
  }

  static NodeProto split(String in, String a, String b, String sizes) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType("Split").setName(in + ".split").addInput(in)
        .addOutput(a).addOutput(b).addAttribute(integer("axis", 1));
    if (sizes != null) {
      n.addInput(sizes);
    }
    return n.build();
  }

  /**
   * A ShuffleNetV2 in miniature on 3x8x8: stem, a stride-2 unit (8 to 16 channels), a stride-1
   * unit on Split halves, one on Slice halves, a stride-2 unit whose depthwise branch reads the
   * shuffled channels (16 to 32), a 1x1 conv, global pool and a Gemm: four shuffles.
   */
  public static ModelProto miniShuffleNet() {
    Graph g = new Graph();
    String x = g.relu(g.bn(g.conv("stem", "x", 3, 8, 3, 1, 1), 8));
    x = g.down("a.", x, 8, 8);
    g.inits.add(longs("halves", 8, 8));
    g.nodes.add(split(x, "b.x1", "b.x2", "halves"));
    x = g.unit("b.", "b.x1", "b.x2", 8, 4);
    g.inits.add(longs("zero", 0));
    g.inits.add(longs("eight", 8));
    g.inits.add(longs("end", Long.MAX_VALUE));
    g.inits.add(longs("one", 1));
    g.nodes.add(node("Slice", "c.slice1", List.of(x, "zero", "eight", "one"), "c.x1"));
    g.nodes.add(node("Slice", "c.slice2", List.of(x, "eight", "end", "one"), "c.x2"));
    x = g.unit("c.", "c.x1", "c.x2", 8, 4);
    x = g.down("d.", x, 16, 4);
    x = g.relu(g.conv("head", x, 32, 24, 1, 1, 1));
    g.nodes.add(node("GlobalAveragePool", "gap", List.of(x), "gap"));
    g.nodes.add(node("Flatten", "flatten", List.of("gap"), "f"));
    g.inits.add(weights("fc.w", 10, 24));
    g.inits.add(weights("fc.b", 10));
    g.nodes.add(node("Gemm", "fc", List.of("f", "fc.w", "fc.b"), "y", integer("transB", 1)));
    return g.model(8);
  }

  @Test
  void aMiniShuffleNetFoldsItsFourShufflesAndEqualsOnnxRuntime() throws Exception {
    ModelProto m = miniShuffleNet();
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "shufflenet", OnnxImportOptions.DEFAULT);
    Network net = imp.network();
    // one layer per Conv and Gemm (1 + 5 + 3 + 3 + 5 + 1 + 1): the shuffles, splits and
    // slices add none, and no host layer runs anything
    assertThat(net.layers()).hasSize(19);
    assertThat(net.layers()).noneMatch(l -> l.name().startsWith("host"));
    assertThat(imp.notes()).filteredOn(s -> s.contains("shuffles 16 channels in 2 groups")).hasSize(3);
    // b.x2 is the second half of shuffle(cat(a.pw1, a.pw3)): channels 4..7 of each, interleaved
    assertThat(net.layer("b.pw1").inputs()).containsExactly(new Input("a.pw1", 4, 4), new Input("a.pw3", 4, 4));
    // the depthwise conv of unit d reads its 16 shuffled channels grouped by producer ...
    assertThat(net.layer("d.dw1").inputs()).containsExactly(new Input("a.pw1", 0, 2),
        new Input("c.pw2", 0, 8), new Input("b.pw2", 0, 4), new Input("a.pw3", 0, 2));
    // ... its groups permuted with them, so the 1x1 conv after it reads all of it, in order
    assertThat(net.layer("d.pw1").inputs()).containsExactly(new Input("d.dw1", 0, 16));
    assertThat(net.layer("head").inputs()).containsExactly(new Input("d.pw1", 0, 16), new Input("d.pw3", 0, 16));
    Tensor image = OrtOracle.image(net, SEED);
    float[] ort = OrtOracle.onnxRuntime(m.toByteArray(), image);
    assertThat(ort).hasSize(10);
    OrtOracle.assertAgrees(ort, net, imp.weights(), image, 1e-4);
  }

  @Test
  void aGroupedConvThatTheShuffleCutsAcrossReadsTheShuffledChannelsAsTheyAre() throws Exception {
    // ShuffleNetV1's order: a grouped 1x1 conv, shuffle, a grouped 1x1 conv whose every group
    // takes channels from both groups before it
    Graph g = new Graph();
    String x = g.relu(g.conv("g1", "x", 3, 8, 3, 1, 1));
    x = g.shuffle("s", x, 8, 6, 2);
    x = g.conv("g2", x, 8, 6, 1, 1, 2);
    x = g.shuffle("y", g.relu(x), 6, 6, 3);
    ModelProto m = g.model(6);
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "v1", OnnxImportOptions.DEFAULT);
    Layer l = imp.network().layer("g2");
    // channels 0, 4, 1, 5, 2, 6, 3, 7 of g1, one part each
    assertThat(l.inputs()).hasSize(8);
    assertThat(l.inputs().get(1)).isEqualTo(new Input("g1", 4, 1));
    // the graph's output is shuffled: a host layer puts it in order
    assertThat(imp.network().layers()).hasSize(3);
    assertThat(imp.notes()).anyMatch(s -> s.contains("is produced by host layer"));
    Tensor image = OrtOracle.image(imp.network(), SEED);
    float[] ort = OrtOracle.onnxRuntime(m.toByteArray(), image);
    assertThat(ort).hasSize(6 * 6 * 6);
    OrtOracle.assertAgrees(ort, imp.network(), imp.weights(), image, 1e-4);
  }

  @Test
  void aSplitIntoEqualPartsWithoutSizesGivesEachItsRange() throws Exception {
    Graph g = new Graph();
    String x = g.relu(g.conv("c", "x", 3, 6, 3, 1, 1));
    g.nodes.add(split(x, "p", "q", null));
    g.conv("y", "q", 3, 4, 1, 1, 1);
    ModelProto m = g.model(5);
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "split", OnnxImportOptions.DEFAULT);
    assertThat(imp.network().layer("y").inputs()).containsExactly(new Input("c", 3, 3));
    Tensor image = OrtOracle.image(imp.network(), SEED);
    OrtOracle.assertAgrees(OrtOracle.onnxRuntime(m.toByteArray(), image), imp.network(), imp.weights(),
        image, 1e-4);
  }

  @Test
  void anOpset18SplitIntoNumOutputsEqualsOnnxRuntime() throws Exception {
    Graph g = new Graph();
    String x = g.relu(g.conv("c", "x", 3, 6, 3, 1, 1));
    g.nodes.add(split(x, "p", "q", null).toBuilder().addAttribute(integer("num_outputs", 2)).build());
    g.conv("y", "p", 3, 4, 1, 1, 1);
    ModelProto m = g.model(5).toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(18)).build();
    OnnxImporter.Imported imp = OnnxImporter.read(m, null, "split18", OnnxImportOptions.DEFAULT);
    assertThat(imp.network().layer("y").inputs()).containsExactly(new Input("c", 0, 3));
    Tensor image = OrtOracle.image(imp.network(), SEED);
    OrtOracle.assertAgrees(OrtOracle.onnxRuntime(m.toByteArray(), image), imp.network(), imp.weights(),
        image, 1e-4);
  }

  /** A conv, then a shuffle's Reshape and a Transpose of its N,g,C/g,H,W view by [0,1,2,4,3]. */
  public static ModelProto transposeOtherThanShuffle() {
    Graph g = new Graph();
    String x = g.conv("c", "x", 3, 8, 1, 1, 1);
    g.shuffle("s", x, 8, 4, 2);
    return g.model(4).toBuilder().setGraph(g.model(4).getGraph().toBuilder()
        .setNode(2, node("Transpose", "s.t", List.of("s.v"), "s.vt", ints("perm", 0, 1, 2, 4, 3)))).build();
  }

  @Test
  void aTransposeOfTheGroupedViewOtherThanTheShuffleIsRefusedInOneLine() {
    ModelProto bad = transposeOtherThanShuffle();
    assertThatThrownBy(() -> OnnxImporter.read(bad, null, "perm", OnnxImportOptions.DEFAULT))
        .isInstanceOf(OnnxImportUnsupportedException.class)
        .hasMessageStartingWith("perm: Transpose of the N,g,C/g,H,W view s.v with perm [0, 1, 2, 4, 3]"
            + " (only [0, 2, 1, 3, 4], a channel shuffle) in node s.t (Transpose) cannot be placed on CM cores")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aSplitAcrossRowsAndAStridedChannelSliceAreRefusedInOneLine() {
    Graph g = new Graph();
    String x = g.conv("c", "x", 3, 8, 1, 1, 1);
    g.nodes.add(split(x, "p", "y", null).toBuilder().setAttribute(0, integer("axis", 2)).build());
    assertThatThrownBy(() -> OnnxImporter.read(g.model(4), null, "rows", OnnxImportOptions.DEFAULT))
        .isInstanceOf(OnnxImportUnsupportedException.class)
        .hasMessageStartingWith("rows: Split along axis 2 of a rank-4 tensor (channels, axis 1, only) in node"
            + " c.split (Split) cannot be placed")
        .hasMessageNotContaining("\n");
    Graph h = new Graph();
    h.inits.add(longs("zero", 0));
    h.inits.add(longs("eight", 8));
    h.inits.add(longs("one", 1));
    h.inits.add(longs("two", 2));
    h.nodes.add(node("Slice", "odd", List.of(h.conv("c", "x", 3, 8, 1, 1, 1), "zero", "eight", "one", "two"), "y"));
    assertThatThrownBy(() -> OnnxImporter.read(h.model(4), null, "step", OnnxImportOptions.DEFAULT))
        .isInstanceOf(OnnxImportUnsupportedException.class)
        .hasMessageStartingWith("step: Slice of channels 0:8 step 2 of 8 (only a non-empty range with step 1)"
            + " in node odd (Slice) cannot be placed")
        .hasMessageNotContaining("\n");
  }
}
