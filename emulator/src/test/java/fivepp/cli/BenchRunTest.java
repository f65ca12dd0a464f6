package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code fivepp bench run --repeat}: rounds of every leg, each leg's median in the table. */
class BenchRunTest {

  @Test
  void repeatedRoundsGiveEachLegsMedianAndListTheRounds() {
    MainTest.Result r = MainTest.run("bench", "run", "--model", "resnet20", "--images", "8", "--warmup", "4",
        "--granularity", "row", "--reference-images", "0", "--repeat", "3");
    assertThat(r.status()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(1)).startsWith("leg").endsWith("rounds");
    String row = lines.stream().filter(l -> l.startsWith("emulator, row granularity")).findFirst().orElseThrow();
    String[] cells = row.substring("emulator, row granularity".length()).trim().split("\\s+");
    // images/s, vs reference ("-"), messages/image, then the three rounds
    assertThat(cells).hasSize(6);
    assertThat(cells[1]).isEqualTo("-");
    double[] rounds = Arrays.stream(cells, 3, 6).mapToDouble(BenchRunTest::number).toArray();
    assertThat(Arrays.stream(rounds).min().orElseThrow()).isPositive();
    double[] sorted = rounds.clone();
    Arrays.sort(sorted);
    assertThat(number(cells[0])).isEqualTo(sorted[1]);
    // the ONNX Runtime legs (on the test classpath) run in every round too: images/s, "-", "-" and
    // three rounds in the table of legs; the ratio and three ratios per round in the table of ratios
    List<Integer> widths = lines.stream().filter(l -> l.startsWith("ONNX Runtime, 2 threads, batch "))
        .map(l -> l.replaceFirst("^ONNX Runtime, 2 threads, batch \\d+", "").trim().split("\\s+").length).toList();
    assertThat(widths).isNotEmpty();
    assertThat(widths.stream().filter(w -> w == 6).count()).isEqualTo(widths.stream().filter(w -> w == 4).count())
        .isEqualTo(widths.size() / 2);
  }

  @Test
  void aRepeatOutsideOneToNinetyNineIsBadInput() {
    MainTest.assertBadInput(MainTest.run("bench", "run", "--repeat", "0"), "--repeat must be 1 to 99 rounds, not 0");
    MainTest.assertBadInput(MainTest.run("bench", "run", "--repeat", "100"), "--repeat must be 1 to 99 rounds, not 100");
  }

  private static double number(String cell) {
    return Double.parseDouble(cell.replace(",", ""));
  }
}
