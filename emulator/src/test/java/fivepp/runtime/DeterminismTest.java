package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.mapping.Crossbar;
import fivepp.model.Zoo;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The same run twice gives bit-identical logits and the same virtual time, however the actors'
 * messages interleave: the kernels fix the order of every sum, and images are computed in order.
 */
class DeterminismTest {

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"resnet32,row", "resnet20,pixel"})
  void theSameRunTwiceGivesBitIdenticalLogits(String model, String granularity) throws IOException {
    RunOptions o = RunOptions.DEFAULT.withPixels(granularity.equals("pixel"));
    int images = granularity.equals("pixel") ? 6 : 24;
    RunReport a = EmulatorTest.run(Zoo.get(model), Crossbar.DEFAULT, "5pp", o, images).report();
    RunReport b = EmulatorTest.run(Zoo.get(model), Crossbar.DEFAULT, "5pp", o, images).report();
    assertThat(a.logits()).hasDimensions(images, 10);
    for (int i = 0; i < images; i++) {
      int[] bitsA = new int[10];
      int[] bitsB = new int[10];
      for (int c = 0; c < 10; c++) {
        bitsA[c] = Float.floatToRawIntBits(a.logits()[i][c]);
        bitsB[c] = Float.floatToRawIntBits(b.logits()[i][c]);
      }
      assertThat(bitsB).as("image %d", i).containsExactly(bitsA);
    }
    assertThat(b.virtualImagesPerSecond()).isEqualTo(a.virtualImagesPerSecond());
    assertThat(b.virtualDone()).hasSize(images).containsExactly(a.virtualDone());
    assertThat(a.maxAbsDiffVsReference()).isLessThanOrEqualTo(1e-4 * a.logitRange());
  }
}
