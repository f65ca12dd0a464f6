package fivepp.monitor;

import fivepp.Await;
import fivepp.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code fivepp run ... --monitor-port 0} (or another command) on a thread of the test, with its output and its monitor's URL. */
final class MonitoredRun implements AutoCloseable {
  private static final Pattern URL = Pattern.compile("monitor: (http://\\S+/) ");
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  final Thread thread;
  final String url;
  volatile int status = -1;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  MonitoredRun(String... args) {
    this("run", args);
  }

  /** {@code fivepp COMMAND ARGS... --monitor-port 0}, for any command that serves a monitor. */
  MonitoredRun(String command, String[] args) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of(args));
    all.addAll(List.of("--monitor-port", "0"));
    thread = new Thread(() -> status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true),
        all.toArray(String[]::new)), "monitored-run");
    thread.setDaemon(true);
    thread.start();
    url = Await.until(Duration.ofSeconds(60), "the monitor's URL on stderr", () -> {
      Matcher m = URL.matcher(err.toString());
      if (!thread.isAlive() && !m.find()) {
        throw new AssertionError("run ended without a monitor: " + err);
      }
      return m.find(0) ? m.group(1) : null;
    });
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).GET().build());
  }

  HttpResponse<String> send(HttpRequest r) throws Exception {
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  /** Ends the run (or its --monitor-hold) and waits for the command to return. */
  @Override
  public void close() throws InterruptedException {
    thread.interrupt();
    thread.join(30_000);
  }
}
