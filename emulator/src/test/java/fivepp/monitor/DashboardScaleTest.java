package fivepp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import fivepp.Await;
import fivepp.fabric.Fabrics;
import fivepp.mapping.Mapping;
import fivepp.mapping.Tiling;
import fivepp.model.Zoo;
import fivepp.runtime.LiveStats;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/**
 * The dashboard on VGG-16's 2,121 cores placed on 5PP, with synthetic counters that change every
 * second, in a real browser (Debian's headless Chromium over the DevTools protocol): every core
 * is drawn, and zooming and panning stay under 50 ms a frame.
 */
class DashboardScaleTest {

  @Test
  void twoThousandCoresDrawAndZoomUnderFiftyMillisecondsAFrame() throws Exception {
    assertThat(Cdp.CHROMIUM).as("Debian's chromium (deploy/test installs it)").isExecutable();
    Mapping m = Mapping.of(Zoo.get("vgg16"), Tiling.DEFAULT, n -> Fabrics.parse("5pp", n), 100e-9);
    int cores = m.graph().cores().size();
    assertThat(cores).isEqualTo(2121);
    Monitor monitor = Monitor.start("127.0.0.1", 0, "local", m.graph(), m.fabric(), m.placement(), 100e-9, "row");
    LiveStats live = monitor.live();
    long[] tick = {0};
    // synthetic counters: core c does c + 1 MVMs a second, and sends along to the next vertex
    ScheduledExecutorService feed = Monitor.everySecond("synthetic-counters", () -> {
      long t = ++tick[0];
      for (int c = 0; c < cores; c++) {
        int v = m.placement().vertex(c);
        live.vertex(v, c).mirror("local", (c + 1) * t, 1_000_000L * t * (c % 7), 1e-6 * t, t, t);
        live.vertex(v, c).mirrorChannel(m.fabric().neighbors(v)[0], 8L * (c + 1) * t, t);
      }
    });
    try (Cdp browser = Cdp.open(monitor.url(), 1400, 1100)) {
      // every core on the canvas, with the counters of a snapshot after the feed began
      Await.until(Duration.ofSeconds(60), "the page to draw the 2,121 cores with counters", () -> {
        JsonNode n = browser.eval("chart ? chart.getOption().series.find(x => x.name === 'cores').data"
            + ".filter(d => d[5] > 0).length : 0");
        return n.asInt() == cores ? true : null;
      });
      assertThat(browser.eval("document.querySelectorAll('#layers tbody tr').length").asInt()).isEqualTo(16);
      assertThat(browser.eval("layerChart.getOption().xAxis[0].data.length").asInt()).isEqualTo(16);
      // zoomed out, the fabric's links are summed between the layers' boxes (how many pairs of
      // layers carry traffic grows as snapshots come in); zoomed in to a quarter of each axis or
      // less, every link is drawn
      String links = "chart.getOption().series.find(x => x.name === 'links').data.length";
      int flows = browser.eval(links).asInt();
      assertThat(flows).isBetween(1, 16 * 15 / 2);
      int fabricLinks = browser.eval("fabricLinks.length").asInt();
      assertThat(fabricLinks).isGreaterThan(1500);
      assertThat(browser.eval("chart.dispatchAction({type: 'dataZoom', batch: [{dataZoomIndex: 0, start: 40, end: 60},"
          + " {dataZoomIndex: 1, start: 40, end: 60}]}); " + links).asInt()).isEqualTo(fabricLinks);
      assertThat(browser.eval("chart.dispatchAction({type: 'dataZoom', batch: [{dataZoomIndex: 0, start: 0, end: 100},"
          + " {dataZoomIndex: 1, start: 0, end: 100}]}); " + links).asInt()).isBetween(1, 16 * 15 / 2);
      // 60 frames, each zooming or panning both axes: the time from one frame to the next
      JsonNode frames = browser.eval("(async () => { const times = []; let last = performance.now();"
          + " for (let i = 0; i < 60; i++) { const s = (i % 10) * 4, x = (i % 7) * 3;"
          + "  chart.dispatchAction({type: 'dataZoom', batch: [{dataZoomIndex: 0, start: s + x, end: 100 - s + x > 100 ? 100 : 100 - s + x},"
          + "   {dataZoomIndex: 1, start: s, end: 100 - s}]});"
          + "  await new Promise(r => requestAnimationFrame(r)); const now = performance.now(); times.push(now - last); last = now; }"
          + " times.sort((a, b) => a - b); return {mean: times.reduce((a, b) => a + b) / times.length, p90: times[54]}; })()");
      browser.eval("chart.dispatchAction({type: 'dataZoom', batch: [{dataZoomIndex: 0, start: 0, end: 100}, {dataZoomIndex: 1, start: 0, end: 100}]}); true");
      java.nio.file.Path shot = java.nio.file.Path.of("target", "dashboard-vgg16.png");
      java.nio.file.Files.createDirectories(shot.getParent());
      java.nio.file.Files.write(shot, browser.screenshot());
      System.out.printf("dashboard, VGG-16's 2,121 cores (measured): %.1f ms a frame on average, p90 %.1f ms%n",
          frames.get("mean").asDouble(), frames.get("p90").asDouble());
      assertThat(frames.get("mean").asDouble()).as("mean frame time, ms").isLessThan(50);
      assertThat(frames.get("p90").asDouble()).as("90th percentile frame time, ms").isLessThan(100);
    } finally {
      feed.shutdownNow();
      monitor.close();
    }
  }
}
