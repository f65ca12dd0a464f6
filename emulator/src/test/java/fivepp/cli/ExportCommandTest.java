package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.model.onnx.OnnxExporter;
import fivepp.onnx.ModelProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {
  @TempDir Path dir;


  @Test
  void exportWritesTheSeededNetworkAndSaysSoInOneLine() throws Exception {
    Path file = dir.resolve("resnet20.onnx");
    MainTest.Result r = MainTest.run("export", "--model", "resnet20", "--seed", "3", "-o", file.toString());
    assertThat(r.status()).isZero();
    byte[] bytes = Files.readAllBytes(file);
    assertThat(r.out()).isEqualTo("wrote " + file + " (" + bytes.length + " bytes, opset 13)\n");
    assertThat(bytes).isEqualTo(OnnxExporter.export(Zoo.get("resnet20"), Weights.he(Zoo.get("resnet20"), 3)));
    assertThat(ModelProto.parseFrom(bytes).getGraph().getName()).isEqualTo("resnet20");
  }

  @Test
  void exportAtAReducedInput() throws Exception {
    Path file = dir.resolve("m.onnx");
    MainTest.Result r = MainTest.run("export", "--model", "mobilenetv2", "--input", "64x64", "-o", file.toString());
    assertThat(r.status()).isZero();
    assertThat(ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getInput(0).getType()
        .getTensorType().getShape().getDim(2).getDimValue()).isEqualTo(64);
  }

  @Test
  void anUnknownModelIsRefusedAndNothingIsWritten() throws Exception {
    Path file = dir.resolve("x.onnx");
    MainTest.assertBadInput(MainTest.run("export", "--model", "resnet33", "-o", file.toString()), "unknown model 'resnet33'");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aMissingFolderIsRefused() {
    Path file = dir.resolve("nowhere").resolve("x.onnx");
    MainTest.assertBadInput(MainTest.run("export", "--model", "resnet20", "-o", file.toString()), "does not exist");
    assertThat(file).doesNotExist();
  }

  @Test
  void aBadInputSizeIsRefused() {
    MainTest.assertBadInput(MainTest.run("export", "--model", "resnet18", "--input", "64", "-o", dir.resolve("a.onnx").toString()),
        "give HEIGHTxWIDTH");
    MainTest.assertBadInput(MainTest.run("export", "--model", "vgg16", "--input", "8x8", "-o", dir.resolve("a.onnx").toString()),
        "too small");
  }
}
