package fivepp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.runtime.LiveStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each member's share from its cores' labels, what crosses to other members, and its health. */
class MembersTest {

  private static Snapshot.CoreSample core(String member, int vertex, double mvmsPerSecond, double busy) {
    return new Snapshot.CoreSample(member, vertex, "l", vertex, 0, mvmsPerSecond, 0, 0, busy, 0, 0);
  }

  @Test
  void aMembersShareAddsUpItsCoresAndOnlyTheBytesThatLeaveIt() {
    List<Snapshot.CoreSample> cores = List.of(core("a", 0, 100, 0.5), core("a", 1, 50, 0.25),
        core("b", 2, 10, 0.75));
    // 0 -> 1 stays on a; 1 -> 2 crosses from a to b; 2 -> 0 from b to a
    List<Snapshot.ChannelSample> channels = List.of(new Snapshot.ChannelSample("a", 0, 1, 0, 400, 0),
        new Snapshot.ChannelSample("a", 1, 2, 0, 300, 0), new Snapshot.ChannelSample("b", 2, 0, 0, 20, 0));
    List<Members.Sample> m = Members.of(cores, channels, List.of(new LiveStats.Health("a", true, 0.5, null),
        new LiveStats.Health("b", false, 4.0, null), new LiveStats.Health("c", false, 9.0, "was unreachable for 10 s")));
    assertThat(m).containsExactly(
        new Members.Sample("a", 2, 150, 0.75, 300, true, 0.5, null),
        new Members.Sample("b", 1, 10, 0.75, 20, false, 4.0, null),
        // lost, and its cores rebuilt elsewhere: still listed, with why
        new Members.Sample("c", 0, 0, 0, 0, false, 9.0, "was unreachable for 10 s"));
  }

  @Test
  void oneJvmHasNoMembers() {
    assertThat(Members.of(List.of(core("local", 0, 1, 1)), List.of(), List.of())).isEmpty();
  }

  @Test
  void aMemberIsReachableWhileItAnswersAndUntilItIsLost() {
    LiveStats live = new LiveStats(4, 1e-7);
    assertThat(live.health()).isEmpty();
    live.heard("b");
    live.heard("a");
    assertThat(live.health()).extracting(LiveStats.Health::member).containsExactly("a", "b");
    assertThat(live.health()).allSatisfy(h -> assertThat(h.reachable()).isTrue());
    live.lost("b", "left the cluster");
    assertThat(live.health().get(1)).extracting(LiveStats.Health::reachable, LiveStats.Health::incident)
        .containsExactly(false, "left the cluster");
  }
}
