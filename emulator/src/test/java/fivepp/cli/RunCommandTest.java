package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
  @TempDir Path dir;


  @Test
  void runReportsWallAndVirtualSpeedPerCoreAndPerChannelAsJson() throws Exception {
    MainTest.Result r = MainTest.run("run", "--model", "resnet20", "--crossbar", "layer", "--images", "3",
        "--format", "json");
    assertThat(r.status()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("images").asInt()).isEqualTo(3);
    assertThat(j.get("wallImagesPerSecond").asDouble()).isPositive();
    assertThat(j.get("virtualImagesPerSecond").asDouble()).isPositive();
    assertThat(j.get("latencyP50Ms").asDouble()).isPositive();
    assertThat(j.get("latencyP99Ms").asDouble()).isGreaterThanOrEqualTo(j.get("latencyP50Ms").asDouble());
    assertThat(j.get("maxAbsDiffVsReference").asDouble()).isLessThanOrEqualTo(1e-4 * j.get("logitRange").asDouble());
    assertThat(j.get("cores")).hasSize(20);
    JsonNode core0 = j.get("cores").get(0);
    assertThat(core0.get("layer").asText()).isEqualTo("conv1");
    assertThat(core0.get("mvms").asLong()).isEqualTo(3 * 1024);
    assertThat(core0.get("busyFraction").asDouble()).isBetween(0.0, 1.0);
    JsonNode ch = j.get("channels").get(0);
    assertThat(ch.has("from") && ch.has("to")).isTrue();
    assertThat(ch.get("bytesPerImage").asDouble()).isEqualTo(16 * 32 * 32);
    assertThat(j.has("logits")).isFalse();
  }

  @Test
  void aWorkProfileMustBeARunReportOfTheSameArrayAndGoesWithCluster() throws Exception {
    MainTest.Result r = MainTest.run("run", "--model", "resnet20", "--images", "2", "--check", "0", "--format", "json");
    assertThat(r.status()).isZero();
    Path report = Files.writeString(dir.resolve("resnet20.json"), r.out());
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--work-profile", report.toString()),
        "--work-profile places cores on cluster members and needs --cluster HOST:PORT");
    // refused before this JVM joins anything: the seed below does not exist
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet32", "--work-profile", report.toString(),
        "--cluster", "127.0.0.1:1"), "it profiles model 'resnet20', this run has 'resnet32'");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--fabric", "mesh", "--work-profile",
        report.toString(), "--cluster", "127.0.0.1:1"), "it profiles fabric '5pp', this run has 'mesh'");
    Path text = Files.writeString(dir.resolve("notes.json"), "images: 3");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--work-profile", text.toString(),
        "--cluster", "127.0.0.1:1"), "cannot read it as a run's JSON report");
    Path other = Files.writeString(dir.resolve("other.json"), "{\"cores\": 3}");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--work-profile", other.toString(),
        "--cluster", "127.0.0.1:1"), "not a run's report");
  }

  @Test
  void tooFewImagesAreRefused() {
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--images", "0"), "--images 0");
  }

  @Test
  void badAnalogValuesAreOneLine() throws Exception {
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--adc-bits", "0"),
        "--adc-bits 0: use 2 to 32 bits");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--dac-bits", "33"),
        "--dac-bits 33: use 2 to 32 bits");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--weight-noise", "-1"),
        "--weight-noise -1: use a finite value >= 0");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--drift-time", "NaN"),
        "--drift-time NaN: use a finite value >= 0");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--images", "20", "--calibrate", "20"),
        "--calibrate 20: calibrate on fewer images than the run's 20");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--adc-bits", "8", "--calibrate", "0"),
        "--adc-bits 8 sets each core's output range from calibration images: give --calibrate N >= 1");
    // a CIFAR file of 3 images under --images 20: calibrating on 5 leaves none analog
    byte[] data = new byte[3073 * 3];
    Path bin = Files.write(dir.resolve("three.bin"), data);
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--images", "20", "--images-from", bin.toString(),
        "--calibrate", "5"), "--calibrate 5: calibrate on fewer images than the run's 3");
  }

  @Test
  void anAnalogRunReportsItsAccuracyAgainstTheExactRunAndTheLabels() throws Exception {
    byte[] data = new byte[3073 * 6];
    new java.util.Random(3).nextBytes(data);
    for (int i = 0; i < 6; i++) {
      data[i * 3073] = 2;
    }
    Path bin = Files.write(dir.resolve("labelled.bin"), data);
    MainTest.Result r = MainTest.run("run", "--model", "resnet20", "--images-from", bin.toString(), "--images", "6",
        "--check", "0", "--dac-bits", "8", "--adc-bits", "8", "--calibrate", "2", "--format", "json");
    assertThat(r.status()).isZero();
    com.fasterxml.jackson.databind.JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("top1AgreementVsExact").asDouble()).isEqualTo(1.0);
    assertThat(j.get("logitSnrDb").asDouble()).isBetween(20.0, 60.0);
    com.fasterxml.jackson.databind.JsonNode a = j.get("analog");
    assertThat(a.get("comparedImages").asInt()).isEqualTo(4);
    assertThat(a.get("labelledImages").asInt()).isEqualTo(4);
    // seeded He weights give these images class 2, their label
    assertThat(a.get("accuracyVsLabels").asDouble()).isEqualTo(1.0);
    assertThat(a.get("exactAccuracyVsLabels").asDouble()).isEqualTo(1.0);
    assertThat(a.get("cores")).hasSize(36);
    MainTest.Result t = MainTest.run("run", "--model", "resnet20", "--images", "3", "--check", "0", "--dac-bits", "6");
    assertThat(t.status()).isZero();
    assertThat(t.out()).contains("analog:       dac 6 bits, adc float32, weight noise 0, read noise 0, drift 0 s, seed 1")
        .contains("vs exact:     top-1 agreement 1.0000").contains("worst cores by their outputs' SNR");
  }

  @Test
  void aFabricTooSmallIsRefused() {
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet32", "--fabric", "mesh:2x2"), "too few for 60 cores");
  }

  @Test
  void cifarImagesOnAnImageNetNetworkAreTheWrongSize() throws Exception {
    Path bin = Files.write(dir.resolve("batch.bin"), new byte[3073 * 2]);
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet18", "--images-from", bin.toString()),
        "CIFAR-10 images are 3x32x32");
  }

  @Test
  void aTruncatedCifarFileIsRefused() throws Exception {
    Path bin = Files.write(dir.resolve("cut.bin"), new byte[5000]);
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--images-from", bin.toString()),
        "not a whole number of CIFAR-10 records");
  }

  @Test
  void anUnreadableImageIsNamed() throws Exception {
    Path folder = Files.createDirectory(dir.resolve("imgs"));
    Files.writeString(folder.resolve("cat.png"), "not an image");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--images-from", folder.toString(), "--images", "2"),
        "cannot read image");
  }

  @Test
  void aCifarFileFeedsTheRun() throws Exception {
    byte[] data = new byte[3073 * 3];
    new java.util.Random(1).nextBytes(data);
    Path bin = Files.write(dir.resolve("batch.bin"), data);
    MainTest.Result r = MainTest.run("run", "--model", "resnet20", "--images-from", bin.toString(), "--images", "5",
        "--format", "json");
    assertThat(r.status()).isZero();
    assertThat(new ObjectMapper().readTree(r.out()).get("images").asInt()).isEqualTo(3);
  }

  @Test
  void aMissingOrMalformedClusterConfigIsOneLine() throws Exception {
    Path none = dir.resolve("none.conf");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--images", "1", "--cluster", "127.0.0.1:1",
        "--config", none.toString()), "config file " + none + " does not exist or is not a file");
    Path bad = Files.writeString(dir.resolve("bad.conf"), "pekko {\n");
    MainTest.assertBadInput(MainTest.run("run", "--model", "resnet20", "--images", "1", "--cluster", "127.0.0.1:1",
        "--config", bad.toString()), "config file " + bad + ": ");
  }
}
