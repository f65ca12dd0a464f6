package fivepp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fivepp} command: one subcommand per job. */
@Command(
    name = "fivepp",
    mixinStandardHelpOptions = true,
    version = "fivepp 0.1.0",
    description = "Computational-memory accelerator fabrics: map CNNs onto cores, verify the"
        + " homomorphism into 5 Parallel Prism and compare bandwidth per channel.",
    footer = {"", "Start with: fivepp compare    (every zoo network on every fabric)",
        "           fivepp map --model resnet32 --fabric 5pp",
        "Each command has --help."},
    subcommands = {ModelsCommand.class, MapCommand.class, CompareCommand.class, RunCommand.class,
        BenchCommand.class, ExportCommand.class, ConformanceCommand.class, NodeCommand.class,
        StressCommand.class, RelayCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {

  /** Whether the heap ran out (the one line is printed): the JVM then ends without its shutdown hooks. */
  private static volatile boolean outOfMemory;

  public static void main(String[] args) {
    // room for the one line when an actor runs out of heap (fivepp.runtime.OutOfHeap)
    fivepp.runtime.OutOfHeap.reserve();
    int status = run(args);
    if (outOfMemory) {
      // with a full heap, Pekko's shutdown hooks could take minutes or fail in turn; there is
      // nothing left to write (stdout and the line on stderr are flushed)
      System.out.flush();
      Runtime.getRuntime().halt(status);
    }
    System.exit(status);
  }

  /** Runs the command line and returns the exit status (0 ok, 2 bad input, 1 a fault). */
  public static int run(String... args) {
    return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
  }

  /** Runs the command line writing to {@code out} and {@code err}; returns the exit status. */
  public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((ex, a) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("fivepp: " + ex.getMessage().replaceAll("\\s+", " ").trim()
          + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
      return 2;
    });
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof UserError) {
        cmd.getErr().println("fivepp: " + ex.getMessage());
        return 2;
      }
      throw ex;
    });
    try {
      return cli.execute(args);
    } catch (OutOfMemoryError e) {
      outOfMemory = true;
      // the last resort: RunMemory refuses what it can foresee before anything is built
      err.println("fivepp: out of memory (" + (Runtime.getRuntime().maxMemory() >> 20) + " MiB of heap); give the JVM"
          + " more with FIVEPP_JAVA_OPTS=-Xmx" + Math.max(2, 2 * (Runtime.getRuntime().maxMemory() >> 30)) + "g,"
          + " or ask for less (a smaller input, --window, --images)");
      err.flush();
      return 2;
    }
  }
}
