package fivepp.cli;

import fivepp.runtime.onnx.Conformance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp conformance [DIR]}: ONNX's own backend tests through the importer and the emulator. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
    description = {"Run ONNX's own backend tests through the importer and the emulator.",
        "",
        "Walks DIR/node and DIR/pytorch-converted; every test whose operators fivepp",
        "supports runs on 5PP with 256x256 crossbars and is compared with its expected",
        "outputs (relative tolerance 1e-3, absolute 1e-5). Prints a line per test and the",
        "passed / failed / unsupported counts; exit status 1 when a test fails."},
    footer = {"", "DIR defaults to Debian's libonnx-testdata: apt-get install libonnx-testdata"})
final class ConformanceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The test data (default: /usr/share/libonnx-testdata/data).")
  Path dir = Conformance.DEFAULT_DIR;

  @Override
  public Integer call() {
    if (!Files.isDirectory(dir.resolve("node")) && !Files.isDirectory(dir.resolve("pytorch-converted"))) {
      throw new UserError(dir + " has no node/ or pytorch-converted/ folder of ONNX tests;"
          + " install Debian's libonnx-testdata (apt-get install libonnx-testdata) or give the folder");
    }
    PrintWriter out = spec.commandLine().getOut();
    Conformance.Result r;
    try {
      r = Conformance.run(dir, out);
    } catch (IOException e) {
      throw new UserError(e.getMessage());
    }
    out.printf("passed %d, failed %d, unsupported %d (%.1f s)%n", r.passed(), r.failed(), r.unsupported(), r.seconds());
    out.flush();
    return r.failed() == 0 ? 0 : 1;
  }
}
