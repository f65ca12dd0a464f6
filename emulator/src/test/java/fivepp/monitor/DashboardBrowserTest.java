package fivepp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fivepp.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real browser (Debian's headless Chromium over the DevTools protocol) during
 * a ResNet-50 run at 112x112 on 5PP (422 cores): one point per core on the fabric's canvas, the numbers it holds for
 * the cores change between two moments and equal {@code /api/snapshot} of the snapshot it
 * rendered, a core's figures on hover, the layers and the bottleneck, and a screenshot in
 * target/.
 */
class DashboardBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What the page shows: the snapshot it rendered and, per core element, its numbers. */
  private static final String PAGE_STATE = "JSON.stringify({seq: +document.body.dataset.seq,"
      + " cores: (chart ? chart.getOption().series.find(x => x.name === 'cores').data : [])"
      + "   .map(d => ({core: d[3], mvms: d[5], rate: d[6], text: tip(d[3])})),"
      + " topCores: document.querySelectorAll('#top-cores tbody tr').length,"
      + " topChannels: document.querySelectorAll('#top-channels tbody tr').length,"
      + " layers: [...document.querySelectorAll('#layers tbody tr')].map(r => r.dataset.layer),"
      + " bottleneck: document.getElementById('bottleneck-virtual').textContent,"
      + " average: +document.body.dataset.average, firstRenderMs: +document.body.dataset.firstRenderMs})";

  /** ResNet-50 at 112x112: 422 cores. */
  private static final fivepp.mapping.CoreGraph GRAPH =
      fivepp.mapping.CoreGraph.of(fivepp.model.Zoo.get("resnet50", 112, 112), fivepp.mapping.Tiling.DEFAULT);
  private static final int CORES = 422;

  /** A moment at which the page shows exactly snapshot {@code seq}: per core, MVMs. */
  private record Moment(long seq, Map<Integer, Long> mvms, JsonNode page) {}

  @Test
  void dashboardShowsEveryCoreLiveAndMatchesTheSnapshot() throws Exception {
    assertThat(Cdp.CHROMIUM).as("Debian's chromium (deploy/test installs it)").isExecutable();
    // long enough to watch: the run is ended once the page has been checked
    try (MonitoredRun run = new MonitoredRun("--model", "resnet50", "--input", "112x112", "--fabric", "5pp",
        "--images", "100000", "--check", "0");
        Cdp browser = Cdp.open(runUrl(run), 1400, 1100)) {
      Moment a = moment(run, browser, -1);
      assertThat(a.page().get("cores")).hasSize(CORES);
      // the first snapshot (422 cores, 2,116 links) drawn within 2 s of its arrival
      assertThat(a.page().get("firstRenderMs").asDouble()).isPositive().isLessThan(2000);
      Moment b = moment(run, browser, a.seq());
      int changed = 0;
      for (Map.Entry<Integer, Long> e : b.mvms().entrySet()) {
        if (!e.getValue().equals(a.mvms().get(e.getKey()))) {
          changed++;
        }
      }
      assertThat(changed).as("cores whose MVMs changed between snapshot %d and %d", a.seq(), b.seq())
          .isGreaterThanOrEqualTo(3);
      assertThat(b.page().get("topCores").asInt()).isEqualTo(10);
      assertThat(b.page().get("topChannels").asInt()).isEqualTo(10);
      // every layer listed, in order, and the bottleneck named: conv1, the core of the most MVMs
      // per image (3,136 of 147x64), alone, beside the bound it sets
      java.util.List<String> layers = new java.util.ArrayList<>();
      b.page().get("layers").forEach(l -> layers.add(l.asText()));
      assertThat(layers).containsExactlyElementsOf(GRAPH.cores().stream().map(fivepp.mapping.Core::layer).distinct().toList());
      assertThat(b.page().get("bottleneck").asText()).startsWith("modelled hardware: conv1 (core 0): ")
          .contains("virtual busy").contains("against the bound of 3.2k");
      // images/s as a moving average of the samples the page has seen: positive once images
      // complete within its 10 s (ResNet-50's first images come slowly, while the JIT warms up)
      assertThat(Await.until(Duration.ofSeconds(60), "a positive 10 s average of images/s", () -> {
        double avg = browser.eval("+document.body.dataset.average").asDouble();
        return avg > 0 ? avg : null;
      })).isPositive();
      // hovering a core (the canvas has no element per core: the chart's own hover) shows its figures
      String shown = browser.eval("chart.dispatchAction({type: 'showTip', seriesIndex: 1, dataIndex: 5});"
          + " const d = chart.getOption().series[1].data[5]; 'core ' + d[3] + ' @' + d[4] + ' | '"
          + " + document.querySelector('#fabric .fabric-tip').textContent").asText();
      String core = shown.substring(5, shown.indexOf(' ', 5));
      String vertex = shown.substring(shown.indexOf('@') + 1, shown.indexOf(" | "));
      assertThat(shown.substring(shown.indexOf(" | ") + 3))
          .startsWith("core " + core + " (" + GRAPH.cores().get(Integer.parseInt(core)).layer() + ") on vertex " + vertex)
          .contains("MVMs/s").contains("virtual busy");
      Path shot = Path.of("target", "dashboard.png");
      Files.createDirectories(shot.getParent());
      byte[] png = browser.screenshot();
      Files.write(shot, png);
      assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    }
  }

  private static String runUrl(MonitoredRun run) {
    return run.url;
  }

  /**
   * Waits until the page has rendered a snapshot newer than {@code after} with every core
   * running, that is also what /api/snapshot serves at that moment, and checks that every core
   * element shows that snapshot's numbers.
   */
  private static Moment moment(MonitoredRun run, Cdp browser, long after) {
    return Await.until(Duration.ofSeconds(90), "the page and /api/snapshot on one snapshot after " + after, () -> {
      JsonNode page = JSON.readTree(browser.eval(PAGE_STATE).asText());
      long seq = page.get("seq").asLong();
      if (seq <= after || page.get("cores").size() == 0) {
        return null;
      }
      JsonNode snap = JSON.readTree(run.get("api/snapshot").body());
      if (snap.get("seq").asLong() != seq || snap.get("cores").size() < CORES
          || snap.get("run").get("imagesDone").asLong() == 0) {
        return null;
      }
      Map<Integer, JsonNode> byCore = new HashMap<>();
      snap.get("cores").forEach(c -> byCore.put(c.get("core").asInt(), c));
      Map<Integer, Long> mvms = new HashMap<>();
      for (JsonNode shown : page.get("cores")) {
        int core = shown.get("core").asInt();
        JsonNode served = byCore.get(core);
        assertThat(served).as("core %d in /api/snapshot %d", core, seq).isNotNull();
        assertThat(shown.get("mvms").asLong()).as("MVMs shown for core %d at snapshot %d", core, seq)
            .isEqualTo(served.get("mvms").asLong());
        assertThat(shown.get("rate").asDouble()).as("MVMs/s shown for core %d", core)
            .isEqualTo(served.get("mvmsPerSecond").asDouble());
        assertThat(shown.get("text").asText()).isNotBlank();
        mvms.put(core, shown.get("mvms").asLong());
      }
      return new Moment(seq, mvms, page);
    });
  }
}
