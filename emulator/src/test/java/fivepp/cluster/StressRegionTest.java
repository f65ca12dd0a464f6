package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.proto.stress.RegionId;
import fivepp.stress.Simulator;
import fivepp.stress.StressResult;
import fivepp.stress.StressSpec;
import fivepp.stress.Tally;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Two stress regions as actors, linked over loopback TCP: started apart, refusing strangers, losing a link. */
class StressRegionTest {
  static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static int[] halves() {
    int[] regionOf = new int[64];
    java.util.Arrays.fill(regionOf, 32, 64, 1);
    return regionOf;
  }

  /** Regions 0 and 1 of run {@code run}, built and listening: their Ready, by region. */
  private static StressRegion.Ready[] spawn(long run, StressSpec spec, TestProbe<StressRegion.Reply> conductor) {
    KIT.spawn(StressRegion.create(run, 0, spec, halves(), 0, conductor.ref(), false));
    KIT.spawn(StressRegion.create(run, 0, spec, halves(), 1, conductor.ref(), false));
    StressRegion.Ready a = conductor.expectMessageClass(StressRegion.Ready.class);
    StressRegion.Ready b = conductor.expectMessageClass(StressRegion.Ready.class);
    return a.region() == 0 ? new StressRegion.Ready[] {a, b} : new StressRegion.Ready[] {b, a};
  }

  @Test
  void regionsStartedApartWithAStrangerAtTheDoorEqualOneJvm() throws Exception {
    // lookahead 4: each region runs cycles 0..3 before it needs the other's step of them
    StressSpec spec = StressClusterTest.withDelays(StressClusterTest.faulty5pp(1_000), 4, 4);
    StressResult one = StressClusterTest.oneJvm(spec);
    TestProbe<StressRegion.Reply> conductor = KIT.createTestProbe(StressRegion.Reply.class);
    StressRegion.Ready[] ready = spawn(1, spec, conductor);
    StressRegion.Ready r0 = ready[0];
    StressRegion.Ready r1 = ready[1];
    List<String> links = List.of(r0.link(), r1.link());
    assertThat(r0.link()).startsWith("127.0.0.1:");
    // a stranger reaches region 0 first, claiming to be region 1 of another run, and is refused
    String[] at = r0.link().split(":");
    try (Socket stranger = new Socket(at[0], Integer.parseInt(at[1]))) {
      OutputStream o = stranger.getOutputStream();
      RegionId.newBuilder().setRun(2).setEpoch(0).setRegion(1).build().writeDelimitedTo(o);
      o.flush();
      // region 1 starts, sends its first window and waits; only then does region 0 start
      r1.ref().tell(new StressRegion.Start(links));
      fivepp.Await.untilTrue(Duration.ofSeconds(30), "region 1 sent its first window and waits for region 0's",
          () -> Thread.getAllStackTraces().entrySet().stream()
              .anyMatch(e -> e.getKey().getName().equals("fivepp-stress-run1-region-1") && java.util.Arrays
                  .stream(e.getValue()).anyMatch(f -> f.getClassName().equals(StressLinks.class.getName())
                      && f.getMethodName().equals("receive"))));
      r0.ref().tell(new StressRegion.Start(links));
      StressRegion.Reply x = conductor.receiveMessage(Duration.ofSeconds(60));
      StressRegion.Reply y = conductor.receiveMessage(Duration.ofSeconds(60));
      assertThat(x).isInstanceOf(StressRegion.Done.class);
      assertThat(y).isInstanceOf(StressRegion.Done.class);
      StressRegion.Done d0 = (StressRegion.Done) (((StressRegion.Done) x).region() == 0 ? x : y);
      StressRegion.Done d1 = (StressRegion.Done) (d0 == x ? y : x);
      StressSpec.Built built = spec.build();
      StressResult both = Simulator.result(built.routes(), spec.traffic(built), spec.config(), built.faults(),
          Tally.sum(List.of(d0.tally(), d1.tally())), d0.cycles(), one.wallSeconds());
      assertThat(both).usingRecursiveComparison().isEqualTo(one);
      assertThat(one.delivered()).isGreaterThan(0);
      // one step per window of 4 cycles each way
      assertThat(d0.steps()).isEqualTo(d0.cycles() / 4);
      // the stranger's connection was closed: its read ends
      assertThat(stranger.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void aRegionWhoseNeighbourStopsSaysItLostTheLink() {
    StressSpec spec = StressClusterTest.withDelays(StressClusterTest.faulty5pp(1_000_000), 4, 4);
    TestProbe<StressRegion.Reply> conductor = KIT.createTestProbe(StressRegion.Reply.class);
    StressRegion.Ready[] ready = spawn(3, spec, conductor);
    StressRegion.Ready r0 = ready[0];
    StressRegion.Ready r1 = ready[1];
    List<String> links = List.of(r0.link(), r1.link());
    r0.ref().tell(new StressRegion.Start(links));
    r1.ref().tell(new StressRegion.Start(links));
    KIT.stop(r0.ref());
    StressRegion.Failed f = conductor.expectMessageClass(StressRegion.Failed.class, Duration.ofSeconds(30));
    assertThat(f.region()).isEqualTo(1);
    assertThat(f.linkLost()).isTrue();
    assertThat(f.error()).startsWith("region 1 lost a link to another region");
    // region 0 was stopped by its member: it says nothing
    conductor.expectNoMessage(Duration.ofMillis(500));
  }
}
