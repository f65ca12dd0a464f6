package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap running out inside the run's actors (a core doing its MVMs), in a run that the memory
 * estimate lets through: one line on stderr and exit status 2, not Pekko's fatal-error exit (255,
 * with a stack trace per dispatcher thread).
 */
class OutOfHeapTest {
  @TempDir Path dir;

  @Test
  void theHeapRunningOutInsideAnActorEndsTheRunInOneLineWithExitStatusTwo() throws Exception {
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    // ResNet-20 at 1400x1400 is predicted at just under 384 MiB (RunMemory lets it run), but the
    // rows a core sends on pile up faster than the next one takes them: its heap runs out in
    // CoreEngine, on a dispatcher thread, after a few seconds
    Process p = new ProcessBuilder(fivepp.FivePpJvm.command("384m", dir.resolve("fivepp.log"),
        "run", "--model", "resnet20", "--input", "1400x1400", "--images", "1", "--check", "0"))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    boolean ended = p.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(ended).as("the run ended within 120 s").isTrue();
    // the JVM's own notice of the incubator module aside (deploy/fivepp drops it)
    List<String> said = Files.readAllLines(err, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector")).toList();
    assertThat(said).hasSize(1);
    assertThat(said.get(0)).isEqualTo("fivepp: out of memory (384 MiB of heap); give the JVM more with"
        + " FIVEPP_JAVA_OPTS=-Xmx2g, or ask for less (a smaller input, --window, --images)");
    assertThat(p.exitValue()).isEqualTo(2);
    // no report, not even a part of one
    assertThat(Files.readString(out)).isEmpty();
  }
}
