package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MainTest {
  @TempDir Path dir;

  record Result(int status, String out, String err) {}

  /** A user's mistake: exit status 2, one line on stderr containing {@code expected}, nothing on stdout. */
  static void assertBadInput(Result r, String expected) {
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains(expected);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.out()).isEmpty();
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(status, out.toString(), err.toString());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "map --model nosuchnet --svg none | unknown model 'nosuchnet'",
      "map --model resnet32 --fabric meshy --svg none | unknown fabric 'meshy'",
      "map --model resnet32 --fabric kpp:0 --svg none | kpp:0",
      "map --model resnet32 --crossbar 0x256 --svg none | crossbar '0x256'",
      "map --model resnet32 --fabric mesh:2x2 --svg none | too few for 60 cores",
      "compare --models resnet32,alexnet | unknown model 'alexnet'",
      "map --model resnet32 --concat sideways --svg none | --concat 'sideways'",
      "map --model resnet32 --t-mvm 0 --svg none | --t-mvm",
      "map --model resnet32 --bogus | Unknown option: '--bogus'",
      "models --format xml | --format",
      "map --model resnet20 --crossbar 1x1 --svg none | resnet20 with crossbar 1x1 needs 268,336 cores, over the limit of 20,000",
      "run --model resnet20 --crossbar 1x1 --images 1 | -Dfivepp.max-cores=N",
      "compare --models resnet20 --crossbar 2x2 | over the limit of 20,000",
      "run --model resnet20 --input 100000x100000 | resnet20 at input 3x100000x100000: layer conv1 holds"
          + " 16x100000x100000 = 160,000,000,000 values, more than one tensor (a Java array) can hold (2,147,483,639)",
      "run --model resnet20 --input 8000x8000 --images 1 | this run needs about",
  })
  void badInputIsOneLineAndExitStatusTwo(String args, String expected) {
    Result r = run(args.trim().split("\\s+"));
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains(expected);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aBadFabricFileIsNamedWithItsLine() throws Exception {
    Path loop = Files.writeString(dir.resolve("loop.txt"), "# ring\n0 1\n1 1\n");
    Result r = run("map", "--model", "resnet20", "--crossbar", "layer", "--svg", "none",
        "--fabric", "file:" + loop);
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("line 3").contains("self-loop");
    Path bad = Files.writeString(dir.resolve("bad.txt"), "0 1\n1 two\n");
    Result r2 = run("map", "--model", "resnet20", "--svg", "none", "--fabric", "file:" + bad);
    assertThat(r2.status()).isEqualTo(2);
    assertThat(r2.err()).contains("line 2");
  }

  @Test
  void mapWritesJsonAndThePicture() throws Exception {
    Path svg = dir.resolve("r32.svg");
    Result r = run("map", "--model", "resnet32", "--fabric", "5pp", "--crossbar", "layer",
        "--format", "json", "--svg", svg.toString());
    assertThat(r.status()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("cores")).hasSize(32);
    assertThat(j.get("singleHop").asBoolean()).isTrue();
    assertThat(j.get("placement")).hasSize(32);
    // 5PP(32): links 5*32-15 = 145, so 290 channels; degree 10; diameter ceil(31/5) = 7
    assertThat(j.get("fabricChannels").asInt()).isEqualTo(290);
    assertThat(j.get("fabricMaxDegree").asInt()).isEqualTo(10);
    assertThat(j.get("fabricDiameter").asInt()).isEqualTo(7);
    assertThat(j.get("maxChannelBytesPerImage").asLong()).isEqualTo(16L * 32 * 32);
    JsonNode flow = j.get("flows").get(0);
    assertThat(flow.get("hops").asInt()).isEqualTo(1);
    assertThat(flow.has("from") && flow.has("to") && flow.has("bytesPerImage")).isTrue();
    assertThat(Files.readString(svg)).startsWith("<?xml").contains("<svg");
  }

  @Test
  void mapTablePrintsLayerToCoresToVertices() {
    Result r = run("map", "--model", "resnet32", "--svg", "none");
    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("resnet32 on 5PP(60), crossbar 256x256: 60 cores")
        .contains("fabric: 5PP(60), 60 nodes, 570 channels, max degree 10, diameter 12")
        .containsPattern("(?m)^conv1\\s+27 x 16\\s+1,024\\s+1\\s+\\d+$")
        .containsPattern("(?m)^fc\\s+64 x 10\\s+1\\s+1\\s+\\d+$");
  }

  @Test
  void modelsListsTheZooAsJson() throws Exception {
    Result r = run("models", "--format", "json");
    assertThat(r.status()).isZero();
    JsonNode all = new ObjectMapper().readTree(r.out());
    assertThat(all).hasSize(18);
    // {index, weights, MACs} of a few entries
    Map<String, long[]> some = Map.of("resnet32", new long[] {1, 461_872, 68_862_592},
        "squeezenet1_1", new long[] {14, 1_231_552, 349_151_936},
        "shufflenet_v2_x1_0", new long[] {15, 2_261_424, 144_907_992},
        "mobilenet_v3_large", new long[] {16, 5_451_272, 216_589_760},
        "efficientnet_b0", new long[] {17, 5_236_192, 385_814_752});
    some.forEach((name, f) -> {
      JsonNode n = all.get((int) f[0]);
      assertThat(n.get("name").asText()).isEqualTo(name);
      assertThat(new long[] {n.get("weights").asLong(), n.get("macs").asLong()}).as(name)
          .containsExactly(f[1], f[2]);
    });
    // b1p, EfficientNet-B0's first projection, is gated by b1s2; a layer without a gate has no such field
    JsonNode b0 = all.get(17).get("layers");
    assertThat(b0.get(4).get("name").asText()).isEqualTo("b1p");
    assertThat(b0.get(4).get("gate").asText()).isEqualTo("b1s2");
    assertThat(b0.get(3).has("gate")).isFalse();
    JsonNode r32 = all.get(1);
    assertThat(r32.get("layers").get(0).get("rows").asInt()).isEqualTo(27);
    assertThat(r32.get("layers").get(0).get("mvmsPerImage").asInt()).isEqualTo(1024);
  }

  @Test
  void compareGivesOneRowPerNetworkAndFabricWithMinK() {
    Result r = run("compare", "--models", "resnet20,resnet32", "--fabrics", "5pp,mesh,ring",
        "--crossbar", "layer", "--format", "csv");
    assertThat(r.status()).isZero();
    var lines = r.out().strip().lines().toList();
    assertThat(lines).hasSize(1 + 2 * 3);
    assertThat(lines.get(0)).startsWith("model,cores,minK,");
    assertThat(lines.get(1)).startsWith("resnet20,20,").contains(",5pp,20,");
    assertThat(lines.get(4)).startsWith("resnet32,32,").contains(",5pp,32,")
        .contains("," + (16 * 32 * 32) + ",");
  }

  @Test
  void mapOnAFiveThousandVertexRingFileTakesSeconds() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      sb.append(i).append(' ').append((i + 1) % 5000).append('\n');
    }
    Path ring = Files.writeString(dir.resolve("ring5000.txt"), sb);
    long start = System.nanoTime();
    Result r = run("map", "--model", "resnet20", "--svg", "none", "--fabric", "file:" + ring);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("5000 nodes, 10000 channels, max degree 2, diameter 2500");
    assertThat(seconds).isLessThan(10);
  }

  @Test
  void aRunTooLargeForTheHeapIsRefusedWithTheEstimateAndTheXmxToGive() {
    fivepp.model.Network net = fivepp.model.Zoo.get("resnet20", 1000, 1000);
    RunMemory m = new RunMemory(138L << 20, 1L << 20, 44L << 20, 527L << 20);
    assertThat(m.totalBytes()).isEqualTo((192L + 138 + 1 + 44 + 527) << 20);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunMemory.check(net, m, 512L << 20))
        .isInstanceOf(UserError.class)
        .hasMessage("this run needs about 902 MiB of heap (array 138 MiB, weights 1 MiB, images in flight 44 MiB,"
            + " reference check 527 MiB), more than the 512 MiB this JVM may use; give it FIVEPP_JAVA_OPTS=-Xmx2g,"
            + " or use a smaller input, --window or --check 0");
    RunMemory.check(net, m, 1L << 30); // fits: no refusal
  }

  /** The appenders an event of {@code logger} at WARN reaches, walking up the hierarchy as logback does. */
  static java.util.List<String> appendersOf(String logger) {
    java.util.List<String> names = new java.util.ArrayList<>();
    var ctx = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    for (ch.qos.logback.classic.Logger l = ctx.getLogger(logger); l != null; ) {
      l.iteratorForAppenders().forEachRemaining(a -> names.add(a.getClass().getSimpleName()));
      if (!l.isAdditive()) {
        break;
      }
      String n = l.getName();
      l = n.equals(org.slf4j.Logger.ROOT_LOGGER_NAME) ? null
          : ctx.getLogger(n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
    return names;
  }

  @Test
  void libraryWarningsGoToTheLogFileAndOnlyOursToTheConsole() {
    assertThat(appendersOf("org.apache.pekko.remote.artery.Decoder")).containsExactly("RollingFileAppender");
    assertThat(appendersOf("org.apache.pekko.http.impl.engine.HttpServerBluePrint")).containsExactly("RollingFileAppender");
    assertThat(appendersOf("io.netty.channel.ChannelHandler")).containsExactly("RollingFileAppender");
    assertThat(appendersOf("fivepp.runtime.Coordinator")).containsExactly("ConsoleAppender", "RollingFileAppender");
  }

  /**
   * What a fuzzed input may give: exit 0 with the whole report and nothing on stderr, or exit 2
   * with one line and nothing on stdout; never a trace, another status, or more than {@code limit}.
   */
  static Result fuzzOutcome(java.time.Duration limit, String expectedOnSuccess, String... args) {
    Result r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(limit, () -> run(args),
        () -> "over " + limit + ": " + String.join(" ", args));
    if (r.status() == 0) {
      assertThat(r.err()).as("stderr of a success").isEmpty();
      assertThat(r.out()).contains(expectedOnSuccess);
    } else {
      assertThat(r.status()).as(r.err()).isEqualTo(2);
      assertThat(r.err()).startsWith("fivepp: ").doesNotContain("\tat ");
      assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
      assertThat(r.out()).isEmpty();
    }
    return r;
  }

  /** {@code original} with one of {@code seed}'s mutations: a few bytes flipped, or cut short. */
  static byte[] mutate(byte[] original, java.util.Random rnd) {
    if (rnd.nextInt(4) == 0) {
      return java.util.Arrays.copyOf(original, rnd.nextInt(original.length));
    }
    byte[] b = original.clone();
    for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
      int at = rnd.nextInt(b.length);
      b[at] = rnd.nextBoolean() ? (byte) (b[at] ^ (1 << rnd.nextInt(8))) : (byte) rnd.nextInt(256);
    }
    return b;
  }

  @Test
  void fuzzedFabricFilesGiveAMapOrOneLine() throws Exception {
    StringBuilder sb = new StringBuilder("# a ring of 24 with chords\nnodes 24\n");
    for (int i = 0; i < 24; i++) {
      sb.append(i).append(' ').append((i + 1) % 24).append('\n');
      sb.append(i).append(' ').append((i + 5) % 24).append("  # chord\n");
    }
    byte[] original = sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.util.Random rnd = new java.util.Random(20261207);
    int ok = 0;
    long start = System.nanoTime();
    for (int i = 0; i < 150; i++) {
      Path f = Files.write(dir.resolve("fuzz" + i + ".txt"), mutate(original, rnd));
      Result r = fuzzOutcome(java.time.Duration.ofSeconds(10), "single-hop (verifier)",
          "map", "--model", "resnet20", "--crossbar", "layer", "--svg", "none", "--fabric", "file:" + f);
      ok += r.status() == 0 ? 1 : 0;
    }
    // both outcomes occur: the fuzzing reaches past the parser
    assertThat(ok).isBetween(1, 149);
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(30);
  }
}
