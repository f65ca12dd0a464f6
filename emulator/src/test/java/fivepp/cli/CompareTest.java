package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** paper.md A5: 5PP needs the lowest bandwidth per channel among the established fabrics. */
class CompareTest {

  @ParameterizedTest
  @ValueSource(strings = {"layer", "256x256"})
  void fivePpHasTheLeastLoadedBusiestChannelOfTheRealFabricsForEveryZooNetwork(String crossbar)
      throws Exception {
    MainTest.Result r = MainTest.run("compare", "--crossbar", crossbar, "--format", "json");
    assertThat(r.status()).isZero();
    JsonNode results = new ObjectMapper().readTree(r.out());
    assertThat(results).hasSize(18);
    for (JsonNode net : results) {
      Map<String, Long> max = new HashMap<>();
      for (JsonNode row : net.get("rows")) {
        max.put(row.get("fabric").asText().replaceAll(":.*", ""), row.get("maxChannelBytes").asLong());
      }
      assertThat(max.keySet()).containsExactlyInAnyOrder("5pp", "mesh", "torus", "ring", "hypercube", "full");
      for (String other : new String[] {"mesh", "torus", "ring", "hypercube"}) {
        assertThat(max.get("5pp")).as(net.get("model").asText() + " 5pp vs " + other + " at " + crossbar)
            .isLessThanOrEqualTo(max.get(other));
      }
      // full connectivity is the ideal: every flow on a link of its own
      assertThat(max.get("full")).isLessThanOrEqualTo(max.get("5pp"));
    }
  }

  /**
   * SqueezeNet 1.1 as found (docs/analysis.md): at layer granularity 26 cores in 2PP, single-hop on
   * 5PP; at 256x256 44 cores need k = 6, so 5PP is not single-hop. Either way its busiest channel,
   * fire 2's 128x55x55 concatenation into fire 3, carries 387,200 B/image on every fabric.
   */
  @ParameterizedTest
  @CsvSource({"layer, 26, 2, true", "256x256, 44, 6, false"})
  void squeezenetAsFound(String crossbar, int cores, int minK, boolean singleHop) throws Exception {
    MainTest.Result r = MainTest.run("compare", "--models", "squeezenet1_1", "--crossbar", crossbar,
        "--format", "json");
    assertThat(r.status()).isZero();
    JsonNode net = new ObjectMapper().readTree(r.out()).get(0);
    assertThat(net.get("cores").asInt()).isEqualTo(cores);
    assertThat(net.get("minK").asInt()).isEqualTo(minK);
    assertThat(net.get("minKLowerBound").asInt()).isEqualTo(minK);
    for (JsonNode row : net.get("rows")) {
      assertThat(row.get("maxChannelBytes").asLong()).as(row.get("fabric").asText())
          .isEqualTo(387_200);
      if (row.get("fabric").asText().equals("5pp")) {
        assertThat(row.get("singleHop").asBoolean()).isEqualTo(singleHop);
      }
    }
  }
}
