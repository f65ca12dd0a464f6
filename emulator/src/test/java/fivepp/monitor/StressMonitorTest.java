package fivepp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fivepp.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code fivepp stress --monitor-port}: the fabric's nodes and channels served live, in their
 * own units (flits, packets, cycles), and at the end equal to what the run reports.
 */
class StressMonitorTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aStressRunIsServedLiveAndEndsAtItsOwnTotals() throws Exception {
    // an 8x8 mesh for 2 M cycles takes several seconds (about 275 k cycles/s here), so the monitor,
    // sampling once a second, sees it running
    try (MonitoredRun run = new MonitoredRun("stress", new String[] {"--fabric", "mesh:8x8", "--pattern", "uniform",
        "--rate", "0.2", "--cycles", "2000000", "--packet-flits", "20", "--format", "json", "--monitor-hold", "60"})) {
      // while it runs: all 64 nodes, flits already ejected
      JsonNode live = Await.until(Duration.ofSeconds(60), "a snapshot of the running stress", () -> {
        JsonNode s = JSON.readTree(run.get("api/snapshot").body());
        JsonNode r = s.get("run");
        return r.get("kind").asText().equals("traffic") && r.get("imagesDone").asLong() > 0 && !r.get("done").asBoolean()
            && s.get("cores").get(0).get("mvms").asLong() > 0 ? s : null;
      });
      assertThat(live.get("cores")).hasSize(64);
      assertThat(live.get("fabric").get("layout").asText()).isEqualTo("grid");
      // once the run is over (the monitor holds), /metrics has the run's totals
      Await.until(Duration.ofSeconds(120), "the stress run's report", () -> run.out.toString().contains("\"runs\"") ? true : null);
      JsonNode report = JSON.readTree(run.out.toString()).get("runs").get(0);
      JsonNode end = Await.until(Duration.ofSeconds(10), "the final snapshot", () -> {
        JsonNode s = JSON.readTree(run.get("api/snapshot").body());
        return s.get("run").get("done").asBoolean() ? s : null;
      });
      assertThat(end.get("run").get("imagesDone").asLong()).isEqualTo(report.get("cycles").asLong());
      PrometheusText m = PrometheusText.parse(run.get("metrics").body());
      double delivered = m.named("fivepp_node_packets_delivered_total").stream().mapToDouble(PrometheusText.Sample::value).sum();
      double generated = m.named("fivepp_node_packets_generated_total").stream().mapToDouble(PrometheusText.Sample::value).sum();
      double ejected = m.named("fivepp_node_flits_ejected_total").stream().mapToDouble(PrometheusText.Sample::value).sum();
      double hops = m.named("fivepp_channel_flits_total").stream().mapToDouble(PrometheusText.Sample::value).sum();
      assertThat(m.named("fivepp_node_flits_ejected_total")).hasSize(64)
          .allSatisfy(sm -> assertThat(sm.labels()).containsKeys("node", "member"));
      assertThat(delivered).isEqualTo(report.get("delivered").asDouble()).isPositive();
      assertThat(generated).isEqualTo(report.get("generated").asDouble());
      assertThat(ejected).isEqualTo(20 * delivered);
      assertThat(hops).isEqualTo(report.get("flitHops").asDouble());
      assertThat(m.named("fivepp_cycles_total").get(0).value()).isEqualTo(report.get("cycles").asDouble());
      assertThat(m.named("fivepp_core_mvms_total")).isEmpty();
      assertThat(run.get("nothing-here").statusCode()).isEqualTo(404);
    }
  }
}
