package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --onnx wherever --model is, and what a bad ONNX file gets. */
class OnnxCommandsTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void export() {
    model = dir.resolve("r20.onnx");
    assertThat(MainTest.run("export", "--model", "resnet20", "--seed", "3", "-o", model.toString()).status()).isZero();
  }


  @Test
  void mapCompareAndRunTakeAnOnnxFile() throws Exception {
    MainTest.Result map = MainTest.run("map", "--onnx", model.toString(), "--crossbar", "layer", "--svg", "none",
        "--format", "json");
    assertThat(map.status()).isZero();
    JsonNode j = new ObjectMapper().readTree(map.out());
    assertThat(j.get("cores")).hasSize(20);
    assertThat(j.get("singleHop").asBoolean()).isTrue();
    MainTest.Result compare = MainTest.run("compare", "--onnx", model.toString(), "--fabrics", "5pp,mesh",
        "--format", "csv");
    assertThat(compare.status()).isZero();
    assertThat(compare.out().strip().lines()).hasSize(3);
    MainTest.Result run = MainTest.run("run", "--onnx", model.toString(), "--images", "2", "--format", "json");
    assertThat(run.status()).isZero();
    JsonNode r = new ObjectMapper().readTree(run.out());
    assertThat(r.get("maxAbsDiffVsReference").asDouble()).isLessThanOrEqualTo(1e-4 * r.get("logitRange").asDouble());
  }

  @Test
  void aTruncatedFileIsRefusedInOneLine() throws Exception {
    byte[] all = Files.readAllBytes(model);
    Path cut = Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(all, all.length / 2));
    MainTest.assertBadInput(MainTest.run("map", "--onnx", cut.toString(), "--svg", "none"), "cut.onnx");
  }

  @Test
  void aFileOverTheSizeLimitIsRefused() {
    MainTest.assertBadInput(MainTest.run("run", "--onnx", model.toString(), "--max-model-size", "1000"), "1000");
  }

  @Test
  void modelAndOnnxTogetherAreRefused() {
    MainTest.assertBadInput(MainTest.run("map", "--onnx", model.toString(), "--model", "resnet20"), "not both");
  }

  @Test
  void conformanceWithoutTestDataSaysHowToGetIt() {
    MainTest.assertBadInput(MainTest.run("conformance", dir.toString()), "libonnx-testdata");
  }

  @Test
  void noPictureIsWrittenWhenTheModelIsBad() throws Exception {
    Path cut = Files.write(dir.resolve("bad.onnx"), new byte[] {1, 2, 3});
    Path svg = dir.resolve("bad.svg");
    MainTest.assertBadInput(MainTest.run("map", "--onnx", cut.toString(), "--svg", svg.toString()), "bad.onnx");
    assertThat(svg).doesNotExist();
  }
}
