package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import fivepp.cluster.MemberNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Secure by default (issue 13): a member or coordinator on an address other than loopback starts
 * only with TLS, or with {@code --insecure-transport} and a warning; and the 110-byte frame that
 * floods a plaintext member does nothing to a member in the default configuration of a deployment
 * beyond loopback (deploy/tls/member-tls.conf with keys from deploy/tls/make-keys.sh).
 *
 * <p>The members listen on this machine's own non-loopback IPv4 address when it has one; without
 * one, on every interface ({@code --bind-hostname 0.0.0.0}), which counts as beyond loopback too
 * and is reached through 127.0.0.1.
 */
class SecureByDefaultTest {
  @TempDir static Path keys;
  @TempDir Path dir;
  private final List<ActorSystem<?>> started = new ArrayList<>();

  /** Where a member listens: its --hostname, its --bind-hostname (or null), and where to connect. */
  record Where(String hostname, String bind, String connect) {
    List<String> args() {
      return bind == null ? List.of("--hostname", hostname) : List.of("--hostname", hostname, "--bind-hostname", bind);
    }

    /** What the refusal names. */
    String exposed() {
      return bind == null ? hostname : bind;
    }
  }

  static Where where() throws IOException {
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nif.isUp() || nif.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return new Where(a.getHostAddress(), null, a.getHostAddress());
        }
      }
    }
    return new Where("127.0.0.1", "0.0.0.0", "127.0.0.1");
  }

  /** One key pair ('member') signed by a new CA, and the trust store, made by deploy/tls/make-keys.sh. */
  @BeforeAll
  static void makeKeys() throws Exception {
    Path script = DeployFilesTest.DEPLOY.resolve("tls/make-keys.sh");
    DeployFilesTest.Ran r = DeployFilesTest.exec(Map.of(), script.toString(), keys.resolve("k").toString(), "member");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("made in " + keys.resolve("k") + ": member.p12 truststore.p12 ca.crt ca.p12");
    assertThat(keys.resolve("k/password")).isRegularFile();
  }

  @AfterEach
  void stopAll() throws Exception {
    started.forEach(ActorSystem::terminate);
    for (ActorSystem<?> s : started) {
      s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * The --config a deployment gives: deploy/tls/member-tls.conf itself, included, with what it reads
   * from the environment (password, key store, trust store) set in front of it.
   */
  private Path tlsConfig() throws IOException {
    Path k = keys.resolve("k");
    return Files.writeString(dir.resolve("member-tls.conf"), String.join("\n",
        "FIVEPP_TLS_PASSWORD = \"" + Files.readString(k.resolve("password")) + "\"",
        "FIVEPP_TLS_KEY_STORE = \"" + k.resolve("member.p12") + "\"",
        "FIVEPP_TLS_TRUST_STORE = \"" + k.resolve("truststore.p12") + "\"",
        "include file(\"" + DeployFilesTest.DEPLOY.resolve("tls/member-tls.conf") + "\")", ""));
  }

  /** Starts {@code node ARGS} as the command does, with its stderr in {@code err}. */
  private MemberNode.Started node(StringWriter err, List<String> args) {
    NodeCommand cmd = new NodeCommand();
    CommandLine cl = new CommandLine(cmd);
    cl.setErr(new PrintWriter(err, true));
    cl.parseArgs(args.toArray(String[]::new));
    MemberNode.Started s = cmd.start();
    started.add(s.system());
    return s;
  }

  private static List<String> args(Where w, int port, String... more) {
    List<String> a = new ArrayList<>(w.args());
    a.addAll(List.of("--port", "" + port, "--seed", w.hostname() + ":" + port, "--join-timeout", "30"));
    a.addAll(List.of(more));
    return a;
  }

  private static void assertFree(Where w, int port) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(w.bind() == null ? w.hostname() : w.bind(), port));
    }
  }

  @Test
  void aPlaintextMemberBeyondLoopbackRefusesToStartUnlessToldInsecureTransportAndThenWarnsOnce() throws Exception {
    Where w = where();
    int port = NodeCommandTest.freePort();
    List<String> cmd = new ArrayList<>(List.of("node"));
    cmd.addAll(args(w, port));
    long t0 = System.nanoTime();
    MainTest.Result r = MainTest.run(cmd.toArray(String[]::new));
    MainTest.assertBadInput(r, "fivepp: the cluster port on " + w.exposed() + " would speak plain TCP");
    assertThat(r.err()).contains("--insecure-transport").contains("deploy/tls/member-tls.conf");
    assertThat((System.nanoTime() - t0) / 1e9).as("refused before anything starts").isLessThan(5.0);
    assertFree(w, port);
    // the same on loopback only starts quietly: NodeCommandTest's members

    StringWriter err = new StringWriter();
    MemberNode.Started s = node(err, args(w, port, "--insecure-transport"));
    assertThat(s.hostPort()).isEqualTo(w.hostname() + ":" + port);
    assertThat(err.toString()).isEqualTo("fivepp: warning: --insecure-transport: the cluster port on " + w.exposed()
        + " speaks plain TCP; anyone who reaches it can join the cluster or flood this JVM (see docs/cluster.md, TLS)"
        + System.lineSeparator());
    assertThat(s.system().settings().config().getString("pekko.remote.artery.transport")).isEqualTo("tcp");
  }

  @Test
  void aCoordinatorBeyondLoopbackRefusesPlainTcpBeforeAnyWorkAndWarnsWithInsecureTransport() throws Exception {
    int nobody = NodeCommandTest.freePort();
    for (String command : List.of("run", "stress")) {
      long t0 = System.nanoTime();
      MainTest.Result r = MainTest.run(command, "--cluster", "127.0.0.1:" + nobody, "--hostname", "coordinator.example");
      MainTest.assertBadInput(r, "fivepp: the cluster port on coordinator.example would speak plain TCP");
      assertThat((System.nanoTime() - t0) / 1e9).as(command).isLessThan(5.0);
    }
    Where w = where();
    // with --insecure-transport: the warning first, then the run goes on (to find no member here)
    MainTest.Result r = MainTest.run("run", "--model", "resnet20", "--images", "1", "--cluster", "127.0.0.1:" + nobody,
        "--hostname", w.bind() == null ? w.hostname() : "0.0.0.0", "--insecure-transport", "--cluster-wait", "1");
    assertThat(r.status()).isEqualTo(2);
    List<String> lines = r.err().strip().lines().toList();
    assertThat(lines.get(0)).startsWith("fivepp: warning: --insecure-transport: the cluster port on ");
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).contains("waited");
    // TLS lets it through: it too ends only for want of members
    MainTest.Result tls = MainTest.run("run", "--model", "resnet20", "--images", "1", "--cluster", "127.0.0.1:" + nobody,
        "--hostname", w.bind() == null ? w.hostname() : "0.0.0.0", "--config", tlsConfig().toString(), "--cluster-wait", "1");
    assertThat(tls.err()).doesNotContain("warning").doesNotContain("plain TCP");
    assertThat(tls.err().strip().lines()).hasSize(1);
  }

  /** Counts what Pekko logs (every line Pekko hands to SLF4J lands on the root logger). */
  static final class Counting extends AppenderBase<ILoggingEvent> {
    final AtomicLong pekko = new AtomicLong();

    @Override
    protected void append(ILoggingEvent e) {
      if (e.getLoggerName().startsWith("org.apache.pekko")) {
        pekko.incrementAndGet();
      }
    }
  }

  /** The bytes of issue 13: 'AKKA', 01 01, a frame length of 0x7fffffff, then random bytes; 110 in all. */
  static byte[] hostileFrame(long seed) {
    byte[] b = new byte[110];
    new Random(seed).nextBytes(b);
    byte[] head = {'A', 'K', 'K', 'A', 1, 1, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    System.arraycopy(head, 0, b, 0, head.length);
    return b;
  }

  private static long usedHeapAfterGc(MemoryMXBean mem) {
    System.gc();
    return mem.getHeapMemoryUsage().getUsed();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static long upCount(ActorSystem<?> s) {
    return java.util.stream.StreamSupport.stream(Cluster.get(s).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up()).count();
  }

  @Test
  void theHundredAndTenByteFrameDoesNothingToAMemberInItsDefaultTlsConfiguration() throws Exception {
    Where w = where();
    int port = NodeCommandTest.freePort();
    int mgmt = NodeCommandTest.freePort();
    Path conf = tlsConfig();
    StringWriter err = new StringWriter();
    MemberNode.Started a = node(err, args(w, port, "--config", conf.toString(), "--management-port", "" + mgmt));
    assertThat(err.toString()).as("TLS: nothing to warn of").isEmpty();
    assertThat(a.system().settings().config().getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");

    Counting counting = new Counting();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    counting.setContext(root.getLoggerContext());
    counting.start();
    root.addAppender(counting);
    try {
      MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
      long heapBefore = usedHeapAfterGc(mem);
      int connections = 20;
      for (int i = 0; i < connections; i++) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(w.connect(), port), 5_000);
          OutputStream out = s.getOutputStream();
          out.write(hostileFrame(i));
          out.flush();
          // the member ends the connection: the bytes are no TLS handshake
          s.setSoTimeout(10_000);
          InputStream in = s.getInputStream();
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          boolean closed = false;
          while (!closed && System.nanoTime() < end) {
            try {
              closed = in.read(new byte[512]) < 0;
            } catch (SocketTimeoutException e) {
              break;
            } catch (IOException e) {
              closed = true;   // reset
            }
          }
          assertThat(closed).as("connection %d closed by the member", i).isTrue();
        }
      }
      long linesAfterSending = counting.pekko.get();
      // a window of 3 s after the last connection: in plaintext Pekko 1.7.0 logs ~50,000 lines a
      // second here and burns a whole processor (issue 13)
      long cpu0 = processCpuNanos();
      long lines0 = counting.pekko.get();
      fivepp.Await.throughout(Duration.ofSeconds(3), () -> assertThat(counting.pekko.get() - lines0)
          .as("Pekko's log lines in the 3 s after").isLessThanOrEqualTo(5));
      long cpuInWindow = processCpuNanos() - cpu0;
      long linesInWindow = counting.pekko.get() - lines0;
      long heapAfter = usedHeapAfterGc(mem);

      assertThat(linesAfterSending).as("Pekko's log lines for %d hostile connections", connections)
          .isLessThanOrEqualTo(5L * connections);
      assertThat(linesInWindow).as("Pekko's log lines in the 3 s after").isLessThanOrEqualTo(5);
      assertThat(cpuInWindow / 1e9).as("CPU seconds of this JVM in the 3 s after").isLessThan(1.5);
      assertThat((heapAfter - heapBefore) / (double) (1 << 20)).as("heap growth in MiB").isLessThan(64.0);

      // it still serves: management answers, and a trusted member joins through it over TLS
      HttpResponse<String> ready = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mgmt + "/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      List<String> b = new ArrayList<>(w.args());
      b.addAll(List.of("--port", "0", "--seed", w.hostname() + ":" + port, "--join-timeout", "30",
          "--config", conf.toString()));
      MemberNode.Started second = node(new StringWriter(), b);
      fivepp.Await.untilTrue(Duration.ofSeconds(30), "both members Up, as both see it",
          () -> upCount(a.system()) == 2 && upCount(second.system()) == 2);
    } finally {
      root.detachAppender(counting);
      counting.stop();
    }
  }
}
