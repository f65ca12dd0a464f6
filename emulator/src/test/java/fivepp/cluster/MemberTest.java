package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.mapping.Tiling;
import fivepp.runtime.Coordinator;
import fivepp.runtime.CoreActor;
import fivepp.runtime.RunOptions;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A member hosts the cores it is told to, as long as they fit its capacity, and stops them when
 * their run ends, their array is replaced, or their coordinator is gone. Messages go through the
 * wire serializer (the tests run with serialize-messages on).
 */
class MemberTest {
  static final ActorTestKit KIT = ActorTestKit.create();

  /** ResNet-20 (36 cores), core i at vertex i of 5PP. */
  static final ArrayRecipe RESNET20 = new ArrayRecipe("resnet20", null, null, null, null, 0, 7, "256x256",
      Tiling.Concat.FORWARD, 8, 16, "5pp", IntStream.range(0, 36).toArray(), RunOptions.DEFAULT);

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private final TestProbe<Member.Spawned> spawned = KIT.createTestProbe();
  private final ActorRef<Coordinator.Command> coordinator = KIT.spawn(Behaviors.empty());

  private Member.Spawned spawn(ActorRef<Member.Command> m, long run, int epoch, int... vertices) {
    m.tell(new Member.Spawn(run, epoch, RESNET20, vertices, spawned.ref(), coordinator));
    return spawned.receiveMessage();
  }

  private static Member.Info info(ActorRef<Member.Command> m) {
    TestProbe<Member.Info> p = KIT.createTestProbe();
    m.tell(new Member.GetInfo(p.ref()));
    return p.receiveMessage();
  }

  @Test
  void aMemberSaysWhatItCanHost() {
    ActorRef<Member.Command> m = KIT.spawn(Member.create(6));
    Member.Info i = info(m);
    assertThat(i.capacity()).isEqualTo(6);
    assertThat(i.member()).isEqualTo(m);
    assertThat(i.processors()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(i.maxHeapBytes()).isEqualTo(Runtime.getRuntime().maxMemory());
  }

  @Test
  void aMemberHostsWhatFitsItsCapacityUntilTheRunStops() {
    ActorRef<Member.Command> m = KIT.spawn(Member.create(6));
    String address = info(m).address();
    Member.Spawned first = spawn(m, 1, 0, 0, 1, 2, 3);
    assertThat(first.error()).isEmpty();
    assertThat(first.address()).isEqualTo(address);
    assertThat(first.actors()).containsOnlyKeys(0, 1, 2, 3);
    assertThat(first.actors().get(2).path().name()).isEqualTo("core-2");

    // 4 of 6 taken: 3 more do not fit, whatever run asks
    Member.Spawned refused = spawn(m, 2, 0, 4, 5, 6);
    assertThat(refused.actors()).isEmpty();
    assertThat(refused.error())
        .isEqualTo("member " + address + " hosts 4 of its 6 vertices and cannot take 3 more");

    // the end of run 1 stops its cores and frees their room
    m.tell(new Member.StopRun(1, Integer.MAX_VALUE));
    TestProbe<Object> watcher = KIT.createTestProbe();
    first.actors().values().forEach(a -> watcher.expectTerminated(a));
    Member.Spawned second = spawn(m, 2, 0, 4, 5, 6);
    assertThat(second.error()).isEmpty();
    assertThat(second.actors()).containsOnlyKeys(4, 5, 6);
  }

  @Test
  void aNewArrayReplacesTheOlderOneOfItsRunOnly() {
    ActorRef<Member.Command> m = KIT.spawn(Member.create(6));
    Member.Spawned epoch0 = spawn(m, 3, 0, 10, 11);
    Member.Spawned epoch1 = spawn(m, 3, 1, 10, 11);
    assertThat(epoch1.error()).isEmpty();
    // arrays below epoch 1 go; epoch 1's cores stay
    m.tell(new Member.StopRun(3, 1));
    TestProbe<Object> watcher = KIT.createTestProbe();
    watcher.expectTerminated(epoch0.actors().get(10));
    watcher.expectTerminated(epoch0.actors().get(11));
    // room for 4 again: two are still hosted
    assertThat(spawn(m, 4, 0, 20, 21, 22, 23, 24).error()).endsWith("hosts 2 of its 6 vertices and cannot take 5 more");
    assertThat(spawn(m, 4, 0, 20, 21, 22, 23).error()).isEmpty();
  }

  @Test
  void theRunsOfACoordinatorThatIsGoneStop() {
    ActorRef<Member.Command> m = KIT.spawn(Member.create(6));
    Member.Spawned share = spawn(m, 5, 0, 30, 31);
    KIT.stop(coordinator);
    TestProbe<Object> watcher = KIT.createTestProbe();
    watcher.expectTerminated(share.actors().get(30));
    watcher.expectTerminated(share.actors().get(31));
    // and their room is free
    assertThat(spawn(m, 6, 0, 0, 1, 2, 3, 4, 5).error()).isEmpty();
  }
}
