package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.onnx.OnnxImportOptions;
import fivepp.model.onnx.OnnxImporter;
import fivepp.model.onnx.OrtOracle;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Analog MVMs on a trained network and real images: the CIFAR ResNet-20 trained on
 * Fashion-MNIST by deploy/models/train_fashion_resnet20.py, with 210 images of its test set
 * (test resources analog/, see docs/analog.md), on 5PP with 256x256 crossbars. Unlike the seeded
 * weights of {@link AnalogTest}, whose images all get one class by a wide margin, these images
 * have margins of every size, and 8-bit converters with 2% weight noise move some of them.
 */
class TrainedAnalogTest {
  static final long SEED = 1;
  static final int IMAGES = 210;
  static Path model;
  static Path images;
  static Network net;
  static Weights weights;
  static CoreGraph graph;
  static Fabric fabric;
  static Placement placement;
  static int[] labels;
  /** The exact run of the 210 images. */
  static RunReport exact;

  @BeforeAll
  static void setUp() throws Exception {
    model = resource("analog/resnet20-fashion.onnx");
    images = resource("analog/fashion-test-210.bin");
    OnnxImporter.Imported m = OnnxImporter.read(model, OnnxImportOptions.DEFAULT);
    net = m.network();
    weights = m.weights();
    graph = CoreGraph.of(net, Tiling.DEFAULT);
    fabric = Fabrics.parse("5pp", graph.cores().size());
    placement = Placement.along(LinearOrder.search(graph), fabric);
    try (Images.Source src = Images.open(images, net.input(), IMAGES)) {
      labels = AnalogCheck.labels(src);
    }
    exact = run(AnalogSettings.EXACT, IMAGES);
  }

  static Path resource(String name) throws Exception {
    return Path.of(TrainedAnalogTest.class.getClassLoader().getResource(name).toURI());
  }

  static RunReport run(AnalogSettings a, int count) throws java.io.IOException {
    try (Images.Source src = Images.open(images, net.input(), count)) {
      return Emulator.run(graph, weights, fabric, placement, src, RunOptions.DEFAULT.withAnalog(a), i -> { });
    }
  }

  /** The analog run of the first {@code count} images, compared with the exact run and the labels. */
  static RunReport compared(AnalogSettings a, int count) throws java.io.IOException {
    return AnalogCheck.check(run(a, count), Arrays.copyOf(exact.logits(), count), Arrays.copyOf(labels, count), a);
  }

  static AnalogSettings analog(long seed, int dac, int adc, int calibrate, double weightNoise) {
    return new AnalogSettings(true, seed, dac, adc, calibrate, weightNoise, 0, 0, 0.05, 0.02);
  }

  @Test
  void theImportedNetworkIsTheOneOnnxRuntimeRunsAndClassifiesTheTestImages() throws Exception {
    // 20 weight layers on 36 cores, no host layer: the option-A shortcuts were recognised
    assertThat(net.layers()).hasSize(20);
    assertThat(graph.cores()).hasSize(36);
    // every image has a label, and every class is among the 210 images
    assertThat(labels).hasSize(IMAGES);
    assertThat(Arrays.stream(labels).distinct().sorted().toArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    double worst = 0;
    int right = 0;
    try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
         Images.Source src = Images.open(images, net.input(), IMAGES)) {
      for (int i = 0; i < IMAGES; i++) {
        Tensor image = src.next();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(image.data()), new long[] {1, 3, 32, 32});
             OrtSession.Result out = s.run(Map.of("input", in))) {
          float[] ort = ((float[][]) out.get(0).getValue())[0];
          worst = Math.max(worst, OrtOracle.maxAbsDiff(ort, exact.logits()[i]) / OrtOracle.range(ort));
          assertThat(exact.top1()[i]).as("image %d", i).isEqualTo(OutputAssembly.argmax(ort));
        }
        right += exact.top1()[i] == labels[i] ? 1 : 0;
      }
    }
    assertThat(worst).as("largest |emulator - ONNX Runtime| over the logit range").isLessThan(1e-4);
    // measured: 6.2e-7 of the range; 159 of the 210 right (75.7 %; of the first 200, 152, as
    // PyTorch gave them in the training script)
    assertThat(right).isEqualTo(159);
  }

  @Test
  void eightBitConvertersAndTwoPercentWeightNoiseMoveSomeImages() throws Exception {
    AnalogSettings a = analog(SEED, 8, 8, 10, 0.02);
    RunReport r = compared(a, IMAGES);
    assertThat(r.analog().calibrationImages()).isEqualTo(10);
    // the 200 images are compared, after 10 that calibrate the ADCs
    assertThat(r.analog().comparedImages()).isEqualTo(200);
    assertThat(r.analog().labelledImages()).isEqualTo(200);
    // measured: 167 of 200 images keep their class (0.835) at 10.57 dB; accuracy against the
    // labels 138 of 200 (0.690), exact 149 of 200 (0.745). The tolerances are 2 images and 0.5 dB.
    assertThat(r.top1AgreementVsExact()).isGreaterThan(0.5).isLessThan(1.0)
        .isCloseTo(167 / 200.0, within(2 / 200.0 + 1e-9));
    assertThat(r.logitSnrDb()).isCloseTo(10.57, within(0.5));
    assertThat(r.analog().exactAccuracyVsLabels()).isEqualTo(149 / 200.0);
    assertThat(r.analog().accuracyVsLabels()).isCloseTo(138 / 200.0, within(2 / 200.0 + 1e-9))
        .isLessThan(r.analog().exactAccuracyVsLabels());
    // the same seed, the same logits, bit for bit; the calibration images ran exact
    RunReport again = run(a, IMAGES);
    for (int i = 0; i < IMAGES; i++) {
      assertThat(again.logits()[i]).as("image %d", i).containsExactly(r.logits()[i]);
    }
    for (int i = 0; i < 10; i++) {
      assertThat(r.logits()[i]).containsExactly(exact.logits()[i]);
    }
  }

  @Test
  void agreementAndSnrFallAsWeightNoiseRises() throws Exception {
    double[] noise = {0, 0.02, 0.05, 0.1};
    List<Double> agreement = new ArrayList<>();
    List<Double> snr = new ArrayList<>();
    for (double s : noise) {
      RunReport r = compared(analog(SEED, 8, 8, 10, s), 110);
      agreement.add(r.top1AgreementVsExact());
      snr.add(r.logitSnrDb());
    }
    // measured on 100 images (after 10 calibration images): agreement 0.97, 0.81, 0.34, 0.11;
    // SNR 33.5, 10.6, 3.8, -0.3 dB (the 8-bit converters alone move 3 images and leave 33.5 dB)
    for (int i = 1; i < noise.length; i++) {
      assertThat(agreement.get(i)).as("agreement at %s", noise[i]).isLessThanOrEqualTo(agreement.get(i - 1));
      assertThat(snr.get(i)).as("SNR at %s", noise[i]).isLessThan(snr.get(i - 1));
    }
    assertThat(agreement.get(noise.length - 1)).isLessThan(agreement.get(0));
    assertThat(agreement.get(0)).isCloseTo(0.97, within(0.021));
    assertThat(agreement.get(1)).isCloseTo(0.81, within(0.021));
    assertThat(agreement.get(3)).isCloseTo(0.11, within(0.021));
    assertThat(snr.get(0)).isCloseTo(33.5, within(0.5));
    assertThat(snr.get(3)).isCloseTo(-0.25, within(0.5));
  }
}
