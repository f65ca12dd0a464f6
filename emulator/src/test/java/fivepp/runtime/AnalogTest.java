package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Analog MVMs (docs/analog.md) on ResNet-20 with seeded weights and synthetic images, 5PP,
 * 256x256: at ideal values they give the exact logits bit for bit; noise costs what it costs, the
 * same with the same seed; more weight noise loses more. Every image gets one class by a wide
 * margin here, so these tests pin SNR; {@link TrainedAnalogTest} pins agreement on a trained network.
 */
class AnalogTest {
  static final long SEED = 1;
  static Network net;
  static Weights weights;
  static CoreGraph graph;
  static Fabric fabric;
  static Placement placement;
  /** The exact run of 200 images. */
  static RunReport exact;

  @BeforeAll
  static void setUp() throws IOException {
    net = Zoo.get("resnet20");
    weights = Weights.he(net, SEED);
    graph = CoreGraph.of(net, Tiling.DEFAULT);
    fabric = Fabrics.parse("5pp", graph.cores().size());
    placement = Placement.along(LinearOrder.search(graph), fabric);
    exact = run(AnalogSettings.EXACT, 200);
  }

  static RunReport run(AnalogSettings a, int images) throws IOException {
    return Emulator.run(graph, weights, fabric, placement, Images.synthetic(net.input(), SEED, images),
        RunOptions.DEFAULT.withAnalog(a), i -> { });
  }

  /** The analog run of the first {@code images} images, compared with the exact run. */
  static RunReport compared(AnalogSettings a, int images) throws IOException {
    RunReport r = run(a, images);
    float[][] e = java.util.Arrays.copyOf(exact.logits(), images);
    int[] noLabels = new int[images];
    java.util.Arrays.fill(noLabels, -1);
    return AnalogCheck.check(r, e, noLabels, a);
  }

  static AnalogSettings analog(long seed, int dac, int adc, int calibrate, double weightNoise, double readNoise,
      double driftTime, double nu, double nuStd) {
    return new AnalogSettings(true, seed, dac, adc, calibrate, weightNoise, readNoise, driftTime, nu, nuStd);
  }

  @Test
  void everyOptionAtItsIdealValueGivesTheExactLogitsBitForBit() throws IOException {
    RunReport r = compared(analog(SEED, 32, 32, 0, 0, 0, 0, 0.05, 0.02), 20);
    // the analog path ran (it reports every core) and changed no bit of any logit
    assertThat(r.analog().cores()).hasSize(graph.cores().size());
    assertThat(r.analog().cores()).allSatisfy(c -> assertThat(c.snrDb()).isEqualTo(Double.POSITIVE_INFINITY));
    for (int i = 0; i < 20; i++) {
      assertThat(java.util.Arrays.equals(r.logits()[i], exact.logits()[i])).as("image %d", i).isTrue();
    }
    assertThat(r.top1AgreementVsExact()).isEqualTo(1.0);
    assertThat(r.logitSnrDb()).isEqualTo(Double.POSITIVE_INFINITY);
    // and a run without analog options is the exact run itself
    assertThat(r.analog().comparedImages()).isEqualTo(20);
    assertThat(run(AnalogSettings.EXACT, 20).analog()).isNull();
  }

  @Test
  void eightBitConvertersAndTwoPercentWeightNoiseCostAboutSeventeenDecibels() throws IOException {
    AnalogSettings a = analog(SEED, 8, 8, 10, 0.02, 0, 0, 0.05, 0.02);
    RunReport r = compared(a, 200);
    assertThat(r.analog().calibrationImages()).isEqualTo(10);
    assertThat(r.analog().comparedImages()).isEqualTo(190);
    // measured: 17.04 dB; every core loses something, the worst most
    assertThat(r.logitSnrDb()).isBetween(15.5, 18.0);
    List<RunReport.CoreSnr> cores = r.analog().cores();
    assertThat(cores.get(0).snrDb()).isBetween(10.0, 17.0).isLessThanOrEqualTo(cores.get(cores.size() - 1).snrDb());
    // seeded He weights give every one of these images the same class, by a margin of about
    // 0.95 on logits of about 1.3: 17 dB moves no image across it
    assertThat(java.util.Arrays.stream(exact.top1()).distinct().count()).isEqualTo(1);
    assertThat(r.top1AgreementVsExact()).isEqualTo(1.0);
    // the calibration images ran exact
    for (int i = 0; i < 10; i++) {
      assertThat(r.logits()[i]).containsExactly(exact.logits()[i]);
    }
    // the same seed, the same logits, bit for bit
    RunReport again = run(a, 200);
    for (int i = 0; i < 200; i++) {
      assertThat(again.logits()[i]).as("image %d", i).containsExactly(r.logits()[i]);
    }
  }

