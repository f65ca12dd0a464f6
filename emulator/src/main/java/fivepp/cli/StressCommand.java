package fivepp.cli;

import fivepp.fabric.Fabric;
import fivepp.mapping.Mapping;
import fivepp.stress.CnnTraffic;
import fivepp.stress.Faults;
import fivepp.stress.RouteTable;
import fivepp.stress.Simulator;
import fivepp.stress.SimulatorSettings;
import fivepp.stress.StressResult;
import fivepp.stress.StressSpec;
import fivepp.stress.Sweep;
import fivepp.stress.SweepFiles;
import fivepp.stress.Traffic;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp stress}: synthetic or CNN traffic on a fabric's routers, with load sweeps and faults. */
@Command(name = "stress", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Stress a fabric: traffic through routers with buffers and credits, in cycles.",
        "",
        "Every node is a traffic source and sink. Routers are input-queued with virtual",
        "cut-through switching, credit-based flow control, one flit per channel per cycle",
        "and --router-delay cycles per hop. Phases: warm-up, measurement, drain; then the",
        "network is flushed, so every packet is delivered or reported dropped.",
        "--sweep runs a load sweep and writes CSV, PNG and SVG to --out.",
        "--cluster spreads the routers over cluster members ('fivepp node'). They exchange",
        "what crossed between them every L = min(--router-delay, --credit-delay) cycles",
        "(the lookahead), in one message per pair of members: the same results, bit for",
        "bit, as in one JVM."},
    footer = {"", "Examples:",
        "  fivepp stress --fabric mesh:8x8 --pattern uniform --rate 0.2",
        "  fivepp stress --fabric 5pp,mesh,torus --sweep 0.04:0.64:0.04 --out docs",
        "  fivepp stress --fabric 5pp --pattern cnn:resnet32 --find-link-width",
        "  fivepp stress --fabric 5pp --rate 0.15 --fail-link 30-31 --drop-rate 0.001",
        "  fivepp stress --fabric 5pp --nodes 128 --cluster 127.0.0.1:25521 --members 3",
        "  fivepp stress --fabric 5pp --nodes 128 --router-delay 4 --credit-delay 4 --cluster ..."})
