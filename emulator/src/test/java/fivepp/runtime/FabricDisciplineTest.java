package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A vertex holds channels to its fabric neighbours only, and forwards hop by hop. */
class FabricDisciplineTest {
  static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static final CoreActor.LinkModel FREE = new CoreActor.LinkModel(0, 0);

  @Test
  void dataForTheNextVertexOnItsRouteGoesOverThatChannelAtTheTimeItsSenderWorkedOut() {
    TestProbe<CoreActor.Command> next = KIT.createTestProbe();
    TestProbe<Coordinator.Command> sink = KIT.createTestProbe();
    // a 1 Gbit/s link with 5 ns latency: the sending core timed the whole route (LinkTiming),
    // so a router passes data on as it came and counts it on the channel
    ActorRef<CoreActor.Command> router = KIT.spawn(CoreActor.create(0, null,
        new CoreActor.LinkModel(1e9, 5e-9), 1e-7, false));
    router.tell(new CoreActor.Wire(Map.of(1, next.getRef()), sink.getRef(), 0, 0));
    assertThat(sink.receiveMessage()).isEqualTo(new Coordinator.Ready(0, 0));
    router.tell(new CoreActor.Data(0, 0, 0, 0, 4, new float[] {1, 2, 3, 4}, 1e-6, new int[] {0, 1, 2}, 0, 8));
    CoreActor.Data d = (CoreActor.Data) next.receiveMessage();
    assertThat(d.hop()).isEqualTo(1);
    assertThat(d.values()).containsExactly(1, 2, 3, 4);
    assertThat(d.ready()).isEqualTo(1e-6);
    TestProbe<CoreActor.Stats> stats = KIT.createTestProbe();
    router.tell(new CoreActor.GetStats(stats.getRef()));
    CoreActor.Stats s = stats.receiveMessage();
    // 4 values of 8 bits on the channel to vertex 1
    assertThat(s.channelBits()).isEqualTo(Map.of(1, 32L));
    // passing data on costs the router's member a processor too: placement by a measured
    // profile weighs it (it counted only MVM work before, so a router was never busy)
    assertThat(s.busyNanos()).isPositive();
    assertThat(s.mvms()).isZero();
  }

  @Test
  void aCoreCannotReachAVertexThatIsNotItsNeighbour() {
    TestProbe<CoreActor.Command> neighbour = KIT.createTestProbe();
    TestProbe<Coordinator.Command> sink = KIT.createTestProbe();
    ActorRef<CoreActor.Command> router = KIT.spawn(CoreActor.create(0, null, FREE, 1e-7, false));
    router.tell(new CoreActor.Wire(Map.of(1, neighbour.getRef()), sink.getRef(), 0, 0));
    TestProbe<Object> watcher = KIT.createTestProbe();
    // a route that jumps from vertex 0 straight to vertex 5
    router.tell(new CoreActor.Data(0, 0, 0, 0, 1, new float[] {1}, 0, new int[] {0, 5}, 0, 8));
    watcher.expectTerminated(router, Duration.ofSeconds(5));
    neighbour.expectNoMessage(Duration.ofMillis(100));
  }
}
