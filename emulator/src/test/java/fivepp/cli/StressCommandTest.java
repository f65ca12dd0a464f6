package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StressCommandTest {
  @TempDir Path dir;

  static final String[] SHORT = {"--warmup", "200", "--cycles", "2000", "--drain", "5000"};

  static String[] args(String... a) {
    String[] all = new String[a.length + SHORT.length + 1];
    all[0] = "stress";
    System.arraycopy(a, 0, all, 1, a.length);
    System.arraycopy(SHORT, 0, all, 1 + a.length, SHORT.length);
    return all;
  }

  @Test
  void aRunReportsLatencyThroughputChannelsAndAccountingAsJson() throws Exception {
    MainTest.Result r = MainTest.run(args("--fabric", "mesh:4x4", "--rate", "0.2", "--drop-rate", "0.02",
        "--format", "json"));
    assertThat(r.status()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out()).get("runs").get(0);
    assertThat(j.get("fabric").asText()).isEqualTo("mesh 4x4");
    assertThat(j.get("nodes").asInt()).isEqualTo(16);
    assertThat(j.get("channels")).hasSize(48);
    assertThat(j.get("offered").asDouble()).isBetween(0.17, 0.23);
    assertThat(j.get("accepted").asDouble()).isBetween(0.15, 0.23);
    assertThat(j.get("p99Latency").asDouble()).isGreaterThanOrEqualTo(j.get("avgLatency").asDouble());
    assertThat(j.get("avgLatency").asDouble()).isGreaterThanOrEqualTo(j.get("zeroLoadLatency").asDouble());
    long dropped = j.get("dropped").asLong();
    assertThat(dropped).isPositive();
    assertThat(j.get("drops")).hasSize((int) dropped);
    assertThat(j.get("drops").get(0).get("reason").asText()).startsWith("corrupted on link");
    assertThat(j.get("delivered").asLong() + dropped).isEqualTo(j.get("generated").asLong());
  }

  @Test
  void theTableSaysWhatWasSimulated() {
    MainTest.Result r = MainTest.run(args("--fabric", "5pp", "--nodes", "30", "--rate", "0.1", "--fail-link",
        "10-12", "--fail-node", "20"));
    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("stress: 5PP(30), 30 nodes (29 sending), uniform, 0.100 flits/node/cycle, bernoulli")
        .contains("faults: failed links [10-12]; failed nodes [20]")
        .contains("virtual cut-through, 20-flit packets")
        .contains("destination node 20 failed")
        .containsPattern("packets: generated ([0-9,]+) = delivered [0-9,]+ \\+ dropped [0-9,]+")
        .contains("flit-hops/s");
  }

  @Test
  void theCreditDelayIsReportedAndSlowsALoadedNetwork() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode[] runs = new JsonNode[2];
    String[] delays = {"1", "6"};
    for (int i = 0; i < 2; i++) {
      MainTest.Result r = MainTest.run(args("--fabric", "mesh:4x4", "--rate", "0.4", "--vcs", "1",
          "--credit-delay", delays[i], "--format", "json"));
      assertThat(r.status()).as(r.err()).isZero();
      JsonNode j = json.readTree(r.out());
      assertThat(j.get("model").asText()).contains(i == 0 ? "credits back after 1 cycle;" : "credits back after 6 cycles;");
      runs[i] = j.get("runs").get(0);
    }
    // the same packets are offered; with credits slower to return they wait longer
    assertThat(runs[1].get("generated").asLong()).isGreaterThan(500);
    assertThat(runs[1].get("avgLatency").asDouble()).isGreaterThan(runs[0].get("avgLatency").asDouble());
    assertThat(runs[1].get("zeroLoadLatency").asDouble()).isEqualTo(runs[0].get("zeroLoadLatency").asDouble());
  }

  @Test
  void aSweepWritesCsvPngAndSvgAndReportsSaturation() throws Exception {
    MainTest.Result r = MainTest.run(args("--fabric", "mesh:4x4,torus:4x4", "--sweep", "0.1:0.9:0.4", "--out",
        dir.toString()));
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("saturation throughput").contains("mesh 4x4: ").contains("torus 4x4: ");
    Path csv = dir.resolve("stress-uniform.csv");
    assertThat(Files.readAllLines(csv)).hasSize(1 + 2 * 3);
    assertThat(Files.readAllLines(csv).get(1)).startsWith("mesh 4x4,0.1000,");
    byte[] png = Files.readAllBytes(dir.resolve("stress-uniform.png"));
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    String svg = Files.readString(dir.resolve("stress-uniform.svg"));
    assertThat(svg).contains("<svg").contains("mesh 4x4 (saturation").contains("torus 4x4 (saturation");
    try (var files = Files.list(dir)) {
      assertThat(files).hasSize(3);
    }
    // a second sweep refuses to overwrite, and leaves the files as they are
    MainTest.assertBadInput(MainTest.run(args("--fabric", "mesh:4x4", "--sweep", "0.1:0.2:0.1", "--out",
        dir.toString())), "exists; give --force");
    assertThat(Files.readAllLines(csv)).hasSize(7);
    assertThat(MainTest.run(args("--fabric", "mesh:4x4", "--sweep", "0.1:0.2:0.1", "--out", dir.toString(),
        "--force")).status()).isZero();
    assertThat(Files.readAllLines(csv)).hasSize(3);
  }

  @Test
  void cnnPatternFindsTheLinkWidth() throws Exception {
    MainTest.Result r = MainTest.run(args("--fabric", "5pp", "--pattern", "cnn:resnet20", "--crossbar", "layer",
        "--rate", "0.5", "--injection", "periodic", "--find-link-width", "--format", "json"));
    assertThat(r.status()).as(r.err()).isZero();
    JsonNode w = new ObjectMapper().readTree(r.out()).get("linkWidths").get(0);
    double need = w.get("analysisBusiestChannelGbps").asDouble() * 0.5;
    assertThat(w.get("simulatedMinimumLinkGbps").asDouble() / need).isBetween(1.0, 1.05);
  }

  @Test
  void vgg16On5ppFindsItsLinkWidth() throws Exception {
    // 2,121 cores at 256x256: beyond the 512 nodes whose routes are stored, so routed hop by hop
    MainTest.Result r = MainTest.run(args("--fabric", "5pp", "--pattern", "cnn:vgg16", "--rate", "0.5",
        "--injection", "periodic", "--find-link-width", "--format", "json"));
    assertThat(r.status()).as(r.err()).isZero();
    JsonNode w = new ObjectMapper().readTree(r.out()).get("linkWidths").get(0);
    assertThat(w.get("fabric").asText()).isEqualTo("5PP(2121)");
    assertThat(w.get("model").asText()).isEqualTo("vgg16");
    // the busiest channel carries 10.24 Gbit/s at the pipeline bound, 5.12 at half of it
    assertThat(w.get("analysisBusiestChannelGbps").asDouble()).isCloseTo(10.24, within(0.001));
    double need = w.get("analysisBusiestChannelGbps").asDouble() * 0.5;
    assertThat(w.get("simulatedMinimumLinkGbps").asDouble() / need).isBetween(1.0, 1.05);
    assertThat(w.get("run").get("sustained").asBoolean()).isTrue();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "--pattern zigzag | unknown pattern 'zigzag'",
      "--rate 1.5 | --rate 1.5",
      "--rate -0.1 | --rate -0.1",
      "--fail-link 0-9 | --fail-link 0-9: 5PP(64) has no link 0-9",
      "--fail-link 3 | --fail-link '3': give a link as A-B",
      "--fail-node 99 | '99' is not a node of 5PP(64)",
      "--drop-rate 1 | --drop-rate 1.0",
      "--link-delay 1-2 | --link-delay '1-2': give A-B:CYCLES",
      "--sweep 0.5:0.1:0.1 | --sweep '0.5:0.1:0.1'",
      "--pattern cnn:alexnet | unknown model 'alexnet'",
      "--fabric full --nodes 600 | the stress simulator takes fabric files and the fully connected fabric up to 512",
      "--nodes 600 --fail-node 3 | routing around failed links or nodes takes up to 512",
      "--packet-flits 20 --buffer-flits 10 | a buffer must hold a whole packet",
      "--injection bursty | --injection 'bursty'",
      "--pattern hotspot | needs --hotspot",
      "--find-link-width | --find-link-width goes with a cnn:MODEL pattern",
      "--format csv | --format csv is not offered",
      "--pattern cnn:resnet20 --link-gbps 0 | --link-gbps 0.0",
      "--list-drops -1 | --list-drops -1",
      "--vcs 0 | --vcs 0",
      "--router-delay 0 | --router-delay 0",
      "--credit-delay 0 | --credit-delay 0: give a whole number of cycles from 1 to 100000",
      "--credit-delay 100001 | --credit-delay 100001: give a whole number of cycles from 1 to 100000",
      "--credit-delay abc | Invalid value for option '--credit-delay': 'abc' is not an int",
      "--cycles 0 | --cycles >= 1",
      "--warmup 2000000000 | together at most",
  })
  void badInputIsOneLineAndExitStatusTwo(String a, String expected) {
    String[] given = a.trim().split("\\s+");
    String[] all = new String[given.length + 1];
    all[0] = "stress";
    System.arraycopy(given, 0, all, 1, given.length);
    MainTest.assertBadInput(MainTest.run(all), expected);
  }

  @Test
  void aMissingOutputDirectoryIsRefused() {
    MainTest.assertBadInput(MainTest.run(args("--sweep", "0.1:0.2:0.1", "--out", dir.resolve("nope").toString())),
        "not a directory");
  }

  @Test
  void aNameThatIsAPathIsRefusedAndNothingIsWritten() throws Exception {
    for (String bad : new String[] {"../../x", "sub/x", "..", "/tmp/x", ".hidden"}) {
      MainTest.assertBadInput(MainTest.run(args("--fabric", "mesh:4x4", "--sweep", "0.1:0.2:0.1", "--out",
          dir.toString(), "--name", bad)), "--name '" + bad + "': give a plain file name");
    }
    try (var left = java.nio.file.Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }
}
