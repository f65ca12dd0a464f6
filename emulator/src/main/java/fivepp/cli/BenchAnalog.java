package fivepp.cli;

import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.runtime.AnalogCheck;
import fivepp.runtime.AnalogSettings;
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import fivepp.stress.SweepFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp bench analog}: accuracy against the exact run as one analog parameter sweeps. */
@Command(name = "analog", mixinStandardHelpOptions = true,
    description = {"Sweep one analog parameter and measure, at each value, the run's top-1 agreement with the",
        "exact run and its logits' SNR (and accuracy when the images have labels). The other analog",
        "options fix the rest. Writes NAME.csv and NAME.png (agreement and SNR against the value)."},
    footer = {"", "Example: fivepp bench analog --model resnet20 --images 200 --sweep weight-noise=0,0.01,0.02,0.05"})
final class BenchAnalog implements Callable<Integer> {
  /** The parameters a sweep may vary. */
  static final List<String> PARAMETERS = List.of("adc-bits", "dac-bits", "weight-noise", "read-noise", "drift-time");

  @Spec CommandSpec spec;

  @Mixin Inputs.NetworkOptions network;

  @Option(names = "--fabric", defaultValue = "5pp", paramLabel = "F", description = "The fabric (default: ${DEFAULT-VALUE}).")
  String fabric;

  @Mixin Inputs.TilingOptions options;

  @Option(names = "--images", defaultValue = "100", paramLabel = "N", description = "Images per point (default: ${DEFAULT-VALUE}).")
  int images;

  @Mixin Inputs.ImagesFrom imagesFrom;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the weights, images and noise (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--sweep", required = true, paramLabel = "PARAM=V1,V2,...",
      description = "The parameter and its values: adc-bits, dac-bits, weight-noise, read-noise or drift-time.")
  String sweep;

  @Mixin AnalogOptions analog;

  @Mixin Inputs.SweepOutput output;

  /** One value of the sweep and what it measured. */
  record Point(double value, RunReport report) {}

  @Override
  public Integer call() throws IOException {
    if (images < 2) {
      throw new UserError("bench analog: --images " + images + ": run at least 2 images");
    }
    String[] kv = sweep.split("=", 2);
    String param = kv[0].trim().toLowerCase(Locale.ROOT);
    if (kv.length != 2 || !PARAMETERS.contains(param)) {
      throw new UserError("--sweep '" + sweep + "': give PARAM=V1,V2,... with PARAM one of " + String.join(", ", PARAMETERS));
    }
    AnalogSettings base = analog.on() ? analog.settings(seed, images)
        : new AnalogSettings(true, seed, 32, 32, 0, 0, 0, 0, AnalogSettings.EXACT.driftNu(), AnalogSettings.EXACT.driftNuStd());
    List<AnalogSettings> settings = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (String v : kv[1].split(",", -1)) {
      double x;
      try {
        x = Double.parseDouble(v.trim());
      } catch (NumberFormatException e) {
        throw new UserError("--sweep '" + sweep + "': '" + v + "' is not a number");
      }
      settings.add(with(base, param, x, images));
      values.add(x);
    }
    List<Path> files = output.check(List.of(output.out.resolve(output.base("analog-" + param) + ".csv"),
        output.out.resolve(output.base("analog-" + param) + ".png")));
    Path csv = files.get(0);
    Path png = files.get(1);
    Inputs.Loaded loaded = network.load("resnet20", seed);
    Network net = loaded.network();
    Weights w = loaded.weights();
    CoreGraph g = Inputs.cores(net, options.tiling());
    Fabric f = Inputs.fabric(fabric, g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    RunOptions o = new RunOptions(options.tMvmSeconds(), 0, 0, false, RunOptions.DEFAULT.window());
    PrintWriter err = spec.commandLine().getErr();
    RunReport exact;
    int[] labels;
    try (Images.Source src = source(net); Images.Source again = source(net)) {
      exact = Emulator.run(g, w, f, p, src, o, i -> { });
      labels = AnalogCheck.labels(again);
    }
    if (settings.stream().anyMatch(s -> s.calibrate() >= exact.images())) {
      throw new UserError("--calibrate: calibrate on fewer images than the " + exact.images() + " run");
    }
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < settings.size(); i++) {
      err.printf("%s = %s ...%n", param, values.get(i));
      err.flush();
      RunReport r;
      try (Images.Source src = source(net)) {
        r = Emulator.run(g, w, f, p, src, o.withAnalog(settings.get(i)), n -> { });
      }
      points.add(new Point(values.get(i), AnalogCheck.check(r, exact.logits(), labels, settings.get(i))));
    }
    String text = csv(param, points);
    SweepFiles.writeText(csv, text);
    SweepFiles.writePng(png, chart(net.name() + ": analog MVMs against exact, " + exact.images() + " images", param, points));
    PrintWriter o2 = spec.commandLine().getOut();
    o2.print(text);
    o2.println("wrote " + csv + " and " + png);
    o2.flush();
    return 0;
  }

