package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** A test kit whose actor system is a cluster of one member, on loopback, already Up. */
final class ClusterKit {
  private ClusterKit() {}

  static ActorTestKit upAlone(String system) {
    ActorTestKit kit = ActorTestKit.create(system, com.typesafe.config.ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        """).withFallback(com.typesafe.config.ConfigFactory.load()));
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(20),
        () -> assertThat(cluster.selfMember().status()).isEqualTo(MemberStatus.up()));
    return kit;
  }
}