  @Test
  void readNoisePerMvmMovesSomeImagesAcrossTheMargin() throws IOException {
    // read noise is drawn per image, so images differ: some change class, most do not (the
    // acceptance figure, 8-bit converters and 2% weight noise without read noise, is measured on
    // a trained network and real images in TrainedAnalogTest)
    RunReport r = compared(analog(SEED, 8, 8, 10, 0.02, 0.2, 0, 0.05, 0.02), 200);
    assertThat(r.top1AgreementVsExact()).isGreaterThan(0.5).isLessThan(1.0);
    assertThat(r.logitSnrDb()).isBetween(11.0, 15.0);
    // another seed, other draws
    RunReport other = run(analog(SEED + 1, 8, 8, 10, 0.02, 0.2, 0, 0.05, 0.02), 20);
    assertThat(other.logits()[15]).isNotEqualTo(r.logits()[15]);
  }

  @Test
  void agreementAndSnrFallAsWeightNoiseRises() throws IOException {
    double[] noise = {0, 0.05, 0.1, 0.2};
    List<Double> agreement = new ArrayList<>();
    List<Double> snr = new ArrayList<>();
    for (double s : noise) {
      RunReport r = compared(analog(SEED, 32, 32, 0, s, 0, 0, 0.05, 0.02), 30);
      agreement.add(r.top1AgreementVsExact());
      snr.add(r.logitSnrDb());
    }
    // measured on 100 images: agreement 1, 1, 1, 0 (every image changes class together), SNR inf, 11.4, 8.2, 2.8 dB
    for (int i = 1; i < noise.length; i++) {
      assertThat(agreement.get(i)).as("agreement at %s", noise[i]).isLessThanOrEqualTo(agreement.get(i - 1));
      assertThat(snr.get(i)).as("SNR at %s", noise[i]).isLessThan(snr.get(i - 1));
    }
    assertThat(agreement.get(0)).isEqualTo(1.0);
    assertThat(agreement.get(3)).isLessThan(0.5);
    assertThat(snr.get(1)).isBetween(10.0, 13.0);
  }

  @Test
  void globalCompensationUndoesDriftThatIsTheSameOnEveryDevice() throws IOException {
    // one nu everywhere: every weight shrinks by the same factor, which compensation measures
    RunReport same = compared(analog(SEED, 32, 32, 0, 0, 0, 1e6, 0.05, 0), 10);
    assertThat(same.logitSnrDb()).isGreaterThan(100);
    // nu spread over devices: compensation takes out the mean shrinking only
    RunReport spread = compared(analog(SEED, 32, 32, 0, 0, 0, 1e6, 0.05, 0.02), 10);
    assertThat(spread.logitSnrDb()).isLessThan(40).isGreaterThan(5);
  }

  @Test
  void noiseDrawsAreStandardNormalAndDependOnTheirKeyOnly() {
    double sum = 0;
    double squares = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      double g = Analog.gaussian(5, 3, 17, i, 0);
      sum += g;
      squares += g * g;
    }
    assertThat(sum / n).isCloseTo(0, within(0.01));
    assertThat(squares / n).isCloseTo(1, within(0.01));
    assertThat(Analog.gaussian(5, 3, 17, 4, 9)).isEqualTo(Analog.gaussian(5, 3, 17, 4, 9))
        .isNotEqualTo(Analog.gaussian(6, 3, 17, 4, 9)).isNotEqualTo(Analog.gaussian(5, 3, 18, 4, 9));
  }
}