  /**
   * {@code base} with {@code param} at {@code value} (an ADC calibrates on the default images, fewer
   * than {@code images}, unless told), checked: a bad value is one line.
   */
  static AnalogSettings with(AnalogSettings b, String param, double value, int images) {
    int bits = (int) value;
    if (param.endsWith("-bits") && bits != value) {
      throw new UserError("--sweep " + param + ": " + value + " is not a whole number of bits");
    }
    int dac = param.equals("dac-bits") ? bits : b.dacBits();
    int adc = param.equals("adc-bits") ? bits : b.adcBits();
    // every point of an ADC sweep calibrates, so that all compare the same images
    int calibrate = (adc < AnalogSettings.NO_QUANTISER || param.equals("adc-bits")) && b.calibrate() == 0
        ? Math.min(AnalogOptions.DEFAULT_CALIBRATION, images - 1) : b.calibrate();
    double wn = param.equals("weight-noise") ? value : b.weightNoise();
    double rn = param.equals("read-noise") ? value : b.readNoise();
    double dt = param.equals("drift-time") ? value : b.driftTime();
    String bad = AnalogSettings.problem(dac, adc, calibrate, wn, rn, dt, b.driftNu(), b.driftNuStd());
    if (bad != null) {
      throw new UserError("--sweep: " + bad);
    }
    return new AnalogSettings(true, b.seed(), dac, adc, calibrate, wn, rn, dt, b.driftNu(), b.driftNuStd());
  }

  /** One line per value: agreement, SNR, accuracy (empty without labels) and the worst core. */
  static String csv(String param, List<Point> points) {
    StringBuilder sb = new StringBuilder("parameter,value,images,top1_agreement,logit_snr_db,accuracy,exact_accuracy,"
        + "worst_core,worst_core_layer,worst_core_snr_db\n");
    for (Point pt : points) {
      RunReport r = pt.report();
      RunReport.AnalogReport a = r.analog();
      RunReport.CoreSnr worst = a.cores().get(0);
      sb.append(String.format(Locale.ROOT, "%s,%s,%d,%.4f,%.3f,%s,%s,%d,%s,%.3f%n", param, num(pt.value()),
          a.comparedImages(), r.top1AgreementVsExact(), r.logitSnrDb(), a.labelledImages() == 0 ? "" : num(a.accuracyVsLabels()),
          a.labelledImages() == 0 ? "" : num(a.exactAccuracyVsLabels()), worst.id(), worst.layer(), worst.snrDb()));
    }
    return sb.toString();
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
  }

  /** Top-1 agreement (left axis) and logit SNR in dB (right axis) against the parameter. */
  static JFreeChart chart(String title, String param, List<Point> points) {
    XYSeries agreement = new XYSeries("top-1 agreement with exact");
    XYSeries snr = new XYSeries("logit SNR (dB)");
    for (Point pt : points) {
      agreement.add(pt.value(), pt.report().top1AgreementVsExact());
      if (Double.isFinite(pt.report().logitSnrDb())) {
        snr.add(pt.value(), pt.report().logitSnrDb());
      }
    }
    NumberAxis x = new NumberAxis(param);
    NumberAxis left = new NumberAxis("top-1 agreement");
    left.setRange(0, 1.05);
    NumberAxis right = new NumberAxis("logit SNR (dB)");
    right.setAutoRangeIncludesZero(true);
    XYLineAndShapeRenderer r0 = new XYLineAndShapeRenderer(true, true);
    r0.setSeriesPaint(0, new Color(0x2471A3));
    r0.setSeriesStroke(0, new BasicStroke(2f));
    XYLineAndShapeRenderer r1 = new XYLineAndShapeRenderer(true, true);
    r1.setSeriesPaint(0, new Color(0xC0392B));
    r1.setSeriesStroke(0, new BasicStroke(2f));
    XYPlot plot = new XYPlot(new XYSeriesCollection(agreement), x, left, r0);
    plot.setRangeAxis(1, right);
    plot.setDataset(1, new XYSeriesCollection(snr));
    plot.mapDatasetToRangeAxis(1, 1);
    plot.setRenderer(1, r1);
    return SweepFiles.styled(plot, title);
  }

  private Images.Source source(Network net) throws IOException {
    return imagesFrom.open(net, seed, images);
  }

}