final class StressCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--fabric", defaultValue = "5pp", paramLabel = "F[,F...]",
      description = "Fabric(s), as for map (default: ${DEFAULT-VALUE}); several, comma-separated, run one after another.")
  String fabrics;

  @Option(names = "--nodes", defaultValue = "64", paramLabel = "N",
      description = "Size fabrics without a size in their spec (5pp, mesh, ...) to N nodes, or the fewest above (default: ${DEFAULT-VALUE}); cnn patterns use the network's cores.")
  int nodes;

  @Option(names = "--pattern", defaultValue = "uniform", paramLabel = "P",
      description = "uniform, transpose, bitcomp, bitrev, shuffle, tornado, neighbor, hotspot or cnn:MODEL (default: ${DEFAULT-VALUE}).")
  String pattern;

  @Option(names = "--rate", paramLabel = "R",
      description = "Offered load in flits/node/cycle, 0..1 (default 0.1); for cnn:MODEL the image rate as a fraction of the pipeline bound (default 1).")
  Double rateGiven;

  double rate;

  @Option(names = "--hotspot", paramLabel = "NODES:FRACTION",
      description = "For --pattern hotspot: that fraction of packets goes to one of these nodes, e.g. 0,63:0.2.")
  String hotspot;

  @Option(names = "--injection", defaultValue = "bernoulli", paramLabel = "bernoulli|poisson|periodic",
      description = "Packets per source per cycle (default: ${DEFAULT-VALUE}).")
  String injection;

  @Option(names = "--packet-flits", defaultValue = "20", paramLabel = "F", description = "Flits per packet (default: ${DEFAULT-VALUE}).")
  int packetFlits;

  @Option(names = "--buffer-flits", paramLabel = "F", description = "Flits per virtual-channel buffer (default: two packets).")
  Integer bufferFlits;

  @Option(names = "--vcs", defaultValue = "2", paramLabel = "V",
      description = "Virtual channels per deadlock-avoidance class (default: ${DEFAULT-VALUE}).")
  int vcs;

  @Option(names = "--router-delay", defaultValue = "1", paramLabel = "CYCLES",
      description = "Cycles per hop, router and link (default: ${DEFAULT-VALUE}).")
  int routerDelay;

  @Option(names = "--credit-delay", defaultValue = "1", paramLabel = "CYCLES",
      description = {"Cycles before a freed buffer slot's credit counts at the upstream router, like BookSim2's"
          + " credit_delay (default: ${DEFAULT-VALUE}).",
          "With --cluster, members exchange every min(--router-delay, --credit-delay) cycles."})
  int creditDelay;

  @Option(names = "--cycles", defaultValue = "10000", paramLabel = "N", description = "Measured cycles (default: ${DEFAULT-VALUE}).")
  int cycles;

  @Option(names = "--warmup", defaultValue = "2000", paramLabel = "N", description = "Warm-up cycles (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--drain", defaultValue = "50000", paramLabel = "N",
      description = "At most this many cycles for the measured packets to arrive (default: ${DEFAULT-VALUE}).")
  int drain;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of every random draw (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--fail-link", paramLabel = "A-B", description = "A link that carries nothing (repeatable).")
  List<String> failLinks = new ArrayList<>();

  @Option(names = "--fail-node", paramLabel = "N", description = "A node that neither sends, receives nor forwards (repeatable).")
  List<String> failNodes = new ArrayList<>();

  @Option(names = "--drop-rate", defaultValue = "0", paramLabel = "P",
      description = "Probability that a packet is corrupted and dropped on each link it crosses (default: ${DEFAULT-VALUE}).")
  double dropRate;

  @Option(names = "--link-delay", paramLabel = "A-B:CYCLES", description = "Extra cycles per hop on a link (repeatable).")
  List<String> linkDelays = new ArrayList<>();

  @Option(names = "--link-gbps", defaultValue = "10", paramLabel = "G",
      description = "cnn patterns: bandwidth of a channel; a cycle is one flit on it (default: ${DEFAULT-VALUE}).")
  double linkGbps;

  @Option(names = "--crossbar", defaultValue = "256x256", paramLabel = "RxC|layer",
      description = "cnn patterns: crossbar size of a core (default: ${DEFAULT-VALUE}).")
  String crossbar;

  @Option(names = "--find-link-width", description = "cnn patterns: search the narrowest link that sustains --rate (bisection).")
  boolean findLinkWidth;

  @Option(names = "--sweep", paramLabel = "FROM:TO:STEP", description = "Run a sweep of --rate and write CSV, PNG and SVG.")
  String sweep;

  @Mixin Inputs.SweepOutput output;

  @Mixin Inputs.ReplicationOptions replication;

  @Option(names = "--format", defaultValue = "table", paramLabel = "table|json", description = "Output format (default: ${DEFAULT-VALUE}).")
  Inputs.Format format;

  @Option(names = "--list-drops", defaultValue = "10", paramLabel = "N",
      description = "Dropped packets listed in the table (all in json) (default: ${DEFAULT-VALUE}).")
  int listDrops;

  @picocli.CommandLine.Mixin Inputs.MonitorOptions monitorAt;

  @picocli.CommandLine.Mixin Inputs.MonitorHold monitorHold;

  /** The live monitor when --monitor-port is given. */
  private fivepp.monitor.TrafficMonitor monitor;

  @picocli.CommandLine.Mixin Inputs.ClusterOptions cluster;

  /** The cluster this JVM joined for --cluster, or null. */
  private fivepp.cluster.ClusterStress members;

  /** Where the last run on the cluster ran, for the report. */
  private fivepp.cluster.ClusterStress.Outcome lastOutcome;

  /** One fabric ready to run: the run as members would rebuild it, and as built here. */
  private record Target(String label, StressSpec spec, StressSpec.Built built) {
    Fabric fabric() {
      return built.fabric();
    }

    Faults faults() {
      return built.faults();
    }

    RouteTable routes() {
      return built.routes();
    }

    Mapping mapping() {
      return built.mapping();
    }
  }

  @Override
  public Integer call() throws IOException {
    if (format == Inputs.Format.csv) {
      throw new UserError("stress: --format csv is not offered; use table or json (a sweep writes CSV)");
    }
    String p = pattern.strip().toLowerCase(Locale.ROOT);
    boolean cnn = p.startsWith("cnn:");
    rate = rateGiven != null ? rateGiven : cnn ? 1.0 : 0.1;
    if (!(rate >= 0 && rate <= 1)) {
      throw new UserError("--rate " + rate + ": give " + (cnn ? "a fraction of the pipeline bound" : "flits per node per cycle")
          + " in [0, 1]");
    }
    if (nodes < 1) {
      throw new UserError("--nodes " + nodes + ": give a whole number >= 1");
    }
    if (listDrops < 0) {
      throw new UserError("--list-drops " + listDrops + ": give a whole number >= 0");
    }
    if (cnn && !(linkGbps > 0 && linkGbps < Double.POSITIVE_INFINITY)) {
      throw new UserError("--link-gbps " + linkGbps + ": give a bandwidth > 0");
    }
    if (cnn && hotspot != null) {
      throw new UserError("--hotspot goes with --pattern hotspot");
    }
    replication.check();
    if (replication.on() && !cnn) {
      throw new UserError("--replicate goes with a cnn:MODEL pattern");
    }
    if (findLinkWidth && !cnn) {
      throw new UserError("--find-link-width goes with a cnn:MODEL pattern");
    }
    if (findLinkWidth && sweep != null) {
      throw new UserError("give --find-link-width or --sweep, not both");
    }
    monitorHold.check(monitorAt);
    Traffic.Injection inj = injection(injection);
    SimulatorSettings cfg = config();
    double[] rates = sweep == null ? new double[] {rate} : call(() -> Sweep.rates(sweep));
    List<Target> targets = new ArrayList<>();
    for (String f : Inputs.list(fabrics)) {
      targets.add(target(f, p, inj, cfg));
    }
    List<Path> files = List.of();
    String base = output.base("stress-" + p.replaceAll("[^a-z0-9]+", "-"));
    if (sweep != null) {
      files = output.check(SweepFiles.paths(output.out, base));
    }
    // the cluster options (config file, TLS beyond loopback) are checked before anything starts
    Inputs.ClusterOptions.Joined j = cluster.on() ? cluster.joined() : null;
    if (monitorAt.on()) {
      try {
        monitor = fivepp.monitor.TrafficMonitor.start(monitorAt.host, monitorAt.port);
      } catch (IllegalArgumentException e) {
        throw new UserError("--monitor-host/--monitor-port: " + e.getMessage());
      }
      spec.commandLine().getErr().println("monitor: " + monitor.url() + "  (Prometheus: " + monitor.url() + "metrics)");
      spec.commandLine().getErr().flush();
    }
    if (j != null) {
      try {
        PrintWriter err = spec.commandLine().getErr();
        members = fivepp.cluster.ClusterStress.join(j.settings(), j.members(), j.patience(), j.explicit(), line -> {
          err.println("stress: " + line);
          err.flush();
        });
      } catch (RuntimeException e) {
        throw new UserError("cannot join the cluster at " + cluster.seeds + ": " + e.getMessage());
      }
    }
    try {
      report(p, cnn, inj, cfg, rates, targets, files, base);
      if (monitor != null) {
        monitor.sample();
        monitorHold.hold(monitor.url(), spec.commandLine().getErr());
      }
    } finally {
      if (monitor != null) {
        monitor.close();
      }
      if (members != null) {
        members.close();
      }
    }
    return 0;
  }

  /** Runs what was asked and prints it (and writes a sweep's files). */
  private void report(String p, boolean cnn, Traffic.Injection inj, SimulatorSettings cfg, double[] rates,
      List<Target> targets, List<Path> files, String base) {
    PrintWriter o = spec.commandLine().getOut();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("pattern", p);
    json.put("model", StressReport.model(cfg));
    if (replication.on()) {
      Map<String, Object> r = MapCommand.replicationJson(targets.get(0).mapping().graph().replication(),
          fivepp.stress.StressSpec.T_MVM_SECONDS);
      json.put("replication", r);
      if (format == Inputs.Format.table) {
        o.print(MapCommand.replicationLines(r));
      }
    }
    if (findLinkWidth) {
      List<Object> widths = new ArrayList<>();
      for (Target t : targets) {
        CnnTraffic.Width w = CnnTraffic.minimumLinkGbps(t.mapping(), rate, 0.01,
            g -> run(new Target(t.label(), t.spec().withLinkGbps(g), t.built()), rate));
        widths.add(StressReport.width(t.mapping(), w));
        if (format == Inputs.Format.table) {
          o.print(StressReport.widthTable(t.mapping(), rate, w));
        }
      }
      json.put("linkWidths", widths);
    } else if (sweep == null) {
      List<Object> runs = new ArrayList<>();
      for (Target t : targets) {
        StressResult r = run(t, rate);
        Map<String, Object> j = StressReport.json(r);
        if (lastOutcome != null) {
          j.put("cluster", StressReport.cluster(lastOutcome));
        }
        runs.add(j);
        if (format == Inputs.Format.table) {
          o.print(StressReport.table(r, listDrops));
          if (lastOutcome != null) {
            o.print(StressReport.clusterTable(lastOutcome));
          }
        }
      }
      json.put("runs", runs);
    } else {
      List<Sweep> sweeps = new ArrayList<>();
      for (Target t : targets) {
        sweeps.add(Sweep.run(t.label(), rates, r -> run(t, r)));
      }
      String title = String.format(Locale.ROOT, "%s traffic, %d-flit packets, %s", p, cfg.packetFlits(),
          targets.get(0).faults().none() ? "no faults" : targets.get(0).faults().describe());
      try {
        SweepFiles.write(output.out, base, title, sweeps);
      } catch (IOException e) {
        throw new UserError("cannot write the sweep's files in " + output.out + ": " + e.getMessage());
      }
      json.put("sweeps", sweeps.stream().map(StressReport::json).toList());
      json.put("files", files.stream().map(Path::toString).toList());
      if (format == Inputs.Format.table) {
        o.print(StressReport.sweepTable(sweeps, cfg));
        o.println("wrote " + String.join(", ", files.stream().map(Path::toString).toList()));
      }
    }
    if (format == Inputs.Format.json) {
      o.println(Json.write(json));
    }
    o.flush();
  }

  private Target target(String fabric, String p, Traffic.Injection inj, SimulatorSettings cfg) {
    StressSpec s = new StressSpec(fabric, nodes, p, hotspot, rate, inj, linkGbps, crossbar, failLinks, failNodes,
        dropRate, linkDelays, cfg, replication.on() ? replication.budget : 0);
    StressSpec.Built b = call(s::build);
    return new Target(b.fabric().describe(), s, b);
  }

  private StressResult run(Target t, double r) {
    StressSpec s = t.spec().withRate(r);
    fivepp.stress.TrafficMeter meter = null;
    if (monitor != null) {
      meter = new fivepp.stress.TrafficMeter(t.label() + String.format(Locale.ROOT, ", rate %.3f", r), t.routes(),
          (long) s.config().warmup() + s.config().measure());
      monitor.watch(meter, t.fabric(), t.spec().pattern());
    }
    if (members != null) {
      try {
        lastOutcome = members.run(s, t.built(), meter);
      } catch (fivepp.runtime.Deployment.Failed e) {
        throw new UserError(e.getMessage());
      }
      return lastOutcome.result();
    }
    Simulator sim = new Simulator(t.routes(), call(() -> s.traffic(t.built())), s.config(), t.faults());
    if (meter != null) {
      sim.watch(meter);
    }
    return sim.run();
  }

  private SimulatorSettings config() {
    int buffer = bufferFlits != null ? bufferFlits : 2 * Math.max(1, packetFlits);
    return call(() -> new SimulatorSettings(packetFlits, buffer, vcs, routerDelay, creditDelay, warmup, cycles, drain,
        seed));
  }

  private static Traffic.Injection injection(String s) {
    try {
      return Traffic.Injection.valueOf(s.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UserError("--injection '" + s + "': use bernoulli, poisson or periodic");
    }
  }

  /** Runs a check that reports a user's mistake as IllegalArgumentException, as a UserError. */
  private static <T> T call(java.util.function.Supplier<T> check) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }
}
