package fivepp.cli;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.Crossbar;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Zoo;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** What the user names, turned into domain objects; a bad name becomes a {@link UserError}. */
final class Inputs {
  private Inputs() {}

  static Network model(String name) {
    try {
      return Zoo.get(name.trim().toLowerCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  static Fabric fabric(String spec, int cores) {
    try {
      return Fabrics.parse(spec, cores);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    if (out.isEmpty()) {
      throw new UserError("empty list '" + csv + "'");
    }
    return out;
  }

  /** Output formats. */
  enum Format { table, json, csv }

  /** The options that decide how a network is cut into cores. */
  static final class TilingOptions {
    @Option(names = "--crossbar", defaultValue = "256x256", paramLabel = "RxC|layer",
        description = "Crossbar size of one core, or 'layer' for one core per layer (default: ${DEFAULT-VALUE}).")
    String crossbar;

    @Option(names = "--concat", defaultValue = "forward", paramLabel = "forward|direct",
        description = "Concatenation: 'forward' chains the producers, each passing on what it"
            + " received with its output; 'direct' sends every producer to every consumer (default: ${DEFAULT-VALUE}).")
    String concat;

    @Option(names = "--act-bits", defaultValue = "8", paramLabel = "BITS",
        description = "Width of an activation on the wire (default: ${DEFAULT-VALUE}).")
    int actBits;

    @Option(names = "--psum-bits", defaultValue = "16", paramLabel = "BITS",
        description = "Width of a partial sum on the wire (default: ${DEFAULT-VALUE}).")
    int psumBits;

    @Option(names = "--t-mvm", defaultValue = "100", paramLabel = "NS",
        description = "Time of one MVM in nanoseconds, for the pipeline bound (default: ${DEFAULT-VALUE}).")
    double tMvmNs;

    Tiling tiling() {
      Tiling.Concat c = switch (concat.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "forward" -> Tiling.Concat.FORWARD;
        case "direct" -> Tiling.Concat.DIRECT;
        default -> throw new UserError("--concat '" + concat + "': use 'forward' or 'direct'");
      };
      if (!(tMvmNs > 0) || Double.isInfinite(tMvmNs)) {
        throw new UserError("--t-mvm " + tMvmNs + ": give a time in nanoseconds > 0");
      }
      try {
        return new Tiling(Crossbar.parse(crossbar), actBits, psumBits, c);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }

    double tMvmSeconds() {
      return tMvmNs * 1e-9;
    }
  }
}
