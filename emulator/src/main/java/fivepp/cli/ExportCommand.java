package fivepp.cli;

import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.onnx.OnnxExporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp export}: a zoo network with its seeded weights as an ONNX file. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Write a zoo network with its seeded weights as an ONNX file.",
        "",
        "The file (IR version 8, opset 13) runs in ONNX Runtime, Netron and other",
        "ONNX tools: input 'input' [1, C, H, W] float, output 'logits' [1, classes].",
        "The weights are those 'fivepp run --seed S' uses, batch-norm folded in.",
        "The file is written to a temporary name beside FILE and then moved over it,",
        "so a failed export leaves no partial file."},
    footer = {"", "Example: fivepp export --model resnet32 --seed 1 -o resnet32.onnx",
        "         fivepp export --model resnet50 --input 64x64 -o resnet50-64.onnx"})
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "A zoo network (see 'fivepp models').")
  String model;

  @Option(names = "--input", paramLabel = "HxW",
      description = "Export the network at another input size (e.g. 64x64 for the ImageNet networks).")
  String input;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
      description = "Seed of the weights (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.onnx",
      description = "Where to write the model.")
  Path output;

  @Override
  public Integer call() {
    Network net = network();
    Path dir = output.toAbsolutePath().getParent();
    if (Files.isDirectory(output)) {
      throw new UserError("cannot write " + output + ": it is a folder; give a file name, e.g. "
          + output.resolve(net.name() + ".onnx"));
    }
    if (dir == null || !Files.isDirectory(dir)) {
      throw new UserError("cannot write " + output + ": folder " + dir + " does not exist");
    }
    Weights w = Weights.he(net, seed);
    try {
      OnnxExporter.write(net, w, output);
    } catch (IOException e) {
      throw new UserError("cannot write " + output + ": " + describe(e));
    }
    long bytes;
    try {
      bytes = Files.size(output);
    } catch (IOException e) {
      throw new UserError("wrote " + output + " but cannot read its size: " + describe(e));
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "wrote %s (%d bytes, opset %d)%n", output, bytes, OnnxExporter.OPSET);
    out.flush();
    return 0;
  }

  private Network network() {
    return input == null ? Inputs.model(model) : Inputs.resized(model, input);
  }

  /** An I/O failure in a few words: the JDK's messages are often just the path. */
  private static String describe(IOException e) {
    String kind = switch (e.getClass().getSimpleName()) {
      case "AccessDeniedException" -> "permission denied";
      case "NoSuchFileException" -> "no such file or folder";
      case "FileSystemException" -> e.getMessage();
      default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    };
    return kind;
  }
}
