package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import fivepp.model.Network;
import fivepp.model.Residual;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.model.onnx.OnnxExporter;
import fivepp.model.onnx.OnnxImportOptions;
import fivepp.model.onnx.OnnxImporter;
import fivepp.model.onnx.OrtOracle;
import fivepp.onnx.GraphProto;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.TensorProto;
import fivepp.runtime.Reference;
import fivepp.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ResNet-32 with option-A shortcuts exported the way PyTorch's common CIFAR ResNet code does:
 * {@code F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4))}, a Slice and a Pad with
 * zero channels on both sides, so the shortcut lands in the middle of the block's channels.
 */
class OptionAShortcutTest {
  private static final long SEED = 11;
  @TempDir static Path dir;
  static Network zoo;
  static ModelProto model;
  static Tensor image;
  static float[] ort;

  @BeforeAll
  static void exportTheTorchWay() throws Exception {
    zoo = Zoo.get("resnet32");
    model = bothSides(OnnxExporter.model(zoo, Weights.he(zoo, SEED)));
    image = OrtOracle.image(zoo, SEED);
    ort = OrtOracle.onnxRuntime(model.toByteArray(), image);
  }

  /** The model with each appended channel padding [0,0,0,0, 0,2p,0,0] made [0,p,0,0, 0,p,0,0]. */
  static ModelProto bothSides(ModelProto m) {
    GraphProto.Builder g = m.getGraph().toBuilder();
    int changed = 0;
    for (NodeProto n : g.getNodeList()) {
      if (!n.getOpType().equals("Pad")) {
        continue;
      }
      for (int i = 0; i < g.getInitializerCount(); i++) {
        TensorProto t = g.getInitializer(i);
        if (t.getName().equals(n.getInput(1))) {
          ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
          long[] p = new long[8];
          for (int k = 0; k < 8; k++) {
            p[k] = b.getLong();
          }
          assertThat(p[1]).isZero();
          long half = p[5] / 2;
          ByteBuffer nb = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
          for (long v : new long[] {0, half, 0, 0, 0, p[5] - half, 0, 0}) {
            nb.putLong(v);
          }
          g.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(nb.array())));
          changed++;
        }
      }
    }
    assertThat(changed).as("option-A shortcuts of ResNet-32").isEqualTo(2);
    return m.toBuilder().setGraph(g).build();
  }

  @Test
  void theShortcutLandsInTheMiddleOfTheChannels() throws Exception {
    OnnxImporter.Imported imp = OnnxImporter.read(model, null, "r32a", OnnxImportOptions.DEFAULT);
    Network net = imp.network();
    assertThat(net.layers()).hasSize(zoo.layers().size());
    // planes // 4 zeros before: 8 of 32 channels in stage 2, 16 of 64 in stage 3
    List<Residual> res = net.layers().stream().map(l -> l.residual()).filter(x -> x != null).toList();
    assertThat(res).hasSize(15);
    assertThat(res.stream().filter(x -> x.stride() == 2).map(Residual::firstChannel)).containsExactly(8, 16);
    assertThat(res.stream().filter(x -> x.stride() == 1).map(Residual::firstChannel)).containsOnly(0);
    assertThat(imp.notes()).noneMatch(s -> s.contains("host"));

    double range = OrtOracle.assertAgrees(ort, net, imp.weights(), image, 1e-3);
    // where the zeros go matters: the zoo's appended padding gives other logits
    float[] appended = Reference.logits(zoo, Weights.he(zoo, SEED), image);
    assertThat(OrtOracle.maxAbsDiff(ort, appended)).isGreaterThan(1e-2 * range);
  }

  @Test
  void conformanceRunsItEqualToOnnxRuntime() throws Exception {
    Files.createDirectories(dir.resolve("pytorch-converted"));
    Path test = Files.createDirectories(dir.resolve("node/test_resnet32_option_a_both_sides/test_data_set_0"));
    Files.write(test.getParent().resolve("model.onnx"), model.toByteArray());
    Files.write(test.resolve("input_0.pb"), tensor(image.data(), 1, 3, 32, 32).toByteArray());
    Files.write(test.resolve("output_0.pb"), tensor(ort, 1, ort.length).toByteArray());
    MainTest.Result r = MainTest.run("conformance", dir.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("passed 1, failed 0, unsupported 0");
    assertThat(r.status()).isZero();
  }

  private static TensorProto tensor(float[] v, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    List<Long> d = new ArrayList<>();
    for (long x : dims) {
      d.add(x);
    }
    return TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE).addAllDims(d)
        .setRawData(ByteString.copyFrom(b.array())).build();
  }
}
