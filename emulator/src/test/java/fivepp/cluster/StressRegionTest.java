package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.stress.Simulator;
import fivepp.stress.StressResult;
import fivepp.stress.StressSpec;
import fivepp.stress.Tally;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Two stress regions as actors, started in either order: the steps of a window may come before a Start. */
class StressRegionTest {
  static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /** Sent by the relay once it has passed region 1's first step on to region 0. */
  record Passed() implements org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  @Test
  void aRegionStartedAfterItsNeighbourSentItsFirstWindowRunsOnAndEqualsOneJvm() {
    // lookahead 4: each region runs cycles 0..3 before it needs the other's step of them
    StressSpec spec = StressClusterTest.withDelays(StressClusterTest.faulty5pp(1_000), 4, 4);
    StressResult one = StressClusterTest.oneJvm(spec);
    int[] regionOf = new int[64];
    java.util.Arrays.fill(regionOf, 32, 64, 1);
    TestProbe<StressRegion.Reply> conductor = KIT.createTestProbe(StressRegion.Reply.class);
    ActorRef<StressRegion.Command> r0 = KIT.spawn(StressRegion.create(1, 0, spec, regionOf, 0, conductor.ref(), false));
    ActorRef<StressRegion.Command> r1 = KIT.spawn(StressRegion.create(1, 0, spec, regionOf, 1, conductor.ref(), false));
    conductor.expectMessageClass(StressRegion.Ready.class);
    conductor.expectMessageClass(StressRegion.Ready.class);
    // region 1 reaches region 0 through a relay that says when it passed the first step on
    TestProbe<Passed> passed = KIT.createTestProbe(Passed.class);
    ActorRef<StressRegion.Command> relay = KIT.spawn(Behaviors.receive(StressRegion.Command.class)
        .onMessage(StressRegion.Step.class, s -> {
          r0.tell(s);
          if (s.cycle() == 0) {
            passed.ref().tell(new Passed());
          }
          return Behaviors.same();
        }).build());
    r1.tell(new StressRegion.Start(List.of(relay, r1)));
    passed.expectMessageClass(Passed.class);
    // region 0 holds region 1's step of window 0 before its own Start
    r0.tell(new StressRegion.Start(List.of(r0, r1)));
    // before the fix region 0 failed here: "region 1 sent the window from cycle 0 while region 0 is at
    // the window from -1"
    StressRegion.Reply a = conductor.receiveMessage(java.time.Duration.ofSeconds(60));
    assertThat(a).isInstanceOf(StressRegion.Done.class);
    StressRegion.Reply b = conductor.receiveMessage(java.time.Duration.ofSeconds(60));
    assertThat(b).isInstanceOf(StressRegion.Done.class);
    StressRegion.Done d0 = (StressRegion.Done) (((StressRegion.Done) a).region() == 0 ? a : b);
    StressRegion.Done d1 = (StressRegion.Done) (d0 == a ? b : a);
    StressSpec.Built built = spec.build();
    StressResult both = Simulator.result(built.routes(), spec.traffic(built), spec.config(), built.faults(),
        Tally.sum(List.of(d0.tally(), d1.tally())), d0.cycles(), one.wallSeconds());
    assertThat(both).usingRecursiveComparison().isEqualTo(one);
    assertThat(one.delivered()).isGreaterThan(0);
  }
}
