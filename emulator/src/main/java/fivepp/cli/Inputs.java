package fivepp.cli;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.Crossbar;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.model.onnx.OnnxImportOptions;
import fivepp.model.onnx.OnnxImporter;
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

  /** The network cut into cores; a cut over the core limit is the user's mistake. */
  static fivepp.mapping.CoreGraph cores(Network net, Tiling tiling) {
    try {
      return fivepp.mapping.CoreGraph.of(net, tiling);
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

  /** A network with its weights: a zoo network (seeded weights) or one read from ONNX. */
  record Loaded(Network network, Weights weights, java.util.List<String> notes) {}

  /** Reads an ONNX file; every problem becomes one line. */
  static Loaded onnx(java.nio.file.Path file, String inputShape, long maxBytes) {
    try {
      OnnxImportOptions o = OnnxImportOptions.DEFAULT.withMaxBytes(maxBytes);
      if (inputShape != null) {
        String[] parts = inputShape.toLowerCase(java.util.Locale.ROOT).split("x", -1);
        int[] dims = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
          dims[i] = Integer.parseInt(parts[i].trim());
        }
        o = o.withInputShape(dims);
      }
      OnnxImporter.Imported m = OnnxImporter.read(file, o);
      return new Loaded(m.network(), m.weights(), m.notes());
    } catch (NumberFormatException e) {
      throw new UserError("--input-shape '" + inputShape + "': give the dimensions as NxCxHxW, e.g. 1x3x32x32");
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  /** The options that choose a network: a zoo name or an ONNX file. */
  static final class NetworkOptions {
    @Option(names = "--model", paramLabel = "M", description = "A zoo network (see 'fivepp models').")
    String model;

    @Option(names = "--onnx", paramLabel = "FILE", description = "An ONNX model file, with its weights.")
    java.nio.file.Path onnx;

    @Option(names = "--input", paramLabel = "HxW", description = "Run a zoo network at another input size (e.g. 64x64).")
    String input;

    @Option(names = "--input-shape", paramLabel = "NxCxHxW",
        description = "The input shape of an ONNX model whose input has symbolic dimensions.")
    String inputShape;

    @Option(names = "--max-model-size", defaultValue = "2147483648", paramLabel = "BYTES",
        description = "Refuse ONNX files (with their external data) larger than this (default: 2 GiB).")
    long maxModelBytes;

    /** The chosen network; {@code fallback} names the zoo network used when neither option is given. */
    Loaded load(String fallback, long seed) {
      if (model != null && onnx != null) {
        throw new UserError("give --model or --onnx, not both");
      }
      if (onnx != null) {
        if (input != null) {
          throw new UserError("--input resizes zoo networks; for an ONNX model use --input-shape");
        }
        return onnx(onnx, inputShape, maxModelBytes);
      }
      String name = model != null ? model : fallback;
      if (name == null) {
        throw new UserError("give a network: --model M (see 'fivepp models') or --onnx FILE");
      }
      if (inputShape != null) {
        throw new UserError("--input-shape is for ONNX models; resize a zoo network with --input HxW");
      }
      Network net = input == null ? model(name) : resized(name, input);
      return new Loaded(net, Weights.he(net, seed), java.util.List.of());
    }
  }

  static Network resized(String name, String hw) {
    Network base = model(name);
    String[] parts = hw.toLowerCase(java.util.Locale.ROOT).split("x", -1);
    try {
      if (parts.length != 2) {
        throw new NumberFormatException();
      }
      return Zoo.get(base.name(), Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
    } catch (NumberFormatException e) {
      throw new UserError("--input '" + hw + "': give HEIGHTxWIDTH, e.g. 64x64");
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
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

  /**
   * {@code --replicate auto --core-budget N}: copy the layers that bound the pipeline, each copy
   * computing a band of every image's rows, within N cores (docs/analysis.md, weight replication).
   */
  static final class ReplicationOptions {
    @Option(names = "--replicate", paramLabel = "auto",
        description = "Copy the cores of the layers that bound the pipeline, each copy computing a band of"
            + " every image's rows, as far as --core-budget allows.")
    String replicate;

    @Option(names = "--core-budget", paramLabel = "N",
        description = "With --replicate auto: the most cores the array may have with its copies.")
    Integer budget;

    /** True when {@code --replicate} is given (checked by {@link #of}). */
    boolean on() {
      return replicate != null;
    }

    /**
     * Checks the options without a core graph: a bad value, or a budget without
     * {@code --replicate} or the reverse, is the user's mistake.
     */
    void check() {
      if (replicate == null) {
        if (budget != null) {
          throw new UserError("--core-budget " + budget + " applies with --replicate auto; give both or neither");
        }
        return;
      }
      if (!replicate.trim().equalsIgnoreCase("auto")) {
        throw new UserError("--replicate '" + replicate + "': the only value is 'auto' (copy the layers that"
            + " bound the pipeline, within --core-budget N cores)");
      }
      if (budget == null) {
        throw new UserError("--replicate auto needs --core-budget N: the most cores the array may have with its copies");
      }
      if (budget < 1) {
        throw new UserError("--core-budget " + budget + ": give a number of cores >= 1");
      }
    }

    /** The copies for {@code base} (a core graph without copies), or none without {@code --replicate}. */
    fivepp.mapping.Replication of(fivepp.mapping.CoreGraph base) {
      check();
      if (replicate == null) {
        return fivepp.mapping.Replication.NONE;
      }
      try {
        return fivepp.mapping.Replication.auto(base, budget);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }

    /** {@code base} with the copies, or {@code base} itself without {@code --replicate}. */
    fivepp.mapping.CoreGraph apply(fivepp.mapping.CoreGraph base) {
      fivepp.mapping.Replication r = of(base);
      if (r == fivepp.mapping.Replication.NONE) {
        return base;
      }
      try {
        return fivepp.mapping.CoreGraph.of(base.network(), base.tiling(), r);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }
  }

  /** {@code --energy FILE}: the energy and area parameters (default: the resource {@code energy.conf}). */
  static final class EnergyOptions {
    @Option(names = "--energy", paramLabel = "FILE",
        description = "A HOCON file of energy and area parameters giving every key (default: the built-in"
            + " energy.conf; see docs/energy.md).")
    java.nio.file.Path file;

    /** The parameters; a missing, malformed or incomplete file is the user's mistake. */
    fivepp.mapping.EnergyModel model() {
      try {
        return file == null ? fivepp.mapping.EnergyModel.defaults() : fivepp.mapping.EnergyModel.read(file);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }
  }

  /** Where the live monitor listens: {@code --monitor-port} (absent: no monitor) and {@code --monitor-host}. */
  static final class MonitorOptions {
    @Option(names = "--monitor-port", paramLabel = "PORT",
        description = "Serve the live monitor (dashboard at /, /metrics for Prometheus, /api/snapshot, /api/stream)"
            + " on this port; 0 picks a free one. Absent: no server.")
    Integer port;

    @Option(names = "--monitor-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
        description = "Address the monitor listens on (default: ${DEFAULT-VALUE}).")
    String host;

    /** Whether a monitor is asked for; a port out of range is the user's mistake. */
    boolean on() {
      if (port != null && (port < 0 || port > 65535)) {
        throw new UserError("--monitor-port " + port + ": give a port from 0 (any free port) to 65535");
      }
      return port != null;
    }
  }

  /** {@code --cluster} and what goes with it: where the members are and how this JVM joins them. */
  static final class ClusterOptions {
    @Option(names = "--cluster", paramLabel = "HOST:PORT[,...]",
        description = "Run on the cluster members reached through these seed nodes (start members with 'fivepp node').")
    String seeds;

    @Option(names = "--members", defaultValue = "1", paramLabel = "N",
        description = "With --cluster: wait for at least N members; all members that are up are used (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--cluster-wait", defaultValue = "30", paramLabel = "SECONDS",
        description = "With --cluster: how long to wait for the members (default: ${DEFAULT-VALUE}).")
    double wait;

    @Option(names = "--members-placement", paramLabel = "HOST:PORT=FROM-TO[+...],...",
        description = "With --cluster: the fabric vertices each member hosts; default: contiguous segments sized to the members' capacities.")
    String placement;

    @Option(names = "--hostname", defaultValue = "127.0.0.1", paramLabel = "H",
        description = "With --cluster: the address members reach this coordinator at (default: ${DEFAULT-VALUE}).")
    String hostname;

    @Option(names = "--port", defaultValue = "0", paramLabel = "P",
        description = "With --cluster: this coordinator's cluster port; 0 = any free port (default).")
    int port;

    @Option(names = "--config", paramLabel = "FILE",
        description = "With --cluster: a HOCON file layered over the member defaults (TLS, tuning), as for 'fivepp node'.")
    java.nio.file.Path config;

    @Option(names = "--insecure-transport",
        description = "With --cluster: allow plain TCP (no TLS) when --hostname is not loopback; prints a warning.")
    boolean insecureTransport;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    /** Whether --cluster is given; the options that need it, without it, are the user's mistake. */
    boolean on() {
      if (seeds == null && (placement != null || config != null)) {
        throw new UserError("--members-placement and --config need --cluster HOST:PORT");
      }
      return seeds != null;
    }

    /** How this JVM joins, checked; a warning about --insecure-transport goes to stderr. Call it once. */
    Joined joined() {
      if (members < 1 || !(wait > 0) || Double.isInfinite(wait)) {
        throw new UserError("--members must be >= 1 and --cluster-wait > 0 seconds");
      }
      try {
        fivepp.cluster.MemberSettings settings = fivepp.cluster.MemberSettings.of(hostname, port, list(seeds))
            .withUserConfig(config);
        // a missing or malformed --config file, or plain TCP beyond loopback, before anything starts
        String warning = fivepp.cluster.TransportSecurity.check(fivepp.cluster.MemberHocon.of(settings),
            insecureTransport);
        if (warning != null) {
          mixee.commandLine().getErr().println("fivepp: " + warning);
          mixee.commandLine().getErr().flush();
        }
        return new Joined(settings,
            placement == null ? java.util.Map.of() : fivepp.cluster.MemberSegments.parse(placement), members,
            java.time.Duration.ofMillis((long) (wait * 1000)));
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }

    /** This JVM's member settings, the user's placement (or empty), members to wait for and how long. */
    record Joined(fivepp.cluster.MemberSettings settings, java.util.Map<String, int[]> explicit, int members,
        java.time.Duration patience) {}
  }

  /** {@code --monitor-hold}: how long the monitor stays up once the work is done. */
  /** Where a sweep writes its files: a folder, a base name, and whether files that exist may be replaced. */
  static final class SweepOutput {
    @Option(names = "--out", defaultValue = ".", paramLabel = "DIR", description = "Where a sweep writes (default: the current directory).")
    java.nio.file.Path out;

    @Option(names = "--name", paramLabel = "NAME", description = "Base name of a sweep's files (default: after what it sweeps).")
    String name;

    @Option(names = "--force", description = "Let a sweep replace files that exist (without it, it refuses).")
    boolean force;

    /** The base name: --name, checked to be a plain file name, or {@code otherwise}. */
    String base(String otherwise) {
      if (name != null && (name.isBlank() || name.startsWith(".") || !name.matches("[A-Za-z0-9._+=@-]+"))) {
        throw new UserError("--name '" + name + "': give a plain file name (letters, digits, . _ + = @ -), not a path;"
            + " choose the folder with --out");
      }
      return name != null ? name : otherwise;
    }

    /** {@code files} (in --out), checked before any work: a folder to write in, nothing replaced without --force. */
    List<java.nio.file.Path> check(List<java.nio.file.Path> files) {
      if (!java.nio.file.Files.isDirectory(out)) {
        throw new UserError("--out " + out + ": not a directory");
      }
      for (java.nio.file.Path file : files) {
        if (java.nio.file.Files.exists(file) && !force) {
          throw new UserError(file + " exists; give --force to replace it, or --name/--out for other files");
        }
      }
      return files;
    }
  }

  /** Where a run's images come from: a file or folder, or seeded synthetic images. */
  static final class ImagesFrom {
    @Option(names = "--images-from", paramLabel = "PATH",
        description = "A CIFAR-10 binary file, or a folder of PNG/JPEG files (resized to the input); default: seeded synthetic images.")
    java.nio.file.Path path;

    /** Up to {@code images} images for {@code net}: from --images-from, or synthetic with {@code seed}. */
    fivepp.runtime.Images.Source open(Network net, long seed, int images) throws java.io.IOException {
      if (path == null) {
        return fivepp.runtime.Images.synthetic(net.input(), seed, images);
      }
      try {
        return fivepp.runtime.Images.open(path, net.input(), images);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }
  }

  static final class MonitorHold {
    @Option(names = "--monitor-hold", defaultValue = "0", paramLabel = "SECONDS",
        description = "Keep the monitor up this long after the run, to inspect the final state (default: ${DEFAULT-VALUE}).")
    int seconds;

    /** A negative hold, or a hold without a monitor, is the user's mistake. */
    void check(MonitorOptions at) {
      if (seconds < 0 || (seconds > 0 && !at.on())) {
        throw new UserError("--monitor-hold must be >= 0 and goes with --monitor-port");
      }
    }

    /** Keeps the monitor at {@code url} up for the hold, saying so on {@code err}; an interrupt ends the wait. */
    void hold(String url, java.io.PrintWriter err) {
      if (url == null || seconds == 0) {
        return;
      }
      err.println("monitor: holding the final state at " + url + " for " + seconds + " s");
      err.flush();
      try {
        Thread.sleep(seconds * 1000L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
