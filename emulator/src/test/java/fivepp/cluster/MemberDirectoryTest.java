package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The members a deployer knows: who answered, who is gone for good, who has been asked, and when
 * enough have answered. A one-member cluster in this JVM (so that one member is Up); the other
 * members are probes.
 */
class MemberDirectoryTest {
  static final ActorTestKit KIT = ClusterKit.upAlone("directory");
  /** This JVM's member, HOST:PORT as the cluster names it. */
  static final String self = Cluster.get(KIT.system()).selfMember().address().hostPort();

  @AfterAll
  static void down() {
    KIT.shutdownTestKit();
  }

  private static Member.Info info(String address, int capacity) {
    return new Member.Info(address, capacity, 4, 1L << 30, null);
  }

  @Test
  void aMemberGoneStaysGoneEvenIfItsAnswerComesLate() {
    MemberDirectory d = new MemberDirectory();
    assertThat(d.describe()).isEqualTo("none");
    d.answered(info("10.0.0.2:2552", 8));
    d.answered(info("10.0.0.1:2552", 8));
    // a second answer replaces the first
    d.answered(info("10.0.0.2:2552", 20));
    assertThat(d.describe()).isEqualTo("10.0.0.1:2552, 10.0.0.2:2552");
    assertThat(d.all()).extracting(Member.Info::capacity).containsExactly(8, 20);
    assertThat(d.get("10.0.0.2:2552").capacity()).isEqualTo(20);
    assertThat(d.get("10.0.0.9:2552")).isNull();

    assertThat(d.lost("10.0.0.2:2552")).isTrue();
    assertThat(d.lost("10.0.0.2:2552")).isFalse();
    assertThat(d.get("10.0.0.2:2552")).isNull();
    d.answered(info("10.0.0.2:2552", 8));
    assertThat(d.describe()).isEqualTo("10.0.0.1:2552");
    // one never heard of can be lost too, and is then refused
    assertThat(d.lost("10.0.0.3:2552")).isTrue();
    d.answered(info("10.0.0.3:2552", 8));
    assertThat(d.all()).extracting(Member.Info::address).containsExactly("10.0.0.1:2552");
  }

  @Test
  void eachMemberListedIsAskedForItsInfoOnce() {
    MemberDirectory d = new MemberDirectory();
    TestProbe<Member.Command> a = KIT.createTestProbe();
    TestProbe<Member.Command> b = KIT.createTestProbe();
    TestProbe<Member.Command> c = KIT.createTestProbe();
    TestProbe<Member.Info> replies = KIT.createTestProbe();

    assertThat(d.listed(Receptionist.listing(Member.KEY, Set.of(a.ref(), b.ref())), replies.ref()))
        .containsExactlyInAnyOrder(a.ref(), b.ref());
    assertThat(a.expectMessageClass(Member.GetInfo.class).replyTo()).isEqualTo(replies.ref());
    b.expectMessageClass(Member.GetInfo.class);
    // a later listing: only the new member is asked
    assertThat(d.listed(Receptionist.listing(Member.KEY, Set.of(a.ref(), b.ref(), c.ref())), replies.ref()))
        .containsExactly(c.ref());
    c.expectMessageClass(Member.GetInfo.class);
    // a member that left the listing is still one that was listed
    assertThat(d.listed(Receptionist.listing(Member.KEY, Set.of(c.ref())), replies.ref())).isEmpty();
    assertThat(d.listedMembers()).containsExactlyInAnyOrder(a.ref(), b.ref(), c.ref());
    a.expectNoMessage(Duration.ofMillis(100));
    b.expectNoMessage(Duration.ofMillis(10));
    c.expectNoMessage(Duration.ofMillis(10));
  }

  /**
   * An actor that keeps a directory and, told "ADDRESS" answers for that member, "-ADDRESS" loses
   * it and "?N" says what {@code ready(ctx, N)} returns: the addresses, or "not ready".
   */
  private static Behavior<String> holder(ActorRef<String> said) {
    return Behaviors.setup(ctx -> {
      MemberDirectory d = new MemberDirectory();
      return Behaviors.receiveMessage(m -> {
        if (m.startsWith("?")) {
          List<Member.Info> r = d.ready(ctx, Integer.parseInt(m.substring(1)));
          said.tell(r == null ? "not ready" : String.join(", ", r.stream().map(Member.Info::address).toList()));
        } else if (m.startsWith("-")) {
          d.lost(m.substring(1));
        } else {
          d.answered(info(m, 8));
        }
        return Behaviors.same();
      });
    });
  }

  @Test
  void readyOnceEnoughHaveAnsweredAndEveryMemberUpHasToo() {
    TestProbe<String> said = KIT.createTestProbe();
    ActorRef<String> h = KIT.spawn(holder(said.ref()));
    String other = "0.0.0.0:1";
    h.tell(other);
    // enough members, but the one the cluster has Up (this JVM's) has not answered
    h.tell("?1");
    said.expectMessage("not ready");
    h.tell(self);
    h.tell("?1");
    // in address order: "0.0.0.0:1" before this JVM's 127.0.0.1
    said.expectMessage(other + ", " + self);
    // more wanted than have answered
    h.tell("?3");
    said.expectMessage("not ready");
    // a member Up but gone for good is not waited for
    h.tell("-" + self);
    h.tell("?1");
    said.expectMessage(other);
    h.tell("?2");
    said.expectMessage("not ready");
  }
}
