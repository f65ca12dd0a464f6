package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
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
    assertThat(results).hasSize(14);
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
}
