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

    @Option(names = "--repeat", defaultValue = "1", paramLabel = "K",
        description = "Rounds of every leg, one leg after the other in each round; the table gives each leg's median"
            + " and lists the rounds (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Override
    public Integer call() throws IOException {
      if (images < 4 || warmup < 0) {
        throw new UserError("bench: --images must be >= 4 and --warmup >= 0");
      }
      if (repeat < 1 || repeat > 99) {
        throw new UserError("bench: --repeat must be 1 to 99 rounds, not " + repeat);
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
      List<BenchLeg> legs = new ArrayList<>();
      java.util.ServiceLoader.load(BenchLeg.class).forEach(legs::add);
      List<Tensor> legWarm = legs.isEmpty() ? List.of() : tensors(net, 2, Math.max(1, warmup / 4));
      List<Tensor> legImages = legs.isEmpty() ? List.of() : tensors(net, 1, images);
      // rates[leg][round]: the emulator's legs first, then the further legs; a round runs each once
      double[][] rates = new double[grains.length + legs.size()][repeat];
      long[] messages = new long[grains.length];
      for (int round = 0; round < repeat; round++) {
        for (int k = 0; k < grains.length; k++) {
          RunOptions o = new RunOptions(options.tMvmSeconds(), 0, 0, grains[k], RunOptions.DEFAULT.window());
          if (round == 0 && warmup > 0) {
            Emulator.run(g, w, f, p, Images.synthetic(net.input(), 2, warmup), o, i -> { });
          }
          RunReport r = Emulator.run(g, w, f, p, Images.synthetic(net.input(), 1, images), o, i -> { });
          messages[k] = r.cores().stream().mapToLong(RunReport.CoreReport::messagesIn).sum();
          rates[k][round] = r.wallImagesPerSecond();
        }
        for (int k = 0; k < legs.size(); k++) {
          try {
            rates[grains.length + k][round] = legs.get(k).imagesPerSecond(net, w, legWarm, legImages);
          } catch (Exception e) {
            throw new IllegalStateException(legs.get(k).name() + " failed: " + e.getMessage(), e);
          }
        }
      }
      List<String> header = new ArrayList<>(List.of("leg", "images/s", "vs reference", "messages/image"));
      if (repeat > 1) {
        header.add("rounds");
      }
      Table t = new Table(header.toArray(String[]::new));
      for (int k = 0; k < rates.length; k++) {
        double rate = median(rates[k]);
        List<Object> row = new ArrayList<>(List.of(
            k < grains.length ? "emulator, " + (grains[k] ? "pixel" : "row") + " granularity" : legs.get(k - grains.length).name(),
            Table.format(rate), vs(rate, ref), k < grains.length ? Table.format(messages[k] / images) : "-"));
        if (repeat > 1) {
          row.add(rounds(rates[k], Table::format));
        }
        t.row(row.toArray());
        if (k == grains.length - 1 && refImages > 0) {
          t.row("reference inference, 1 thread", Table.format(ref), "1.00", "-");
        }
      }
      out.print(t);
      if (legs.isEmpty()) {
        out.println("ONNX Runtime is not on this classpath (it is test-scope, kept out of the jar);"
            + " its leg runs with: mvn -q -Pbench -pl emulator -am verify");
      } else {
        List<String> rh = new ArrayList<>(List.of("emulator, " + (grains[0] ? "pixel" : "row") + " granularity, against",
            "ratio"));
        if (repeat > 1) {
          rh.add("ratio per round");
        }
        Table ratios = new Table(rh.toArray(String[]::new));
        for (int k = 0; k < legs.size(); k++) {
          double[] leg = rates[grains.length + k];
          double[] perRound = new double[repeat];
          for (int round = 0; round < repeat; round++) {
            perRound[round] = rates[0][round] / leg[round];
          }
          List<Object> row = new ArrayList<>(List.of(legs.get(k).name(), String.format("%.2f", median(rates[0]) / median(leg))));
          if (repeat > 1) {
            row.add(rounds(perRound, x -> String.format("%.2f", x)));
          }
          ratios.row(row.toArray());
        }
        out.print(ratios);
      }
      out.flush();
      return 0;
    }

    /** The median: of an even count, the mean of the middle two. */
    static double median(double[] values) {
      double[] v = values.clone();
      java.util.Arrays.sort(v);
      int n = v.length;
      return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** The rounds' values, in order, each as {@code format} writes it. */
    private static String rounds(double[] values, java.util.function.DoubleFunction<String> format) {
      return java.util.Arrays.stream(values).mapToObj(format).collect(java.util.stream.Collectors.joining(" "));
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
