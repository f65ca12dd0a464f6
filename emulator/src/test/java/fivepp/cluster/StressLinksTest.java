package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import fivepp.proto.stress.RegionId;
import fivepp.proto.stress.Step;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The links between stress regions when the members speak TLS: keys from deploy/tls/make-keys.sh,
 * config from deploy/tls/member-tls.conf. Two members signed by the same CA link and exchange a
 * step; a member signed by another CA, and a peer speaking plain TCP, cannot link.
 */
class StressLinksTest {
  private static final String PASSWORD = "fivepp-links-test";
  @TempDir static Path dir;

  @BeforeAll
  static void keys() throws Exception {
    makeKeys(dir.resolve("ours"), "alpha", "beta");
    makeKeys(dir.resolve("theirs"), "mallory");
  }

  private static void makeKeys(Path into, String... names) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("bash",
        Path.of("..", "deploy", "tls", "make-keys.sh").toAbsolutePath().normalize().toString(), into.toString()));
    cmd.addAll(List.of(names));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    b.environment().put("FIVEPP_TLS_PASSWORD", PASSWORD);
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  /** A member's resolved config, with TLS as deploy/tls/member-tls.conf sets it and {@code name}'s keys. */
  private static Config tls(String name, Path keys) throws IOException {
    Path example = Path.of("..", "deploy", "tls", "member-tls.conf").toAbsolutePath().normalize();
    Path f = Files.writeString(dir.resolve(name + ".conf"), String.join("\n",
        "FIVEPP_TLS_PASSWORD = \"" + PASSWORD + "\"",
        "FIVEPP_TLS_KEY_STORE = \"" + keys.resolve(name + ".p12") + "\"",
        "FIVEPP_TLS_TRUST_STORE = \"" + keys.resolve("truststore.p12") + "\"",
        "include file(\"" + example + "\")", ""));
    return MemberHocon.of(MemberSettings.of("127.0.0.1", 0, List.of("127.0.0.1:1")).withUserConfig(f));
  }

  private static Step step(int region, int cycle) {
    return Step.newBuilder().setRegion(region).setCycle(cycle).addPackets(7).addPackets(-1).addSeqs(1L << 40)
        .addCredits(3).addCredits(cycle + 4).addCounters(99).build();
  }

  @Test
  void membersOfOneCaLinkOverTlsAndOthersCannot() throws Exception {
    try (StressLinks alpha = StressLinks.listen(tls("alpha", dir.resolve("ours")), "127.0.0.1", 2);
        StressLinks beta = StressLinks.listen(tls("beta", dir.resolve("ours")), "127.0.0.1", 2)) {
      List<String> at = List.of(alpha.address(), beta.address());
      // a peer speaking plain TCP knocks first, with a hello that would pass in clear: no TLS, no link
      String[] hp = alpha.address().split(":");
      try (Socket plain = new Socket(hp[0], Integer.parseInt(hp[1]))) {
        OutputStream o = plain.getOutputStream();
        RegionId.newBuilder().setRun(5).setEpoch(0).setRegion(1).build().writeDelimitedTo(o);
        o.flush();
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> io(() -> alpha.connect(5, 0, 0, at, 30_000)));
        // so does a region whose certificate another CA signed
        try (StressLinks mallory = StressLinks.listen(tls("mallory", dir.resolve("theirs")), "127.0.0.1", 2)) {
          assertThatThrownBy(() -> {
            mallory.connect(5, 0, 1, at, 30_000);
            mallory.send(0, step(1, 0));
            mallory.receive(0);
          }).isInstanceOf(IOException.class);
        }
        beta.connect(5, 0, 1, at, 30_000);
        a.get(30, TimeUnit.SECONDS);
        alpha.send(1, step(0, 0));
        beta.send(0, step(1, 0));
        assertThat(beta.receive(0)).isEqualTo(step(0, 0));
        assertThat(alpha.receive(1)).isEqualTo(step(1, 0));
        // the plain peer got at most a TLS alert record (type 21), and then the link closed
        plain.setSoTimeout(10_000);
        byte[] got = new byte[64];
        int n = 0;
        try {
          for (int r; (r = plain.getInputStream().read(got, n, got.length - n)) > 0; ) {
            n += r;
          }
        } catch (java.net.SocketException reset) {
          // closed with a reset: turned away as well
        }
        assertThat(n == 0 || got[0] == 21).as("%d bytes, the first %d", n, got[0]).isTrue();
      }
    }
  }

  private interface Io {
    void run() throws IOException;
  }

  private static void io(Io r) {
    try {
      r.run();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
