package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secure by default: which member configs may speak plain TCP, decided on the resolved config. */
class TransportSecurityTest {
  @TempDir Path dir;

  private Config config(String hostname, String bind, String userConfig) throws IOException {
    MemberSettings s = MemberSettings.of(hostname, 25520, List.of(hostname.contains(":") ? "[::1]:25520" : "127.0.0.1:25520"))
        .withBind(bind, null);
    if (userConfig != null) {
      s = s.withUserConfig(Files.writeString(dir.resolve("user.conf"), userConfig));
    }
    return MemberHocon.of(s);
  }

  /** A TLS config as deploy/tls/member-tls.conf gives it, without the key stores (not read here). */
  private static final String TLS = "pekko.remote.artery.transport = tls-tcp\n";

  @Test
  void loopbackIsJudgedFromTheLiteralAddressWithoutDns() {
    for (String h : List.of("127.0.0.1", "127.1.2.3", "127.255.255.255", "localhost", "LocalHost", "::1", "[::1]",
        "0:0:0:0:0:0:0:1", "0::1", " 127.0.0.1 ")) {
      assertThat(TransportSecurity.isLoopback(h)).as(h).isTrue();
    }
    for (String h : List.of("0.0.0.0", "::", "10.0.0.5", "192.0.2.2", "128.0.0.1", "127.0.0.256", "127.0.0",
        "127.0.0.1.nip.io", "localhost.example", "node-1", "<getHostAddress>", "::2", "1::1", "", "fe80::1")) {
      assertThat(TransportSecurity.isLoopback(h)).as(h).isFalse();
    }
  }

  @Test
  void plainTcpOnLoopbackIsAllowedSilently() throws Exception {
    Config c = config("127.0.0.1", null, null);
    TransportSecurity.Verdict v = TransportSecurity.of(c);
    assertThat(v.transport()).isEqualTo("tcp");
    assertThat(v.secure()).isFalse();
    assertThat(v.exposed()).isEmpty();
    assertThat(TransportSecurity.check(c, false)).isNull();
    assertThat(TransportSecurity.check(c, true)).as("nothing to warn of").isNull();
    assertThat(TransportSecurity.check(config("::1", null, null), false)).isNull();
  }

  @Test
  void plainTcpBeyondLoopbackIsRefusedUnlessTheUserAcceptsTheRiskAndThenWarned() throws Exception {
    Config c = config("10.0.0.5", null, null);
    assertThat(TransportSecurity.of(c).exposed()).containsExactly("10.0.0.5");
    assertThatThrownBy(() -> TransportSecurity.check(c, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the cluster port on 10.0.0.5 would speak plain TCP, which anyone who reaches it")
        .hasMessageContaining("deploy/tls/member-tls.conf")
        .hasMessageContaining("deploy/tls/make-keys.sh")
        .hasMessageEndingWith("or accept the risk with --insecure-transport")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(TransportSecurity.check(c, true)).isEqualTo("warning: --insecure-transport: the cluster port on"
        + " 10.0.0.5 speaks plain TCP; anyone who reaches it can join the cluster or flood this JVM"
        + " (see docs/cluster.md, TLS)");
  }

  @Test
  void bindingEveryInterfaceOrAdvertisingANameIsExposureToo() throws Exception {
    // listens on all interfaces, though others are told 127.0.0.1
    Config all = config("127.0.0.1", "0.0.0.0", null);
    assertThat(TransportSecurity.of(all).exposed()).containsExactly("0.0.0.0");
    assertThatThrownBy(() -> TransportSecurity.check(all, false)).hasMessageStartingWith("the cluster port on 0.0.0.0 ");
    // behind a forwarded port: binds loopback, advertises a name
    Config named = config("node-1.example", "127.0.0.1", null);
    assertThat(TransportSecurity.of(named).exposed()).containsExactly("node-1.example");
    // both, each named once
    Config both = config("node-1.example", "0.0.0.0", null);
    assertThatThrownBy(() -> TransportSecurity.check(both, false))
        .hasMessageStartingWith("the cluster port on node-1.example and 0.0.0.0 would speak plain TCP");
    Config same = config("10.0.0.5", "10.0.0.5", null);
    assertThat(TransportSecurity.of(same).exposed()).containsExactly("10.0.0.5");
  }

  @Test
  void tlsWithMutualAuthenticationMayListenAnywhere() throws Exception {
    Config c = config("10.0.0.5", "0.0.0.0", TLS);
    TransportSecurity.Verdict v = TransportSecurity.of(c);
    assertThat(v.transport()).isEqualTo("tls-tcp");
    assertThat(v.secure()).isTrue();
    assertThat(v.exposedInsecurely()).isFalse();
    assertThat(TransportSecurity.check(c, false)).isNull();
    assertThat(TransportSecurity.check(c, true)).isNull();
    // another SSL engine provider (rotating keys) always asks for the peer's certificate
    Config rotating = config("10.0.0.5", null, TLS + "pekko.remote.artery.ssl.ssl-engine-provider ="
        + " org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider\n"
        + "pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication = off\n");
    assertThat(TransportSecurity.check(rotating, false)).isNull();
  }

  @Test
  void tlsThatLetsAnyClientInIsNotEnoughBeyondLoopback() throws Exception {
    String open = TLS + "pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication = off\n";
    Config c = config("10.0.0.5", null, open);
    assertThat(TransportSecurity.of(c).secure()).isFalse();
    assertThatThrownBy(() -> TransportSecurity.check(c, false)).hasMessageStartingWith("the cluster port on 10.0.0.5"
        + " would speak TLS without mutual authentication"
        + " (pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication = off)");
    assertThat(TransportSecurity.check(config("127.0.0.1", null, open), false)).isNull();
  }

  @Test
  void theTransportIsReadFromTheEffectiveConfigWhateverLayerSetIt() throws Exception {
    // the user's file can turn TLS on, and can turn it off again: the resolved value decides
    assertThat(TransportSecurity.of(config("10.0.0.5", null, TLS)).secure()).isTrue();
    assertThat(TransportSecurity.of(config("10.0.0.5", null, TLS + "pekko.remote.artery.transport = tcp\n")).secure())
        .isFalse();
    assertThatThrownBy(() -> TransportSecurity.check(config("10.0.0.5", null, "pekko.remote.artery.transport = aeron-udp\n"),
        false)).hasMessageStartingWith("the cluster port on 10.0.0.5 would speak plain AERON-UDP");
  }
}
