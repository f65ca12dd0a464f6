package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.runtime.Coordinator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The deployer alone knows the members it found; when the run is over, or its coordinator is gone,
 * it tells each of them to stop the run. One cluster member in this JVM, members played by probes.
 */
class ClusterDeploymentTest {
  static final ActorTestKit KIT = ClusterKit.upAlone("fivepp");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /** Two members listed by the receptionist; each is asked for its info (and never answers). */
  private static List<TestProbe<Member.Command>> members() {
    List<TestProbe<Member.Command>> members = List.of(KIT.createTestProbe(), KIT.createTestProbe());
    members.forEach(m -> KIT.system().receptionist().tell(Receptionist.register(Member.KEY, m.ref())));
    return members;
  }

  /**
   * A coordinator that deploys an array through {@code d} and, at its first message, either
   * finishes the run and goes on (telling {@code said} "finished") or stops without finishing.
   */
  private static Behavior<Coordinator.Command> coordinator(ClusterDeployment d, boolean finish,
      TestProbe<String> said) {
    return Behaviors.setup(ctx -> {
      d.deploy(ctx, 0, new TreeMap<>());
      return Behaviors.receive(Coordinator.Command.class)
          .onMessage(Coordinator.Command.class, m -> {
            if (!finish) {
              return Behaviors.stopped();
            }
            d.finish(ctx);
            said.ref().tell("finished");
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            said.ref().tell("saw " + t.getRef().path().name() + " stop");
            return Behaviors.same();
          })
          .build();
    });
  }

  /**
   * A coordinator (see {@link #coordinator}) whose deployer has found {@code members}: two wanted,
   * and they never answer, so it waits and spawns nothing.
   */
  private static ActorRef<Coordinator.Command> deployedTo(List<TestProbe<Member.Command>> members, boolean finish,
      TestProbe<String> said) {
    ClusterDeployment d = new ClusterDeployment(null, null, 2, Duration.ofMinutes(5), Map.of(), null);
    ActorRef<Coordinator.Command> c = KIT.spawn(coordinator(d, finish, said));
    members.forEach(m -> m.expectMessageClass(Member.GetInfo.class, Duration.ofSeconds(10)));
    return c;
  }

  /** The run the member is told to stop everything of. */
  private static long stoppedRun(TestProbe<Member.Command> m) {
    Member.StopRun s = m.expectMessageClass(Member.StopRun.class, Duration.ofSeconds(10));
    assertThat(s.belowEpoch()).isEqualTo(Integer.MAX_VALUE);
    return s.run();
  }

  @Test
  void finishingTheRunStopsItOnEveryMemberFoundAndNothingElse() {
    List<TestProbe<Member.Command>> members = members();
    TestProbe<String> said = KIT.createTestProbe();
    deployedTo(members, true, said).tell(new Coordinator.DeployFailed("the test's signal to finish"));

    said.expectMessage("finished");
    long run = stoppedRun(members.get(0));
    assertThat(run).isNotNegative();
    assertThat(stoppedRun(members.get(1))).isEqualTo(run);
    // the deployer stopped on purpose: the coordinator does not take it for a failure
    said.expectNoMessage(Duration.ofMillis(300));
    members.forEach(m -> m.expectNoMessage(Duration.ofMillis(100)));
  }

  @Test
  void aCoordinatorThatStopsWithoutFinishingStopsTheRunOnItsMembersToo() {
    List<TestProbe<Member.Command>> members = members();
    deployedTo(members, false, KIT.createTestProbe()).tell(new Coordinator.DeployFailed("the test's signal to stop"));

    long run = stoppedRun(members.get(0));
    assertThat(stoppedRun(members.get(1))).isEqualTo(run);
  }
}
