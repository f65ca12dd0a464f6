package fivepp.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import fivepp.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Headless Chromium driven over the DevTools protocol (java.net.http WebSocket + Jackson): one
 * page, JavaScript evaluation, screenshots. Chromium picks its debugging port and writes it to
 * {@code DevToolsActivePort} in a fresh user-data-dir.
 */
final class Cdp implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  private Cdp(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** Starts Chromium headless on {@code url} and attaches to its page. */
  static Cdp open(String url, int width, int height) throws Exception {
    Path profile = Files.createTempDirectory("fivepp-chromium");
    Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--remote-debugging-port=0", "--user-data-dir=" + profile,
        "--window-size=" + width + "," + height, url)
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
    try {
      Path active = profile.resolve("DevToolsActivePort");
      int port = Await.until(Duration.ofSeconds(60), "Chromium's DevToolsActivePort", () -> {
        if (!p.isAlive()) {
          throw new AssertionError("chromium exited: " + Files.readString(profile.resolve("chromium.log")));
        }
        List<String> lines = Files.exists(active) ? Files.readAllLines(active) : List.of();
        return lines.size() >= 2 ? Integer.parseInt(lines.get(0).trim()) : null;
      });
      HttpClient http = HttpClient.newHttpClient();
      String ws = Await.until(Duration.ofSeconds(30), "Chromium's page target", () -> {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        for (JsonNode t : JSON.readTree(body)) {
          if (t.path("type").asText().equals("page")) {
            return t.path("webSocketDebuggerUrl").asText();
          }
        }
        return null;
      });
      Cdp[] self = new Cdp[1];
      WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), new WebSocket.Listener() {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
          text.append(data);
          if (last) {
            String message = text.toString();
            text.setLength(0);
            try {
              JsonNode n = JSON.readTree(message);
              CompletableFuture<JsonNode> f = n.has("id") ? self[0].pending.remove(n.get("id").asInt()) : null;
              if (f != null) {
                if (n.has("error")) {
                  f.completeExceptionally(new IllegalStateException(n.get("error").toString()));
                } else {
                  f.complete(n.get("result"));
                }
              }
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
          w.request(1);
          return null;
        }
      }).get(30, TimeUnit.SECONDS);
      self[0] = new Cdp(p, profile, socket);
      return self[0];
    } catch (Exception | AssertionError e) {
      p.destroyForcibly();
      throw e;
    }
  }

  JsonNode call(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode m = JSON.createObjectNode().put("id", id).put("method", method);
    m.set("params", params == null ? JSON.createObjectNode() : params);
    socket.sendText(JSON.writeValueAsString(m), true).get(30, TimeUnit.SECONDS);
    return f.get(60, TimeUnit.SECONDS);
  }

  /** The value of a JavaScript expression, returned by value. */
  JsonNode eval(String expression) throws Exception {
    JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
        .put("returnByValue", true).put("awaitPromise", true));
    if (r.has("exceptionDetails")) {
      throw new IllegalStateException("page threw: " + r.get("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  /** A PNG of the page. */
  byte[] screenshot() throws Exception {
    JsonNode r = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")
        .put("captureBeyondViewport", true));
    return Base64.getDecoder().decode(r.get("data").asText());
  }

  @Override
  public void close() throws Exception {
    try {
      socket.abort();
    } finally {
      // the browser's helpers (network service, renderer) write to the profile until they exit too
      java.util.List<ProcessHandle> helpers = process.descendants().toList();
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      for (ProcessHandle h : helpers) {
        h.destroy();
        try {
          h.onExit().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          h.destroyForcibly();
          h.onExit().get(10, TimeUnit.SECONDS);
        }
      }
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
