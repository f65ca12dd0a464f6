package fivepp.cli;

import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.monitor.Overhead;
import fivepp.runtime.RunOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp bench monitor}: what live monitoring costs in wall-clock throughput. */
@Command(name = "monitor", mixinStandardHelpOptions = true,
    description = {"Images/s and CPU time per image of 'run' without live monitoring, with only the",
        "counters the actors publish, and with the whole monitor watched (a client streams",
        "/api/stream as a dashboard does and scrapes /metrics every 5 s), in one process,",
        "after a monitored warm-up, in rounds whose order rotates."})
final class BenchMonitor implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", defaultValue = "resnet32", paramLabel = "M", description = "Network (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--fabric", defaultValue = "5pp", paramLabel = "F", description = "Fabric (default: ${DEFAULT-VALUE}).")
  String fabric;

  @Mixin Inputs.TilingOptions options;

  @Option(names = "--granularity", defaultValue = "row", paramLabel = "row|pixel", description = "Message granularity (default: ${DEFAULT-VALUE}).")
  String granularity;

  @Option(names = "--images", defaultValue = "2000", paramLabel = "N", description = "Images per leg (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--warmup", defaultValue = "1000", paramLabel = "N", description = "Warm-up images (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--rounds", defaultValue = "3", paramLabel = "R", description = "Legs on each side (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Override
  public Integer call() throws IOException {
    if (images < 1 || warmup < 0 || rounds < 1) {
      throw new UserError("bench monitor: --images and --rounds must be >= 1, --warmup >= 0");
    }
    boolean pixels = switch (granularity.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "row" -> false;
      case "pixel" -> true;
      default -> throw new UserError("--granularity '" + granularity + "': use 'row' or 'pixel'");
    };
    Network net = Inputs.model(model);
    CoreGraph g = Inputs.cores(net, options.tiling());
    Fabric f = Inputs.fabric(fabric, g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    RunOptions o = RunOptions.DEFAULT.withPixels(pixels);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("%s on %s, %s granularity: %d rounds of %d images of each kind, after %d warm-up images%n",
        net.name(), f.describe(), pixels ? "pixel" : "row", rounds, images, warmup);
    out.flush();
    Overhead.Result r = Overhead.measure(g, Weights.he(net, 1), f, p, o, images, warmup, rounds, leg -> {
      out.printf("  %-22s %,10.1f images/s %8.2f ms CPU/image%n", name(leg.kind()), leg.imagesPerSecond(),
          leg.cpuMsPerImage());
      out.flush();
    });
    Table t = new Table("median of " + rounds, "images/s", "throughput lost", "ms CPU/image", "CPU added");
    for (Overhead.Kind k : Overhead.Kind.values()) {
      t.row(name(k), String.format("%,.1f", r.medianRate(k)),
          k == Overhead.Kind.NONE ? "-" : String.format("%.1f%%", 100 * r.rateCost(k)),
          String.format("%.2f", r.medianCpu(k)), k == Overhead.Kind.NONE ? "-" : String.format("%.1f%%", 100 * r.cpuCost(k)));
    }
    out.print(t);
    out.flush();
    return 0;
  }

  private static String name(Overhead.Kind k) {
    return switch (k) {
      case NONE -> "without monitoring";
      case COUNTERS -> "counters only";
      case FULL -> "monitor, watched";
    };
  }
}
