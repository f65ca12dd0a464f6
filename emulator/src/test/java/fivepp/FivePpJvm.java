package fivepp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A fivepp command in a JVM of its own, on the test class path, as a user starts it. */
public final class FivePpJvm {
  private FivePpJvm() {}

  /**
   * The command line: this JVM's java with the vector module, heap {@code xmx} (e.g. "1g"),
   * library logs to {@code log}, then fivepp's {@code args}.
   */
  public static List<String> command(String xmx, Path log, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "-Xmx" + xmx, "-Dfivepp.log=" + log,
        "-cp", System.getProperty("java.class.path"), "fivepp.cli.Main"));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
