package fivepp.stress;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The files of a sweep: a CSV of every point, and the latency-versus-offered-load chart as PNG and
 * SVG (JFreeChart, JFreeSVG). Each file is written to a temporary file beside it and moved into
 * place, so a failure never leaves half a file.
 */
public final class SweepFiles {
  static final int WIDTH = 800;
  static final int HEIGHT = 500;

  private SweepFiles() {}

  /** The CSV text: one line per fabric and rate. */
  public static String csv(List<Sweep> sweeps) {
    StringBuilder sb = new StringBuilder("fabric,rate,offered,accepted,min_accepted,avg_latency,p99_latency,"
        + "network_latency,zero_load_latency,avg_hops,max_channel_utilisation,generated,delivered,dropped,drained\n");
    for (Sweep s : sweeps) {
      for (Sweep.Point p : s.points()) {
        StressResult r = p.result();
        sb.append(String.format(Locale.ROOT, "%s,%.4f,%.5f,%.5f,%.5f,%.2f,%.1f,%.2f,%.2f,%.3f,%.4f,%d,%d,%d,%s%n",
            s.label(), p.rate(), r.offered(), r.accepted(), r.minAccepted(), r.avgLatency(), r.p99Latency(),
            r.avgNetworkLatency(), r.zeroLoadLatency(), r.avgHops(), r.maxUtilisation(), r.generated(),
            r.delivered(), r.dropped(), r.drained()));
      }
    }
    return sb.toString();
  }

  /** Average packet latency (log scale) against offered load, one line per sweep. */
  public static JFreeChart chart(String title, List<Sweep> sweeps) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Sweep s : sweeps) {
      XYSeries series = new XYSeries(s.label() + String.format(Locale.ROOT, " (saturation %.3f)",
          s.saturation().throughput()));
      for (Sweep.Point p : s.points()) {
        if (p.result().avgLatency() > 0) {
          series.add(p.result().offered(), p.result().avgLatency());
        }
      }
      data.addSeries(series);
    }
    NumberAxis x = new NumberAxis("offered load (flits/node/cycle)");
    LogAxis y = new LogAxis("average packet latency (cycles)");
    y.setSmallestValue(1);
    y.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0));
    y.setMinorTickCount(9);
    y.setMinorTickMarksVisible(true);
    y.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    Color[] colours = {new Color(0xC0392B), new Color(0x2471A3), new Color(0x229954), new Color(0x7D3C98),
        new Color(0xD68910)};
    for (int i = 0; i < sweeps.size(); i++) {
      renderer.setSeriesPaint(i, colours[i % colours.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    return styled(new XYPlot(data, x, y, renderer), title);
  }

  /** {@code plot} as a chart in the sweeps' style: white, light grey grid lines, {@code title}. */
  public static JFreeChart styled(XYPlot plot, String title) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    JFreeChart chart = new JFreeChart(plot);
    chart.setTitle(new TextTitle(title));
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  /** The paths a sweep named {@code name} writes in {@code dir}: CSV, PNG, SVG. */
  public static List<Path> paths(Path dir, String name) {
    return List.of(dir.resolve(name + ".csv"), dir.resolve(name + ".png"), dir.resolve(name + ".svg"));
  }

  /** Writes the CSV, PNG and SVG; returns their paths. */
  public static List<Path> write(Path dir, String name, String title, List<Sweep> sweeps) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Path> out = paths(dir, name);
    JFreeChart chart = chart(title, sweeps);
    List<Path> done = new ArrayList<>();
    writeText(out.get(0), csv(sweeps));
    done.add(out.get(0));
    writePng(out.get(1), chart);
    done.add(out.get(1));
    atomically(out.get(2), tmp -> {
      SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
      chart.draw(g, new java.awt.Rectangle(0, 0, WIDTH, HEIGHT));
      Files.writeString(tmp, g.getSVGDocument(), StandardCharsets.UTF_8);
    });
    done.add(out.get(2));
    return done;
  }

  /** Writes {@code text} to {@code target} through a temporary file beside it. */
  public static void writeText(Path target, String text) throws IOException {
    atomically(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
  }

  /** Writes {@code chart} as a PNG of the sweeps' size to {@code target} through a temporary file beside it. */
  public static void writePng(Path target, JFreeChart chart) throws IOException {
    System.setProperty("java.awt.headless", "true");
    atomically(target, tmp -> ChartUtils.saveChartAsPNG(tmp.toFile(), chart, WIDTH, HEIGHT));
  }

  private interface Writer {
    void write(Path tmp) throws IOException;
  }

  private static void atomically(Path target, Writer w) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, ".fivepp-", ".tmp");
    try {
      w.write(tmp);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }
}
