package fivepp.cli;

import fivepp.model.Weights;
import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Energy;
import fivepp.mapping.EnergyModel;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.model.Network;
import fivepp.cluster.ArrayRecipe;
import fivepp.cluster.ClusterRun;
import fivepp.monitor.Monitor;
import fivepp.runtime.AnalogCheck;
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.ReferenceCheck;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp run}: the array of core actors computing a network, measured. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run a network on an array of CM-core actors wired by a fabric.",
        "",
        "Every core is an actor holding its weight tile; cores talk only to fabric",
        "neighbours; images stream through the pipeline. The report gives wall-clock",
        "speed (the emulator's) and virtual speed (the modelled hardware's, from",
        "--t-mvm and the link model), per-core work and per-channel bytes, and the",
        "largest difference from a plain reference inference of the same weights,",
        "and the energy per image of what it counted (--energy FILE, docs/energy.md)."},
    footer = {"", "Without --model or --onnx it runs ResNet-32.",
        "Example: fivepp run --model resnet32 --fabric 5pp --images 200"})
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin Inputs.NetworkOptions network;

  @Option(names = "--fabric", defaultValue = "5pp", paramLabel = "F", description = "The fabric (default: ${DEFAULT-VALUE}).")
  String fabric;

  @Mixin Inputs.TilingOptions options;

  @Option(names = "--images", defaultValue = "100", paramLabel = "N", description = "Images to run (default: ${DEFAULT-VALUE}).")
  int images;

  @Mixin Inputs.ImagesFrom imagesFrom;

  @Option(names = "--granularity", defaultValue = "row", paramLabel = "row|pixel",
      description = "One message per output row or per output pixel (default: ${DEFAULT-VALUE}).")
  String granularity;

  @Option(names = "--link-gbps", defaultValue = "0", paramLabel = "G", description = "Link bandwidth in Gbit/s; 0 = unlimited (default).")
  double linkGbps;

  @Option(names = "--link-latency", defaultValue = "0", paramLabel = "NS", description = "Link latency in ns (default: ${DEFAULT-VALUE}).")
  double linkLatencyNs;

  @Option(names = "--window", defaultValue = "16", paramLabel = "W", description = "Images in flight at most (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the weights and the synthetic images (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--check", defaultValue = "10", paramLabel = "N",
      description = "Compare the first N outputs with the reference inference; 0 = none (default: ${DEFAULT-VALUE}).")
  int check;

  @Option(names = "--format", defaultValue = "table", paramLabel = "table|json", description = "Output format (default: ${DEFAULT-VALUE}).")
  Inputs.Format format;

  @Mixin AnalogOptions analog;

  @Mixin Inputs.EnergyOptions energy;

  @Mixin Inputs.MonitorOptions monitorAt;

  @Mixin Inputs.MonitorHold monitorHold;

  @Mixin Inputs.ClusterOptions cluster;

  @Mixin Inputs.ReplicationOptions replication;

  @Option(names = "--work-profile", paramLabel = "REPORT.json",
      description = "With --cluster: place cores on members by the busy time measured in an earlier run of the same array"
          + " (its report from --format json) instead of the cost model's estimate.")
  Path workProfile;

  @Override
  public Integer call() {
    if (format == Inputs.Format.csv) {
      throw new UserError("run: --format csv is not offered; use table or json");
    }
    if (images < 1) {
      throw new UserError("--images " + images + ": run at least 1 image");
    }
    if (check < 0 || window < 1 || !(linkGbps >= 0) || !(linkLatencyNs >= 0)) {
      throw new UserError("--check must be >= 0, --window >= 1, --link-gbps and --link-latency >= 0");
    }
    replication.check();
    fivepp.runtime.AnalogSettings analogSettings = analog.settings(seed, images);
    EnergyModel energyModel = energy.model();
    monitorHold.check(monitorAt);
    if (workProfile != null && !cluster.on()) {
      throw new UserError("--work-profile places cores on cluster members and needs --cluster HOST:PORT");
    }
    // the cluster options (config file, TLS beyond loopback) are checked before any work
    Inputs.ClusterOptions.Joined joined = cluster.on() ? cluster.joined() : null;
    boolean pixels = switch (granularity.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "row" -> false;
      case "pixel" -> true;
      default -> throw new UserError("--granularity '" + granularity + "': use 'row' or 'pixel'");
    };
    Inputs.Loaded loaded = network.load("resnet32", seed);
    Network net = loaded.network();
    Weights w = loaded.weights();
    CoreGraph g = replication.apply(Inputs.cores(net, options.tiling()));
    Fabric f = Inputs.fabric(fabric, g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    if (analogSettings.on() && imagesFrom.path != null) {
      // a file may hold fewer images than --images: some must still run analog
      try (Images.Source s = source(net)) {
        analog.settings(seed, s.count());
      } catch (IOException e) {
        throw new UserError(e.getMessage());
      }
    }
    boolean onCluster = cluster.on();
    RunMemory.check(net, RunMemory.of(g, f, p, pixels, window, images, check, !onCluster), Runtime.getRuntime().maxMemory());
    RunOptions o = new RunOptions(options.tMvmSeconds(), linkGbps * 1e9, linkLatencyNs * 1e-9, pixels, window,
        analogSettings);
    PrintWriter err = spec.commandLine().getErr();
    Progress bar = new Progress(err, images, System.console() != null);
    RunReport r;
    try (Images.Source src = source(net); Images.Source again = source(net);
        Monitor monitor = monitor(g, f, p, o, err)) {
      fivepp.runtime.LiveStats live = monitor == null ? null : monitor.live();
      r = !onCluster ? Emulator.run(g, w, f, p, src, o, bar::update, live)
          : onCluster(joined, g, w, f, p, src, o, bar, live);
      bar.done();
      if (monitor != null) {
        monitor.sample();
      }
      r = ReferenceCheck.check(r, net, w, again, check);
      if (analogSettings.on()) {
        r = againstExact(r, g, w, f, p, o, net);
      }
      r = r.withEnergy(counted(r, Energy.of(energyModel, g, f)));
      PrintWriter out = spec.commandLine().getOut();
      if (!replication.on()) {
        out.print(format == Inputs.Format.json ? Json.write(r) + "\n" : table(r, o));
      } else {
        Map<String, Object> rep = MapCommand.replicationJson(g.replication(), o.tMvmSeconds());
        out.print(format == Inputs.Format.json ? Json.writeWith(r, "replication", rep) + "\n"
            : table(r, o) + MapCommand.replicationLines(rep));
      }
      out.flush();
      monitorHold.hold(monitor == null ? null : monitor.url(), err);
    } catch (IOException | fivepp.runtime.Deployment.Failed e) {
      throw new UserError(e.getMessage());
    }
    return 0;
  }

  private RunReport onCluster(Inputs.ClusterOptions.Joined j, CoreGraph g, Weights w, Fabric f, Placement p,
      Images.Source src, RunOptions o, Progress bar, fivepp.runtime.LiveStats live) throws IOException {
    String sum = null;
    try {
      if (network.onnx != null) {
        sum = ArrayRecipe.sha256(network.onnx.toAbsolutePath());
      }
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    ArrayRecipe recipe = new ArrayRecipe(network.onnx == null ? (network.model == null ? "resnet32" : g.network().name()) : null,
        network.onnx == null ? network.input : null, network.onnx == null ? null : network.onnx.toAbsolutePath().toString(),
        sum, network.inputShape, network.maxModelBytes, seed, options.crossbar, options.tiling().concat(),
        options.actBits, options.psumBits, fabric, p.vertexOf(), o, replication.on() ? replication.budget : 0);
    return ClusterRun.run(recipe, g, w, f, p, src, o, bar::update, j.settings(), j.members(), j.patience(), j.explicit(), live,
        workProfile == null ? null : profile(g, o));
  }

  /**
   * The cores' busy time from the report at --work-profile, which must be of this array: the same
   * model (name and input), crossbar, fabric and granularity.
   */
  private fivepp.cluster.WorkProfile profile(CoreGraph g, RunOptions o) {
    String at = "--work-profile " + workProfile + ": ";
    com.fasterxml.jackson.databind.JsonNode r;
    try {
      r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(workProfile.toFile());
    } catch (IOException e) {
      throw new UserError(at + "cannot read it as a run's JSON report ("
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("")) + ")");
    }
    if (r == null || !r.path("cores").isArray() || !r.path("wallSeconds").isNumber() || !r.path("images").isInt()) {
      throw new UserError(at + "not a run's report: make one with 'fivepp run ... --format json'");
    }
    String[][] same = {{"model", g.network().name()}, {"fabric", fabric}, {"crossbar", g.tiling().crossbar().toString()},
        {"granularity", o.pixels() ? "pixel" : "row"}};
    for (String[] s : same) {
      if (!r.path(s[0]).asText().equals(s[1])) {
        throw new UserError(at + "it profiles " + s[0] + " '" + r.path(s[0]).asText() + "', this run has '" + s[1]
            + "': profile a run of the same array");
      }
    }
    java.util.List<RunReport.CoreReport> cores = new java.util.ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode c : r.path("cores")) {
      if (!c.path("vertex").isInt() || !c.path("wallBusyFraction").isNumber()) {
        throw new UserError(at + "a core without its vertex or wallBusyFraction");
      }
      cores.add(new RunReport.CoreReport(c.path("id").asInt(), c.path("layer").asText(), c.path("vertex").asInt(), 0,
          0, c.path("wallBusyFraction").asDouble(), 0, 0));
    }
    try {
      return fivepp.cluster.WorkProfile.of(cores, r.path("wallSeconds").asDouble(), r.path("images").asInt());
    } catch (IllegalArgumentException e) {
      throw new UserError(at + e.getMessage());
    }
  }

  /** The live monitor when --monitor-port is given; its URL goes to stderr. */
  private Monitor monitor(CoreGraph g, Fabric f, Placement p, RunOptions o, PrintWriter err) {
    if (!monitorAt.on()) {
      return null;
    }
    try {
      Monitor m = Monitor.start(monitorAt.host, monitorAt.port, "local", g, f, p, o.tMvmSeconds(),
          o.pixels() ? "pixel" : "row");
      err.println("monitor: " + m.url() + "  (Prometheus: " + m.url() + "metrics)");
      err.flush();
      return m;
    } catch (IllegalArgumentException e) {
      throw new UserError("--monitor-host/--monitor-port: " + e.getMessage());
    }
  }

  private Images.Source source(Network net) throws IOException {
    return imagesFrom.open(net, seed, images);
  }

  /**
   * Each cluster member's share of the array as planned, and what it measured: bytes, messages
   * and envelopes per image leaving it for other members, and its heap's peak.
   */
  static Table members(RunReport r) {
    Table t = new Table("member", "cpus", "cores", "vertices", "MACs/image", "work", "weights MiB", "heap MiB",
        "bytes out/image", "msgs out/image", "envelopes/image", "heap peak MiB");
    for (RunReport.MemberShare m : r.memberShares()) {
      RunReport.MemberReport measured = r.members().stream().filter(x -> x.address().equals(m.address()))
          .findFirst().orElse(new RunReport.MemberReport(m.address(), 0, 0, 0, 0, 0, 0));
      t.row(m.address(), m.processors(), m.cores(), m.vertices(), m.macsPerImage(),
          String.format("%.1f%%", 100 * m.workShare()), m.weightBytes() >> 20,
          (m.memoryBytes() >> 20) + (m.maxHeapBytes() > 0 ? " of " + (m.maxHeapBytes() >> 20) : ""),
          String.format("%,.0f", measured.bytesOutPerImage()), String.format("%.1f", measured.messagesOutPerImage()),
          String.format("%.1f", measured.envelopesOutPerImage()), measured.heapPeakBytes() >> 20);
    }
    return t;
  }

  /**
   * {@code r}, a run with analog MVMs, compared with the same images run with exact MVMs in this
   * JVM (the logits are the same as on a cluster's members).
   */
  private RunReport againstExact(RunReport r, CoreGraph g, Weights w, Fabric f, Placement p, RunOptions o, Network net)
      throws IOException {
    RunReport exact;
    int[] labels;
    try (Images.Source src = source(net); Images.Source again = source(net)) {
      exact = Emulator.run(g, w, f, p, src, o.withAnalog(fivepp.runtime.AnalogSettings.EXACT), i -> { });
      labels = AnalogCheck.labels(again);
    }
    return AnalogCheck.check(r, exact.logits(), labels, o.analog());
  }

  /** The analog run against the exact one, and the cores that lose the most. */
  static String analog(RunReport r) {
    RunReport.AnalogReport a = r.analog();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("analog:       %s%n", a.settings()));
    sb.append(String.format("vs exact:     top-1 agreement %.4f, logit SNR %.2f dB over %d images (after %d exact calibration images)%n",
        r.top1AgreementVsExact(), r.logitSnrDb(), a.comparedImages(), a.calibrationImages()));
    if (a.labelledImages() > 0) {
      sb.append(String.format("vs labels:    accuracy %.4f analog, %.4f exact, over %d labelled images%n",
          a.accuracyVsLabels(), a.exactAccuracyVsLabels(), a.labelledImages()));
    }
    Table t = new Table("core", "layer", "SNR dB");
    a.cores().stream().limit(5).forEach(c -> t.row(c.id(), c.layer(), String.format("%.2f", c.snrDb())));
    sb.append("worst cores by their outputs' SNR against exact MVMs (of ").append(a.cores().size()).append("):\n").append(t);
    return sb.toString();
  }

  /** Energy per image of what the run counted: each core's MVMs and each channel's bytes. */
  static Energy.Breakdown counted(RunReport r, Energy e) {
    long[] mvms = new long[r.cores().size()];
    for (RunReport.CoreReport c : r.cores()) {
      mvms[c.id()] = c.mvms();
    }
    List<Energy.ChannelBytes> bytes = r.channels().stream()
        .map(c -> new Energy.ChannelBytes(c.from(), c.to(), c.bytesPerImage() * r.images()))
        .toList();
    return e.perImage(r.images(), mvms, bytes);
  }

  static String table(RunReport r, RunOptions o) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%s on %s, crossbar %s, %s granularity: %d images%n", r.model(), r.fabric(),
        r.crossbar(), r.granularity(), r.images()));
    sb.append(String.format("wall clock:   %,.1f images/s, latency p50 %.2f ms, p99 %.2f ms (%.2f s in all)%n",
        r.wallImagesPerSecond(), r.latencyP50Ms(), r.latencyP99Ms(), r.wallSeconds()));
    sb.append(String.format("virtual time: %,.1f images/s, latency p50 %.1f us (t_mvm %.0f ns, links %s)%n",
        r.virtualImagesPerSecond(), r.virtualLatencyP50Us(), o.tMvmSeconds() * 1e9,
        o.linkBitsPerSecond() == 0 ? "unlimited" : String.format("%.3f Gbit/s, %.0f ns", o.linkBitsPerSecond() / 1e9,
            o.linkLatencySeconds() * 1e9)));
    sb.append(String.format("bound:        %,.1f images/s (%.1f%% reached), set by %s%n",
        r.virtualBoundImagesPerSecond(), 100 * r.virtualImagesPerSecond() / r.virtualBoundImagesPerSecond(),
        r.virtualBoundBy()));
    sb.append(String.format("heap peak:    %,d MiB in this JVM%n", r.heapPeakBytes() >> 20));
    if (!Double.isNaN(r.maxAbsDiffVsReference())) {
      sb.append(String.format("vs reference: max |difference| %.3g over a logit range of %.3g%n",
          r.maxAbsDiffVsReference(), r.logitRange()));
    }
    if (r.analog() != null) {
      sb.append(analog(r));
    }
    if (r.energyPerImage() != null) {
      Energy.Breakdown e = r.energyPerImage();
      sb.append(String.format("energy:       %s uJ per image as counted: cores %s, digital %s, line buffers %s,"
          + " links %s uJ%n", MapCommand.uj(e.total()), MapCommand.uj(e.coreJoules()), MapCommand.uj(e.digitalJoules()),
          MapCommand.uj(e.lineBufferJoules()), MapCommand.uj(e.linkJoules())));
    }
    Table t = new Table("core", "layer", "vertex", "MVMs", "virtual busy", "wall busy", "msgs in", "msgs out");
    r.cores().stream().sorted(Comparator.comparingDouble(RunReport.CoreReport::busyFraction).reversed()).limit(10)
        .forEach(c -> t.row(c.id(), c.layer(), c.vertex(), c.mvms(), String.format("%.1f%%", 100 * c.busyFraction()),
            String.format("%.1f%%", 100 * c.wallBusyFraction()), c.messagesIn(), c.messagesOut()));
    sb.append("busiest cores (of ").append(r.cores().size()).append("):\n").append(t);
    Table ch = new Table("from", "to", "bytes/image");
    r.channels().stream().sorted(Comparator.comparingDouble(RunReport.ChannelReport::bytesPerImage).reversed()).limit(5)
        .forEach(c -> ch.row(c.from(), c.to(), c.bytesPerImage()));
    sb.append("busiest channels (of ").append(r.channels().size()).append("):\n").append(ch);
    if (!r.memberShares().isEmpty()) {
      sb.append("members (work in MAC equivalents per image, as planned; out: measured, to other members):\n")
          .append(members(r));
    }
    return sb.toString();
  }
}
