package fivepp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Snapshots of several members merge into one, and the Prometheus view labels every core by member. */
class SnapshotTest {

  private static Snapshot member(String name, long done, int... cores) {
    List<Snapshot.CoreSample> cs = new java.util.ArrayList<>();
    for (int c : cores) {
      cs.add(new Snapshot.CoreSample(name, c, "l" + c, c, 100L * c, 10.0 * c, c, c, 0.5, 0.25, 0));
    }
    return Snapshot.inference(7, 1000 + done, new Snapshot.Run("resnet32", "5pp", "row", 10, done, 1, 1, 1e-3, false, Snapshot.Run.INFERENCE),
        cs, List.of(), List.of(new Snapshot.ChannelSample(name, cores[0], cores[0] + 1, 64, 8, 2)),
        new Snapshot.Latency(done, 1, 1, 2, 3), null, 500, List.of());
  }

  @Test
  void mergeKeepsEveryMembersCoresAndChannelsAndTheCoordinatorsRun() {
    Snapshot coordinator = member("a", 5, 3, 0);
    Snapshot other = member("b", 0, 2, 1);
    Snapshot m = Snapshot.merge(42, List.of(coordinator, other));
    assertThat(m.seq()).isEqualTo(42);
    assertThat(m.cores()).extracting(Snapshot.CoreSample::core).containsExactly(0, 1, 2, 3);
    assertThat(m.cores()).extracting(Snapshot.CoreSample::member).containsExactly("a", "b", "b", "a");
    assertThat(m.channels()).extracting(Snapshot.ChannelSample::member).containsExactly("a", "b");
    assertThat(m.run().imagesDone()).isEqualTo(5);
    assertThat(m.timeMillis()).isEqualTo(1005);
  }

  @Test
  void metricsLabelCoresByMember() {
    Metrics metrics = new Metrics();
    metrics.update(Snapshot.merge(1, List.of(member("a", 5, 0, 1), member("b", 0, 2))));
    PrometheusText p = PrometheusText.parse(metrics.scrape());
    assertThat(p.named("fivepp_core_mvms_total")).extracting(s -> s.labels().get("member") + s.labels().get("core") + "=" + s.value())
        .containsExactlyInAnyOrder("a0=0.0", "a1=100.0", "b2=200.0");
    assertThat(p.named("fivepp_core_mvms_per_second")).hasSize(3);
    assertThat(p.named("fivepp_images_completed_total").get(0).value()).isEqualTo(5);
  }
}
