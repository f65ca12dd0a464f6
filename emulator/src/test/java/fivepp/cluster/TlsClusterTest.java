package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members talking over Artery's TLS transport: keys and certificates are made by keytool at test
 * time. Two members whose certificates are in the shared trust store form a cluster; a third whose
 * certificate is not trusted cannot join (mutual authentication is on).
 */
class TlsClusterTest {
  private static final String PASSWORD = "fivepp-test";
  @TempDir Path dir;
  private final List<ActorSystem<?>> systems = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    systems.forEach(ActorSystem::terminate);
    for (ActorSystem<?> s : systems) {
      s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private void keytool(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
      assertThat(p.exitValue()).as("keytool %s: %s", args[0], output).isZero();
    } catch (IOException e) {
      throw new AssertionError("cannot run keytool", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A self-signed EC key pair and certificate for {@code name} in {@code name.p12}. */
  private CompletableFuture<Void> keyPair(String name) {
    return CompletableFuture.runAsync(() -> keytool("-genkeypair", "-alias", name, "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", "CN=" + name + ",O=fivepp test", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", name + ".p12", "-storepass", PASSWORD, "-keypass", PASSWORD));
  }

  /** The shared trust store: the certificates of {@code names}, taken from their key stores. */
  private void trustStore(String... names) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (String name : names) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
        ks.load(in, PASSWORD.toCharArray());
      }
      trust.setCertificateEntry(name, ks.getCertificate(name));
    }
    try (OutputStream out = Files.newOutputStream(dir.resolve("trust.p12"))) {
      trust.store(out, PASSWORD.toCharArray());
    }
  }

  /**
   * The file a member is given with --config: deploy/tls/member-tls.conf itself, included, with the
   * values it takes from the environment (key store, trust store, password) set in front of it.
   */
  private Path tlsConfig(String name) throws IOException {
    Path example = Path.of("..", "deploy", "tls", "member-tls.conf").toAbsolutePath().normalize();
    assertThat(example).isRegularFile();
    return Files.writeString(dir.resolve(name + ".conf"), String.join("\n",
        "FIVEPP_TLS_PASSWORD = \"" + PASSWORD + "\"",
        "FIVEPP_TLS_KEY_STORE = \"" + dir.resolve(name + ".p12") + "\"",
        "FIVEPP_TLS_TRUST_STORE = \"" + dir.resolve("trust.p12") + "\"",
        "include file(\"" + example + "\")",
        ""));
  }

  private ActorSystem<?> member(String name, int port, int seedPort) throws IOException {
    MemberSettings s = MemberSettings.of("127.0.0.1", port, List.of("127.0.0.1:" + seedPort))
        .withUserConfig(tlsConfig(name));
    ActorSystem<?> sys = ActorSystem.create(Member.create(8), MemberSettings.SYSTEM, MemberHocon.of(s));
    systems.add(sys);
    return sys;
  }

  private static long upCount(ActorSystem<?> s) {
    long[] n = {0};
    Cluster.get(s).state().getMembers().forEach(m -> {
      if (m.status() == MemberStatus.up()) {
        n[0]++;
      }
    });
    return n[0];
  }

  @Test
  void trustedMembersFormAClusterOverTlsAndAnUntrustedOneCannotJoin() throws Exception {
    CompletableFuture.allOf(keyPair("alpha"), keyPair("beta"), keyPair("mallory")).join();
    trustStore("alpha", "beta");

    int seedPort;
    try (ServerSocket free = new ServerSocket(0)) {
      seedPort = free.getLocalPort();
    }
    ActorSystem<?> alpha = member("alpha", seedPort, seedPort);
    assertThat(alpha.settings().config().getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    assertThat(alpha.settings().config().getString("pekko.remote.artery.ssl.config-ssl-engine.key-store"))
        .isEqualTo(dir.resolve("alpha.p12").toString());
    Await.untilTrue(Duration.ofSeconds(30), "alpha", () -> upCount(alpha) == 1);
    ActorSystem<?> beta = member("beta", 0, seedPort);
    Await.untilTrue(Duration.ofSeconds(30), "alpha and beta Up, as both see it",
        () -> upCount(alpha) == 2 && upCount(beta) == 2);
    assertThat(Cluster.get(beta).selfMember().status()).isEqualTo(MemberStatus.up());

    // mallory trusts alpha and beta, but they do not trust mallory's self-signed certificate
    ActorSystem<?> mallory = member("mallory", 0, seedPort);
    Await.throughout(Duration.ofSeconds(5), () -> {
      assertThat(Cluster.get(alpha).state().getMembers()).as("alpha's members").hasSize(2);
      assertThat(Cluster.get(mallory).selfMember().status()).isNotEqualTo(MemberStatus.up());
    });
    assertThat(upCount(alpha)).isEqualTo(2);
  }
}
