package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fivepp.model.onnx.OnnxShuffleTest;
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
  void aShuffleNetRunsAndATransposeOtherThanAShuffleIsRefusedInOneLine() throws Exception {
    Path shuffle = Files.write(dir.resolve("shuffle.onnx"), OnnxShuffleTest.miniShuffleNet().toByteArray());
    MainTest.Result run = MainTest.run("run", "--onnx", shuffle.toString(), "--images", "2", "--format", "json");
    assertThat(run.status()).isZero();
    JsonNode r = new ObjectMapper().readTree(run.out());
    assertThat(r.get("maxAbsDiffVsReference").asDouble()).isLessThanOrEqualTo(1e-4 * r.get("logitRange").asDouble());
    Path bad = Files.write(dir.resolve("perm.onnx"), OnnxShuffleTest.transposeOtherThanShuffle().toByteArray());
    MainTest.assertBadInput(MainTest.run("map", "--onnx", bad.toString(), "--svg", "none"),
        "Transpose of the N,g,C/g,H,W view s.v with perm [0, 1, 2, 4, 3] (only [0, 2, 1, 3, 4], a channel shuffle)");
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

  @Test
  void fuzzedOnnxModelsGiveAMapOrOneLine() throws Exception {
    byte[] original = Files.readAllBytes(model);
    java.util.Random rnd = new java.util.Random(13);
    int ok = 0;
    long start = System.nanoTime();
    for (int i = 0; i < 120; i++) {
      Path f = Files.write(dir.resolve("fuzz" + i + ".onnx"), MainTest.mutate(original, rnd));
      MainTest.Result r = MainTest.fuzzOutcome(java.time.Duration.ofSeconds(15), "single-hop (verifier)",
          "map", "--onnx", f.toString(), "--crossbar", "layer", "--svg", "none");
      ok += r.status() == 0 ? 1 : 0;
      Files.delete(f);
    }
    assertThat(ok).isBetween(1, 119);
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(40);
  }
}
