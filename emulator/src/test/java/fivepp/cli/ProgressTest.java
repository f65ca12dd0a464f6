package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The progress display: a redrawn bar on a terminal, a plain line per 10% otherwise; both with images done, images/s and ETA. */
class ProgressTest {

  @Test
  void plainLinesWhenNotATerminal() {
    StringWriter s = new StringWriter();
    Progress p = new Progress(new PrintWriter(s), 200, false);
    for (int i = 1; i <= 200; i++) {
      p.update(i);
    }
    p.done();
    String[] lines = s.toString().split("\n");
    assertThat(lines).hasSize(10);
    assertThat(lines[0]).matches("20/200 images, [0-9.]+ images/s, ETA [0-9]+ s");
    assertThat(lines[9]).matches("200/200 images, [0-9.]+ images/s, ETA 0 s");
    assertThat(s.toString()).doesNotContain("\r");
  }

  @Test
  void aBarRedrawnInPlaceOnATerminal() {
    StringWriter s = new StringWriter();
    Progress p = new Progress(new PrintWriter(s), 50, true);
    p.update(25);
    p.update(50);
    p.done();
    assertThat(s.toString()).startsWith("\r[###############               ] 25/50 images  ")
        .contains("\r[##############################] 50/50 images  ").contains(" images/s  ETA ")
        .endsWith("ETA 0 s \n");
  }
}
