package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fivepp.Await;
import fivepp.cluster.MemberNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fivepp node}: members that form a cluster in this JVM, and the user's mistakes. */
class NodeCommandTest {
  @TempDir Path dir;
  private final List<ActorSystem<?>> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (ActorSystem<?> s : started) {
      s.terminate();
    }
    for (ActorSystem<?> s : started) {
      s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private MemberNode.Started node(String... args) {
    NodeCommand cmd = new NodeCommand();
    new CommandLine(cmd).parseArgs(args);
    MemberNode.Started s = cmd.start();
    started.add(s.system());
    return s;
  }

  @Test
  void threeMembersJoinThroughTheFirstSeedAndAreUp() throws Exception {
    int seed = freePort();
    String seeds = "127.0.0.1:" + seed;
    MemberNode.Started a = node("--port", "" + seed, "--seed", seeds, "--roles", "cores", "--join-timeout", "20");
    MemberNode.Started b = node("--port", "0", "--seed", seeds, "--roles", "cores", "--join-timeout", "20");
    MemberNode.Started c = node("--port", "0", "--seed", seeds, "--roles", "cores,coordinator", "--join-timeout", "20");
    assertThat(a.hostPort()).isEqualTo("127.0.0.1:" + seed);
    assertThat(b.hostPort()).startsWith("127.0.0.1:").isNotEqualTo(a.hostPort());
    Cluster first = Cluster.get(a.system());
    Await.untilTrue(Duration.ofSeconds(20), "3 members Up as seen by the first", () -> {
      List<Member> up = new ArrayList<>();
      first.state().getMembers().forEach(m -> {
        if (m.status() == MemberStatus.up()) {
          up.add(m);
        }
      });
      return up.size() == 3;
    });
    List<String> addresses = new ArrayList<>();
    first.state().getMembers().forEach(m -> addresses.add(m.address().host().get() + ":" + m.address().port().get()));
    assertThat(addresses).containsExactlyInAnyOrder(a.hostPort(), b.hostPort(), c.hostPort());
    Member third = Cluster.get(c.system()).selfMember();
    // every node is a host, which the split-brain resolver counts, whatever roles it was given
    assertThat(third.getRoles()).contains("cores", "coordinator", "host");
  }

  @Test
  void theCommandSaysWhenTheMemberIsUpServesReadyAndStopsWhenTheMemberLeaves() throws Exception {
    int port = freePort();
    int mgmt = freePort();
    // write access to management HTTP (off by default) lets the test ask the member to leave
    Path conf = Files.writeString(dir.resolve("rw.conf"), "pekko.management.http.route-providers-read-only = false\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out, true),
        new PrintWriter(err, true), "node", "--port", "" + port, "--seed", "127.0.0.1:" + port,
        "--capacity", "48", "--management-port", "" + mgmt, "--config", conf.toString()));
    Await.untilTrue(Duration.ofSeconds(30), "the up line", () -> out.toString().contains(" up,") || status.isDone());
    assertThat(out.toString()).isEqualTo("member 127.0.0.1:" + port + " up, capacity 48 cores" + System.lineSeparator());

    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + mgmt;
    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    HttpResponse<String> alive = http.send(HttpRequest.newBuilder(URI.create(base + "/alive")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(alive.statusCode()).isEqualTo(200);
    JsonNode members = new ObjectMapper().readTree(http.send(
        HttpRequest.newBuilder(URI.create(base + "/cluster/members")).build(), HttpResponse.BodyHandlers.ofString()).body());
    String self = "pekko://fivepp@127.0.0.1:" + port;
    assertThat(members.get("selfNode").asText()).isEqualTo(self);
    assertThat(members.get("members")).hasSize(1);
    assertThat(members.get("members").get(0).get("status").asText()).isEqualTo("Up");

    HttpResponse<String> leave = http.send(HttpRequest.newBuilder(
            URI.create(base + "/cluster/members/" + URLEncoder.encode(self, StandardCharsets.UTF_8)))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .PUT(HttpRequest.BodyPublishers.ofString("operation=Leave")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(leave.statusCode()).as(leave.body()).isEqualTo(200);
    assertThat(status.get(30, TimeUnit.SECONDS)).isZero();
    assertThat(out.toString()).endsWith("member 127.0.0.1:" + port + " stopped" + System.lineSeparator());
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void aPortInUseIsOneLineAndExitStatusTwo() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      int p = busy.getLocalPort();
      MainTest.assertBadInput(MainTest.run("node", "--port", "" + p, "--seed", "127.0.0.1:" + p),
          "--port " + p + ": 127.0.0.1:" + p + " is already in use");
      int free = freePort();
      MainTest.assertBadInput(MainTest.run("node", "--port", "" + free, "--seed", "127.0.0.1:" + free,
          "--management-port", "" + p), "--management-port " + p + ": 127.0.0.1:" + p + " is already in use");
    }
  }

  @Test
  void anUnreachableSeedIsOneLineAndExitStatusTwoAfterTheJoinTimeout() throws Exception {
    int nobody = freePort();
    long t0 = System.nanoTime();
    MainTest.Result r = MainTest.run("node", "--port", "0", "--seed", "127.0.0.1:" + nobody, "--join-timeout", "1.5");
    double seconds = (System.nanoTime() - t0) / 1e9;
    MainTest.assertBadInput(r, "could not join the cluster through 127.0.0.1:" + nobody + " within 1.5 s");
    assertThat(seconds).isBetween(1.5, 25.0);
  }

  @Test
  void badSeedsOptionsAndFilesAreOneLineAndExitStatusTwo() throws Exception {
    MainTest.assertBadInput(MainTest.run("node", "--seed", "127.0.0.1"), "--seed '127.0.0.1': give HOST:PORT");
    MainTest.assertBadInput(MainTest.run("node", "--seed", "127.0.0.1:25520,host:port"), "--seed 'host:port'");
    MainTest.assertBadInput(MainTest.run("node", "--seed", "127.0.0.1:99999"), "the port must be 1..65535");
    MainTest.assertBadInput(MainTest.run("node", "--port", "70000", "--seed", "127.0.0.1:25520"), "--port 70000");
    MainTest.assertBadInput(MainTest.run("node", "--seed", "127.0.0.1:25520", "--capacity", "0"), "--capacity 0");
    MainTest.assertBadInput(MainTest.run("node", "--seed", "127.0.0.1:25520", "--join-timeout", "-1"), "--join-timeout");
    MainTest.assertBadInput(MainTest.run("node"), "Missing required option: '--seed");
    // listening on every interface in plain TCP: TLS, or --insecure-transport (SecureByDefaultTest)
    MainTest.assertBadInput(MainTest.run("node", "--seed", "127.0.0.1:25520", "--bind-hostname", "0.0.0.0"),
        "the cluster port on 0.0.0.0 would speak plain TCP");
    Path missing = dir.resolve("missing.conf");
    MainTest.assertBadInput(MainTest.run("node", "--seed", "127.0.0.1:25520", "--config", missing.toString()),
        "missing.conf does not exist");
    Path broken = Files.writeString(dir.resolve("broken.conf"), "pekko {\n");
    MainTest.assertBadInput(MainTest.run("node", "--seed", "127.0.0.1:25520", "--config", broken.toString()),
        "broken.conf");
  }
}
