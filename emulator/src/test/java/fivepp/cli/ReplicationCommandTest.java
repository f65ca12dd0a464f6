package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@code --replicate auto --core-budget N} on map, compare and stress cnn:MODEL. */
class ReplicationCommandTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "map --model resnet32 --svg none --replicate foo | --replicate 'foo': the only value is 'auto'",
      "map --model resnet32 --svg none --replicate auto | --replicate auto needs --core-budget N",
      "map --model resnet32 --svg none --replicate auto --core-budget 59"
          + " | --core-budget 59 is below the 60 cores resnet32 needs without copies; give at least 60",
      "map --model resnet32 --svg none --core-budget 100 | --core-budget 100 applies with --replicate auto",
      "map --model resnet32 --svg none --replicate auto --core-budget 0 | --core-budget 0: give a number of cores >= 1",
      "compare --models resnet32 --replicate auto --core-budget 10 | below the 60 cores resnet32 needs",
      "compare --models resnet32 --replicate bar --core-budget 100 | --replicate 'bar'",
      "stress --pattern uniform --replicate auto --core-budget 100 | --replicate goes with a cnn:MODEL pattern",
      "stress --pattern cnn:resnet32 --replicate auto --core-budget 10 | below the 60 cores resnet32 needs",
      "run --model resnet32 --images 1 --replicate auto --core-budget 10 | below the 60 cores resnet32 needs",
      "run --model resnet32 --images 1 --replicate auto | --replicate auto needs --core-budget N",
  })
  void badValuesAreOneLineAndExitStatusTwo(String args, String expected) {
    MainTest.assertBadInput(MainTest.run(args.trim().split("\\s+")), expected);
  }

  @Test
  void mapReportsTheBoundBeforeAndAfter() {
    MainTest.Result r = MainTest.run("map", "--model", "resnet32", "--svg", "none", "--replicate", "auto",
        "--core-budget", "120");
    assertThat(r.status()).isZero();
    assertThat(r.out()).startsWith("resnet32 on 5PP(93), crossbar 256x256: 93 cores, 213 flows;");
    assertThat(r.out()).contains("replication: budget 120 cores, 93 used (60 without copies); copies: conv1 x4,"
        + " s1b1a x4, s1b1b x4, s1b2a x4, s1b2b x4, s1b3a x4, s1b3b x4, s1b4a x4, s1b4b x4, s1b5a x4, s1b5b x4;"
        + " no more, as the next level, 224 MVMs per core, needs 123 cores\n"
        + "pipeline bound before 9,766 images/s (max 1024 MVMs per core), after 39,063 images/s"
        + " (max 256 MVMs per core): x4.00\n");
    assertThat(r.out()).contains("single-hop (verifier): no, 34 of 213 flows are not single-hop");
  }

  @Test
  void mapAndCompareJsonCarryTheReplication() throws Exception {
    ObjectMapper m = new ObjectMapper();
    JsonNode map = m.readTree(MainTest.run("map", "--model", "resnet18", "--input", "64x64", "--svg", "none",
        "--format", "json", "--replicate", "auto", "--core-budget", "206").out());
    assertThat(map.get("replication").get("copies").get("conv1").asInt()).isEqualTo(6);
    assertThat(map.get("replication").get("imagesPerSecondBoundBefore").asDouble()).isEqualTo(9765.625);
    assertThat(map.get("replication").get("imagesPerSecondBoundAfter").asDouble()).isEqualTo(39062.5);
    assertThat(map.get("imagesPerSecondBound").asDouble()).isEqualTo(39062.5);
    assertThat(map.get("cores").size()).isEqualTo(206);
    JsonNode cmp = m.readTree(MainTest.run("compare", "--models", "resnet32", "--fabrics", "5pp", "--format", "json",
        "--crossbar", "layer", "--replicate", "auto", "--core-budget", "43").out());
    JsonNode r = cmp.get(0);
    assertThat(r.get("cores").asInt()).isEqualTo(43);
    assertThat(r.get("replication").get("coresBefore").asInt()).isEqualTo(32);
    assertThat(r.get("replication").get("maxMvmsPerCoreAfter").asInt()).isEqualTo(512);
    // two copies per layer still embed in 5PP at layer granularity
    assertThat(r.get("rows").get(0).get("singleHop").asBoolean()).isTrue();
    JsonNode plain = m.readTree(MainTest.run("compare", "--models", "resnet32", "--fabrics", "5pp", "--format", "json").out());
    assertThat(plain.get(0).has("replication")).isFalse();
  }

  @Test
  void runReportsTheBoundBeforeAndAfterAndReachesTheNewOne() throws Exception {
    MainTest.Result r = MainTest.run("run", "--model", "resnet32", "--images", "24", "--replicate", "auto",
        "--core-budget", "120", "--format", "json");
    assertThat(r.status()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("virtualBoundImagesPerSecond").asDouble()).isEqualTo(39062.5);
    assertThat(j.get("virtualImagesPerSecond").asDouble()).isBetween(0.98 * 39062.5, 39062.5 * (1 + 1e-12));
    assertThat(j.get("maxAbsDiffVsReference").asDouble()).isLessThanOrEqualTo(1e-4 * j.get("logitRange").asDouble());
    assertThat(j.get("replication").get("imagesPerSecondBoundBefore").asDouble()).isEqualTo(9765.625);
    assertThat(j.get("replication").get("coresAfter").asInt()).isEqualTo(93);
    assertThat(j.get("cores").size()).isEqualTo(93);
  }

  @Test
  void stressCnnRunsTheCopiesAtTheNewBound() throws Exception {
    MainTest.Result r = MainTest.run("stress", "--fabric", "5pp", "--pattern", "cnn:resnet32", "--replicate", "auto",
        "--core-budget", "120", "--format", "json");
    assertThat(r.status()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("replication").get("imagesPerSecondBoundAfter").asDouble()).isEqualTo(39062.5);
    assertThat(j.get("runs").get(0).get("traffic").asText()).contains("(93 cores, 213 flows) at 1.00 x 39,063 images/s");
    assertThat(j.get("runs").get(0).get("sustained").asBoolean()).isTrue();
  }
}
