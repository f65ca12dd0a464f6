package fivepp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fivepp.Await;
import fivepp.cli.Main;
import fivepp.mapping.Core;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Tiling;
import fivepp.model.Zoo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The monitor's endpoints after a real run, held with --monitor-hold: /metrics parses as
 * Prometheus text and its per-core MVM counters add up to the run's MVMs; per-channel bytes
 * equal the run's report; /api/snapshot is final; /api/stream sends snapshots (the fabric in
 * the first); only GET of the
 * four endpoints is served. And the monitor options' bad input.
 */
class MonitorEndpointsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int IMAGES = 40;

  @Test
  void endpointsAfterARunHeldOpen() throws Exception {
    try (MonitoredRun run = new MonitoredRun("--model", "resnet32", "--fabric", "5pp", "--images",
        Integer.toString(IMAGES), "--check", "0", "--format", "json", "--monitor-hold", "120")) {
      Await.until(Duration.ofSeconds(120), "the run to finish and the monitor to hold",
          () -> run.err.toString().contains("monitor: holding") ? true : null);
      JsonNode report = JSON.readTree(run.out.toString());
      long reportMvms = 0;
      for (JsonNode c : report.get("cores")) {
        reportMvms += c.get("mvms").asLong();
      }
      long perImage = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT).cores().stream()
          .mapToLong(Core::mvmsPerImage).sum();
      assertThat(reportMvms).isEqualTo(IMAGES * perImage);

      HttpResponse<String> metrics = run.get("metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
      PrometheusText prom = PrometheusText.parse(metrics.body());
      assertThat(prom.types).containsEntry("fivepp_core_mvms_total", "counter")
          .containsEntry("fivepp_image_latency_seconds", "histogram")
          .containsEntry("fivepp_core_queue_depth", "gauge")
          .containsEntry("fivepp_channel_bytes_total", "counter");
      var coreMvms = prom.named("fivepp_core_mvms_total");
      assertThat(coreMvms).hasSize(60);
      assertThat(coreMvms).allSatisfy(s -> assertThat(s.labels()).containsKeys("core", "layer", "member"));
      assertThat(coreMvms.stream().mapToDouble(PrometheusText.Sample::value).sum()).isEqualTo((double) reportMvms);
      assertThat(prom.named("fivepp_core_queue_depth")).allSatisfy(s -> assertThat(s.value()).isZero());
      assertThat(prom.named("fivepp_images_completed_total").get(0).value()).isEqualTo(IMAGES);
      assertThat(prom.named("fivepp_image_latency_seconds_count").get(0).value()).isEqualTo(IMAGES);
      assertThat(prom.named("fivepp_image_latency_seconds_bucket")).isNotEmpty()
          .anySatisfy(s -> assertThat(s.labels()).containsEntry("le", "+Inf"));
      Map<String, Double> bytes = new HashMap<>();
      prom.named("fivepp_channel_bytes_total").forEach(s -> bytes.put(s.labels().get("from") + ">" + s.labels().get("to"), s.value()));
      assertThat(bytes).hasSize(report.get("channels").size());
      for (JsonNode c : report.get("channels")) {
        assertThat(bytes.get(c.get("from").asInt() + ">" + c.get("to").asInt()))
            .as("bytes on channel %s -> %s", c.get("from"), c.get("to"))
            .isEqualTo(c.get("bytesPerImage").asDouble() * IMAGES);
      }

      JsonNode snap = JSON.readTree(run.get("api/snapshot").body());
      assertThat(snap.get("run").get("done").asBoolean()).isTrue();
      assertThat(snap.get("run").get("imagesDone").asLong()).isEqualTo(IMAGES);
      assertThat(snap.get("cores")).hasSize(60);
      assertThat(snap.get("fabric").get("nodes")).hasSize(60);
      assertThat(snap.get("fabric").get("links")).hasSize(285);
      assertThat(snap.get("fabric").get("layout").asText()).isEqualTo("lines");
      // every layer, in order; the bottleneck: every core of the most MVMs per image (ResNet-32's
      // first stage), tied, with the analytic bound the report states
      CoreGraph g = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);
      java.util.List<String> layers = g.cores().stream().map(Core::layer).distinct().toList();
      java.util.List<String> listed = new java.util.ArrayList<>();
      snap.get("layers").forEach(l -> listed.add(l.get("layer").asText()));
      assertThat(listed).containsExactlyElementsOf(layers);
      long most = g.cores().stream().mapToLong(Core::mvmsPerImage).max().orElseThrow();
      java.util.List<Integer> slowest = g.cores().stream().filter(c -> c.mvmsPerImage() == most)
          .map(Core::id).toList();
      assertThat(slowest).hasSize(11);
      JsonNode virtual = snap.get("bottleneck").get("virtual");
      java.util.List<Integer> named = new java.util.ArrayList<>();
      virtual.get("cores").forEach(c -> named.add(c.asInt()));
      assertThat(named).containsExactlyElementsOf(slowest);
      assertThat(virtual.get("says").asText()).startsWith("11 cores of layers conv1, s1b1a, ");
      assertThat(snap.get("bottleneck").get("boundImagesPerSecond").asDouble())
          .isEqualTo(report.get("virtualBoundImagesPerSecond").asDouble());
      java.util.Set<String> bottleneckLayers = new java.util.HashSet<>();
      virtual.get("layers").forEach(l -> bottleneckLayers.add(l.asText()));
      assertThat(prom.named("fivepp_layer_virtual_bottleneck")).hasSize(layers.size())
          .allSatisfy(x -> assertThat(x.value()).isEqualTo(bottleneckLayers.contains(x.labels().get("layer")) ? 1.0 : 0.0));
      assertThat(prom.named("fivepp_pipeline_bound_images_per_second").get(0).value())
          .isEqualTo(report.get("virtualBoundImagesPerSecond").asDouble());

      // the Grafana dashboard in deploy/ queries only metrics this /metrics exports
      JsonNode grafana = JSON.readTree(java.nio.file.Path.of("..", "deploy", "grafana", "fivepp-dashboard.json").toFile());
      java.util.Set<String> queried = new java.util.TreeSet<>();
      for (JsonNode panel : grafana.get("panels")) {
        assertThat(panel.get("targets")).as("panel %s", panel.get("title")).isNotEmpty();
        for (JsonNode t : panel.get("targets")) {
          java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bfivepp_[a-z0-9_]+").matcher(t.get("expr").asText());
          while (m.find()) {
            queried.add(m.group());
          }
        }
      }
      assertThat(queried).hasSize(15);
      assertThat(queried).allSatisfy(name -> assertThat(prom.named(name)).as("%s in /metrics", name).isNotEmpty());

      HttpResponse<java.io.InputStream> stream = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(run.url + "api/stream")).build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
      try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        String line = r.readLine();
        assertThat(line).startsWith("data:");
        JsonNode first = JSON.readTree(line.substring(5));
        assertThat(first.get("run").get("imagesDone").asLong()).isEqualTo(IMAGES);
        assertThat(first.get("fabric").get("nodes")).hasSize(60);
        do {
          line = r.readLine();
        } while (!line.startsWith("data:"));
        JsonNode next = JSON.readTree(line.substring(5));
        assertThat(next.get("seq").asLong()).isGreaterThan(first.get("seq").asLong());
        assertThat(next.get("fabric").isNull()).as("the fabric goes in the first event only").isTrue();
        assertThat(next.get("cores")).hasSize(60);
      }

      HttpResponse<String> page = run.get("");
      assertThat(page.statusCode()).isEqualTo(200);
      // the charting library, from the jar
      HttpResponse<String> echarts = run.get("echarts.min.js");
      assertThat(echarts.statusCode()).isEqualTo(200);
      assertThat(echarts.headers().firstValue("Content-Type").orElse("")).startsWith("application/javascript");
      assertThat(echarts.body()).hasSizeGreaterThan(900_000).contains("echarts");
      assertThat(page.body()).contains("<title>fivepp live monitor</title>");
      for (String path : new String[] {"nope", "api", "api/nope", "metrics/x", "dashboard.html", "../pom.xml"}) {
        assertThat(run.get(path).statusCode()).as("GET /%s", path).isEqualTo(404);
      }
      for (String path : new String[] {"", "metrics", "api/snapshot", "api/stream"}) {
        for (String method : new String[] {"POST", "PUT", "DELETE"}) {
          int status = run.send(HttpRequest.newBuilder(URI.create(run.url + path))
              .method(method, HttpRequest.BodyPublishers.ofString("x")).build()).statusCode();
          assertThat(status).as("%s /%s", method, path).isEqualTo(405);
        }
      }
    }
  }

  @Test
  void monitorOptionsRejectBadInputInOneLine() throws Exception {
    assertOneLine(2, "--monitor-port 70000", "--monitor-port", "70000");
    assertOneLine(2, "--monitor-hold", "--monitor-hold", "5");
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertOneLine(2, "cannot serve the monitor", "--monitor-port", Integer.toString(taken.getLocalPort()));
    }
  }

  private static void assertOneLine(int status, String mentions, String... options) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    String[] args = new String[options.length + 5];
    System.arraycopy(new String[] {"run", "--images", "1", "--check", "0"}, 0, args, 0, 5);
    System.arraycopy(options, 0, args, 5, options.length);
    int got = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    assertThat(got).isEqualTo(status);
    assertThat(err.toString().strip().lines()).hasSize(1).first().asString().startsWith("fivepp: ").contains(mentions);
    assertThat(out.toString()).isEmpty();
  }
}
