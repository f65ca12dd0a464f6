package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.mapping.Flow;
import org.junit.jupiter.api.Test;

/** A transfer's arrival depends on its own data only: latency per hop, serialisation at its share. */
class LinkTimingTest {

  private static CorePlan.Send send(int[] route, double... share) {
    return new CorePlan.Send(Flow.Kind.ACTIVATION, "l", 0, 1, 1, 0, 1, 8, route, 1000, share);
  }

  @Test
  void unlimitedLinksAddOnlyTheLatencyOfEveryHop() {
    LinkTiming t = new LinkTiming(new CoreActor.LinkModel(0, 5e-9));
    CorePlan.Send s = send(new int[] {0, 1, 2, 3}, 1, 1, 1);
    assertThat(t.arrival(s, 800, 1e-6)).isCloseTo(1e-6 + 15e-9, within(1e-18));
    // an earlier message after a later one is not held behind it
    assertThat(t.arrival(s, 800, 0)).isCloseTo(15e-9, within(1e-18));
  }

  @Test
  void aTransferSerialisesAtItsShareAndQueuesBehindItsOwnData() {
    // 1 Gbit/s links, the transfer has half of the first channel and all of the second
    LinkTiming t = new LinkTiming(new CoreActor.LinkModel(1e9, 0));
    CorePlan.Send s = send(new int[] {4, 5, 6}, 0.5, 1);
    // 1000 bits: 2 us on the first hop at half of 1 Gbit/s, 1 us on the second
    assertThat(t.arrival(s, 1000, 0)).isCloseTo(3e-6, within(1e-15));
    // the next message is ready at once but waits for the first to leave each channel
    assertThat(t.arrival(s, 1000, 0)).isCloseTo(5e-6, within(1e-15));
    // another transfer over the same channels has its own share: nothing of s delays it
    CorePlan.Send other = send(new int[] {4, 5, 6}, 0.5, 1);
    assertThat(t.arrival(other, 1000, 0)).isCloseTo(3e-6, within(1e-15));
  }
}
