package fivepp.cli;

import fivepp.model.Weights;
import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.model.Network;
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.Reference;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import fivepp.runtime.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp bench}: speed measurements, side by side in one process. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure the emulator's speed against the reference inference.",
    subcommands = {BenchCommand.Run.class, BenchMonitor.class, BenchAnalog.class})
final class BenchCommand {

  /** {@code fivepp bench run}: emulator (row and pixel granularity) against the reference. */
  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"Images/s of the emulator and of the single-threaded reference inference,",
          "on the same weights and images, in one process, each after a warm-up."})
  static final class Run implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", defaultValue = "resnet32", paramLabel = "M", description = "Network (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--fabric", defaultValue = "5pp", paramLabel = "F", description = "Fabric (default: ${DEFAULT-VALUE}).")
    String fabric;

    @Mixin Inputs.TilingOptions options;

    @Option(names = "--input", paramLabel = "HxW",
        description = "Run the zoo network at another input size (e.g. 224x224 for a CIFAR network, 64x64 for an ImageNet one).")
    String input;

    @Option(names = "--images", defaultValue = "2000", paramLabel = "N",
        description = "Images per emulator leg and per ONNX Runtime leg (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--warmup", defaultValue = "1000", paramLabel = "N",
        description = "Images of the warm-up run before each measured emulator leg, so that the JIT has"
            + " compiled the kernels (default: ${DEFAULT-VALUE}); ONNX Runtime warms up on a quarter of them.")
    int warmup;

    @Option(names = "--granularity", defaultValue = "both", paramLabel = "row|pixel|both",
        description = "Emulator legs: row granularity, pixel granularity or both (default: ${DEFAULT-VALUE}).")
    String granularity;

    @Option(names = "--reference-images", defaultValue = "-1", paramLabel = "N",
        description = "Images of the single-threaded reference inference; 0 leaves it out (default: a quarter of --images, 100 at most).")
    int referenceImages;

    @Override
    public Integer call() throws IOException {
      if (images < 4 || warmup < 0) {
        throw new UserError("bench: --images must be >= 4 and --warmup >= 0");
      }
      boolean[] grains = switch (granularity.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "row" -> new boolean[] {false};
        case "pixel" -> new boolean[] {true};
        case "both" -> new boolean[] {false, true};
        default -> throw new UserError("--granularity '" + granularity + "': use row, pixel or both");
      };
      Network net = input == null ? Inputs.model(model) : Inputs.resized(model, input);
      CoreGraph g = Inputs.cores(net, options.tiling());
      Fabric f = Inputs.fabric(fabric, g.cores().size());
      Placement p = Placement.along(LinearOrder.search(g), f);
      Weights w = Weights.he(net, 1);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("%s (input %s) on %s, crossbar %s, %d cores; %d images per leg, emulator legs after %d warm-up images%n",
          net.name(), net.input(), f.describe(), g.tiling().crossbar(), g.cores().size(), images, warmup);
      out.flush();
      int refImages = referenceImages >= 0 ? referenceImages : Math.max(4, Math.min(images / 4, 100));
      double ref = refImages > 0 ? reference(net, w, refImages) : Double.NaN;
      List<String[]> rows = new ArrayList<>();
      List<Double> emulator = new ArrayList<>();
      for (boolean pixels : grains) {
        RunOptions o = new RunOptions(options.tMvmSeconds(), 0, 0, pixels, RunOptions.DEFAULT.window());
        if (warmup > 0) {
          Emulator.run(g, w, f, p, Images.synthetic(net.input(), 2, warmup), o, i -> { });
        }
        RunReport r = Emulator.run(g, w, f, p, Images.synthetic(net.input(), 1, images), o, i -> { });
        long messages = r.cores().stream().mapToLong(RunReport.CoreReport::messagesIn).sum();
        emulator.add(r.wallImagesPerSecond());
        rows.add(new String[] {"emulator, " + (pixels ? "pixel" : "row") + " granularity",
            Table.format(r.wallImagesPerSecond()), vs(r.wallImagesPerSecond(), ref),
            Table.format(messages / images)});
      }
      if (refImages > 0) {
        rows.add(new String[] {"reference inference, 1 thread", Table.format(ref), "1.00", "-"});
      }
      List<BenchLeg> legs = new ArrayList<>();
      java.util.ServiceLoader.load(BenchLeg.class).forEach(legs::add);
      List<String> legNames = new ArrayList<>();
      List<Double> legRates = new ArrayList<>();
      for (BenchLeg leg : legs) {
        List<Tensor> warm = tensors(net, 2, Math.max(1, warmup / 4));
        List<Tensor> measured = tensors(net, 1, images);
        double rate;
        try {
          rate = leg.imagesPerSecond(net, w, warm, measured);
        } catch (Exception e) {
          throw new IllegalStateException(leg.name() + " failed: " + e.getMessage(), e);
        }
        legNames.add(leg.name());
        legRates.add(rate);
        rows.add(new String[] {leg.name(), Table.format(rate), vs(rate, ref), "-"});
      }
      Table t = new Table("leg", "images/s", "vs reference", "messages/image");
      rows.forEach(r -> t.row((Object[]) r));
      out.print(t);
      if (legs.isEmpty()) {
        out.println("ONNX Runtime is not on this classpath (it is test-scope, kept out of the jar);"
            + " its leg runs with: mvn -q -Pbench -pl emulator -am verify");
      } else {
        Table ratios = new Table("emulator, " + (grains[0] ? "pixel" : "row") + " granularity, against", "ratio");
        for (int i = 0; i < legNames.size(); i++) {
          ratios.row(legNames.get(i), String.format("%.2f", emulator.get(0) / legRates.get(i)));
        }
        out.print(ratios);
      }
      out.flush();
      return 0;
    }

    private static String vs(double rate, double ref) {
      return Double.isNaN(ref) ? "-" : String.format("%.2f", rate / ref);
    }

    private static List<Tensor> tensors(Network net, long seed, int n) throws IOException {
      List<Tensor> out = new ArrayList<>();
      try (Images.Source src = Images.synthetic(net.input(), seed, n)) {
        for (int i = 0; i < n; i++) {
          out.add(src.next());
        }
      }
      return out;
    }

    /** Reference images/s over n images, after a warm-up of n/4. */
    private static double reference(Network net, Weights w, int n) throws IOException {
      try (Images.Source warm = Images.synthetic(net.input(), 2, Math.max(1, n / 4));
           Images.Source src = Images.synthetic(net.input(), 1, n)) {
        for (int i = 0; i < warm.count(); i++) {
          Reference.logits(net, w, warm.next());
        }
        List<Tensor> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          batch.add(src.next());
        }
        long t0 = System.nanoTime();
        for (Tensor img : batch) {
          Reference.logits(net, w, img);
        }
        return n / ((System.nanoTime() - t0) / 1e9);
      }
    }
  }
}
