package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench analog} sweeps one parameter into a CSV and a PNG, and refuses a bad sweep in one line. */
class BenchAnalogTest {
  @TempDir Path dir;

  @Test
  void anAdcSweepWritesOneLinePerValueAndAPlot() throws Exception {
    MainTest.Result r = MainTest.run("bench", "analog", "--model", "resnet20", "--images", "8", "--sweep", "adc-bits=3,8,32",
        "--out", dir.toString());
    assertThat(r.status()).as(r.err()).isZero();
    List<String> csv = Files.readAllLines(dir.resolve("analog-adc-bits.csv"));
    assertThat(csv).hasSize(4);
    assertThat(csv.get(0)).startsWith("parameter,value,images,top1_agreement,logit_snr_db");
    // calibrated on 7 images, compared on 1; 32 bits is no ADC at all: exact
    assertThat(csv.get(1)).startsWith("adc-bits,3,1,");
    assertThat(csv.get(3)).startsWith("adc-bits,32,1,1.0000,Infinity,");
    double snr3 = Double.parseDouble(csv.get(1).split(",")[4]);
    double snr8 = Double.parseDouble(csv.get(2).split(",")[4]);
    assertThat(snr3).isLessThan(snr8);
    byte[] png = Files.readAllBytes(dir.resolve("analog-adc-bits.png"));
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    // the files exist now: not replaced without --force
    MainTest.assertBadInput(MainTest.run("bench", "analog", "--model", "resnet20", "--images", "8", "--sweep", "adc-bits=8",
        "--out", dir.toString()), "exists; give --force");
  }

  @Test
  void aBadSweepIsOneLine() {
    MainTest.assertBadInput(MainTest.run("bench", "analog", "--sweep", "gain=1,2"), "--sweep 'gain=1,2': give PARAM=V1,V2,...");
    MainTest.assertBadInput(MainTest.run("bench", "analog", "--sweep", "weight-noise=0,-1"),
        "--sweep: --weight-noise -1: use a finite value >= 0");
    MainTest.assertBadInput(MainTest.run("bench", "analog", "--sweep", "adc-bits=0"), "--sweep: --adc-bits 0: use 2 to 32 bits");
    MainTest.assertBadInput(MainTest.run("bench", "analog", "--sweep", "dac-bits=4.5"), "4.5 is not a whole number of bits");
  }
}
