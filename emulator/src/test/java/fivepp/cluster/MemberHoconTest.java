package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemberHoconTest {
  @TempDir Path dir;

  @Test
  void aMemberIsAClusterMemberNamedFivepWithItsAddressSeedsAndRoles() {
    MemberSettings s = MemberSettings.of("10.0.0.5", 25521, List.of("10.0.0.5:25521", "node-2.example:25520", "[::1]:2552"))
        .withRoles(List.of("cores", "coordinator"));
    Config c = MemberHocon.of(s);
    assertThat(c.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(c.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.5");
    assertThat(c.getInt("pekko.remote.artery.canonical.port")).isEqualTo(25521);
    assertThat(c.getString("pekko.remote.artery.transport")).isEqualTo("tcp");
    assertThat(c.getStringList("pekko.cluster.seed-nodes")).containsExactly(
        "pekko://fivepp@10.0.0.5:25521", "pekko://fivepp@node-2.example:25520", "pekko://fivepp@[::1]:2552");
    assertThat(c.getStringList("pekko.cluster.roles")).containsExactly("cores", "coordinator");
    assertThat(c.getBoolean("pekko.actor.allow-java-serialization")).isFalse();
    // no bind given: Artery binds to the canonical address
    assertThat(c.getString("pekko.remote.artery.bind.hostname")).isEmpty();
    assertThat(c.getString("pekko.remote.artery.bind.port")).isEmpty();
  }

  @Test
  void theSplitBrainResolverDownsWithinSecondsAndTheFailureDetectorIsConfigurable() {
    Config d = MemberHocon.of(MemberSettings.of("127.0.0.1", 0, List.of("127.0.0.1:25520")));
    assertThat(d.getString("pekko.cluster.downing-provider-class"))
        .isEqualTo("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    assertThat(d.getString("pekko.cluster.split-brain-resolver.active-strategy")).isEqualTo("keep-majority");
    // counted among the hosts: coordinators that left uncleanly must not tip it
    assertThat(d.getString("pekko.cluster.split-brain-resolver.keep-majority.role")).isEqualTo("host");
    assertThat(d.getDuration("pekko.cluster.split-brain-resolver.stable-after")).isEqualTo(Duration.ofSeconds(5));
    assertThat(d.getDuration("pekko.cluster.failure-detector.heartbeat-interval")).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause")).isEqualTo(Duration.ofSeconds(3));
    assertThat(d.getInt("pekko.remote.artery.canonical.port")).isZero();
    // without a join timeout a member keeps trying its seeds
    assertThat(d.getString("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes")).isEqualTo("off");

    Config t = MemberHocon.of(MemberSettings.of("127.0.0.1", 0, List.of("127.0.0.1:25520"))
        .withStableAfter(Duration.ofMillis(1500))
        .withFailureDetector(Duration.ofMillis(200), Duration.ofMillis(800))
        .withJoinTimeout(Duration.ofSeconds(7)));
    assertThat(t.getDuration("pekko.cluster.split-brain-resolver.stable-after")).isEqualTo(Duration.ofMillis(1500));
    assertThat(t.getDuration("pekko.cluster.failure-detector.heartbeat-interval")).isEqualTo(Duration.ofMillis(200));
    assertThat(t.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause")).isEqualTo(Duration.ofMillis(800));
    assertThat(t.getDuration("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes")).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void managementBindsToLoopbackUnlessConfigured() throws Exception {
    Config off = MemberHocon.of(MemberSettings.of("10.0.0.5", 25520, List.of("10.0.0.5:25520")));
    assertThat(off.getString("pekko.management.http.hostname")).isEqualTo("127.0.0.1");
    assertThat(off.getString("pekko.management.http.bind-hostname")).isEmpty();

    MemberSettings on = MemberSettings.of("10.0.0.5", 25520, List.of("10.0.0.5:25520")).withManagement(null, 7627);
    Config c = MemberHocon.of(on);
    assertThat(on.managementOn()).isTrue();
    assertThat(c.getString("pekko.management.http.hostname")).isEqualTo("127.0.0.1");
    assertThat(c.getInt("pekko.management.http.port")).isEqualTo(7627);
    assertThat(c.getString("pekko.management.health-checks.readiness-path")).isEqualTo("ready");
    assertThat(c.getString("pekko.management.health-checks.liveness-path")).isEqualTo("alive");
    assertThat(c.getString("pekko.management.health-checks.readiness-checks.cluster-membership"))
        .isEqualTo("org.apache.pekko.management.cluster.scaladsl.ClusterMembershipCheck");
    assertThat(c.getBoolean("pekko.management.http.route-providers-read-only")).isTrue();

    // the option, or the user's file, may open it up
    assertThat(MemberHocon.of(on.withManagement("0.0.0.0", 7627)).getString("pekko.management.http.hostname"))
        .isEqualTo("0.0.0.0");
    Path f = Files.writeString(dir.resolve("m.conf"), "pekko.management.http.hostname = \"10.0.0.5\"\n");
    assertThat(MemberHocon.of(on.withUserConfig(f)).getString("pekko.management.http.hostname")).isEqualTo("10.0.0.5");
  }

  @Test
  void theUserFileIsLayeredOverTheDefaultsButUnderTheGivenAddresses() throws Exception {
    Path f = Files.writeString(dir.resolve("tls.conf"), String.join("\n",
        "pekko.remote.artery {",
        "  transport = tls-tcp",
        "  canonical.port = 9999",
        "  ssl.config-ssl-engine {",
        "    key-store = \"/etc/fivepp/member.p12\"",
        "    key-store-password = ${?FIVEPP_NO_SUCH_VARIABLE_SET}",
        "    key-store-password = \"from-file\"",
        "  }",
        "}",
        "pekko.cluster.split-brain-resolver.stable-after = 11s",
        ""));
    Config c = MemberHocon.of(MemberSettings.of("127.0.0.1", 25522, List.of("127.0.0.1:25521")).withUserConfig(f));
    assertThat(c.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    assertThat(c.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store")).isEqualTo("/etc/fivepp/member.p12");
    assertThat(c.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store-password")).isEqualTo("from-file");
    // Pekko's own defaults under the file stay in force
    assertThat(c.getString("pekko.remote.artery.ssl.config-ssl-engine.protocol")).isEqualTo("TLSv1.3");
    assertThat(c.getBoolean("pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication")).isTrue();
    assertThat(c.getDuration("pekko.cluster.split-brain-resolver.stable-after")).isEqualTo(Duration.ofSeconds(11));
    // the port given as an option wins over the file
    assertThat(c.getInt("pekko.remote.artery.canonical.port")).isEqualTo(25522);
    // and application.conf is still underneath
    assertThat(c.getInt("pekko.actor.default-dispatcher.throughput")).isEqualTo(100);
  }

  @Test
  void aMissingOrBrokenUserFileIsOneLine() throws Exception {
    MemberSettings s = MemberSettings.of("127.0.0.1", 0, List.of("127.0.0.1:25520"));
    Path missing = dir.resolve("nope.conf");
    assertThatThrownBy(() -> MemberHocon.of(s.withUserConfig(missing)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope.conf does not exist");
    Path broken = Files.writeString(dir.resolve("broken.conf"), "pekko { remote = \n");
    assertThatThrownBy(() -> MemberHocon.of(s.withUserConfig(broken)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broken.conf")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    Path unresolved = Files.writeString(dir.resolve("env.conf"), "x = ${FIVEPP_NO_SUCH_VARIABLE_SET}\n");
    assertThatThrownBy(() -> MemberHocon.of(s.withUserConfig(unresolved)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FIVEPP_NO_SUCH_VARIABLE_SET");
  }

  @Test
  void seedsAndValuesAreChecked() {
    assertThat(MemberSettings.parseSeed("host-1.example:25520")).isEqualTo(new MemberSettings.Seed("host-1.example", 25520));
    assertThat(MemberSettings.parseSeed("[fe80::1]:2552").address()).isEqualTo("pekko://fivepp@[fe80::1]:2552");
    for (String bad : List.of("host", "host:", ":25520", "host:port", "host:0", "host:70000", "a:b:1", "pekko://fivepp@h:1", "")) {
      assertThatThrownBy(() -> MemberSettings.parseSeed(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seed '" + bad + "'");
    }
    assertThatThrownBy(() -> MemberSettings.of("127.0.0.1", 65536, List.of())).hasMessageContaining("port 65536");
    assertThatThrownBy(() -> MemberSettings.of("127.0.0.1", 1, List.of()).withRoles(List.of("a b")))
        .hasMessageContaining("role 'a b'");
    assertThatThrownBy(() -> MemberSettings.of("127.0.0.1", 1, List.of()).withStableAfter(Duration.ZERO))
        .hasMessageContaining("stable-after");
  }
}
