package fivepp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input over HTTP (issue 13): remote clients of a run's monitor that open connections and
 * leave them half-written, or reset them, put nothing on the run's console. Before library logs
 * went to their file, 300 such connections gave about 300 WARN lines on a run's stderr.
 */
class MonitorHttpNoiseTest {
  @TempDir Path dir;

  @Test
  void halfOpenAndResetConnectionsToTheMonitorLeaveTheRunsConsoleClean() throws Exception {
    Path log = dir.resolve("fivepp.log");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    // a separate JVM with the runnable jar's logging configuration, as a user runs it
    Process p = new ProcessBuilder(fivepp.FivePpJvm.command("1g", log, "run", "--model", "resnet20",
        "--images", "5", "--check", "0", "--monitor-port", "0", "--monitor-hold", "8"))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      String url = fivepp.Await.until(Duration.ofSeconds(90), "the monitor to hold the run's final state", () -> {
        for (String line : Files.readAllLines(err, StandardCharsets.UTF_8)) {
          if (line.startsWith("monitor: holding the final state at ")) {
            return line.substring("monitor: holding the final state at ".length()).split(" ")[0];
          }
        }
        return null;
      });
      URI at = URI.create(url);
      List<Socket> open = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(at.getHost(), at.getPort()), 5_000);
        OutputStream o = s.getOutputStream();
        // a request cut off inside its headers
        o.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: te".getBytes(StandardCharsets.US_ASCII));
        o.flush();
        if (i % 2 == 0) {
          s.setSoLinger(true, 0); // closed with a reset
          s.close();
        } else {
          s.shutdownOutput(); // half-closed, left open
          open.add(s);
        }
      }
      // the monitor still serves while they hang
      java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(at.resolve("/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the run ends once its hold is over").isTrue();
      for (Socket s : open) {
        s.close();
      }
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).isZero();
    List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
    // the run's own lines only: its progress, the monitor's address and the hold
    assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line).matches(
        "WARNING: Using incubator modules: jdk\\.incubator\\.vector|\\d+/\\d+ images.*|monitor: .*"));
    assertThat(lines).anyMatch(l -> l.startsWith("monitor: holding the final state at "));
    assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains("resnet20");
  }
}
