package fivepp.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.Reference;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import fivepp.runtime.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ONNX Runtime as the oracle: every zoo network (the ImageNet ones at 64x64), exported with
 * seeded weights and run in ONNX Runtime (CPU), gives the logits of fivepp's reference inference,
 * and those of the actor emulator (5PP, 256x256 crossbars), within
 * 1e-3 of the logit range. The emulator's cores do not run squeeze-and-excitation gates yet, so
 * MobileNetV3-Large and EfficientNet-B0 are compared with the reference only.
 */
class OnnxRuntimeOracleTest {
  private static final double TOLERANCE = 1e-3;
  private static final long SEED = 5;
  private static OrtEnvironment env;

  @BeforeAll
  static void environment() {
    env = OrtEnvironment.getEnvironment();
  }

  @AfterAll
  static void noSessionsLeft() {
    // the environment is a process-wide singleton that ONNX Runtime closes at exit
  }

  static Stream<String> models() {
    return Zoo.names().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void onnxRuntimeComputesWhatFiveppComputes(String name) throws OrtException, IOException {
    Network net = Zoo.input(name).height() == 32 ? Zoo.get(name) : Zoo.get(name, 64, 64);
    boolean big = net.macs() > 200_000_000L;
    int images = big ? 1 : 2;
    Weights w = Weights.he(net, SEED);
    byte[] model = OnnxExporter.export(net, w);
    List<Tensor> inputs = new ArrayList<>();
    try (Images.Source src = Images.synthetic(net.input(), SEED, images)) {
      for (int i = 0; i < images; i++) {
        inputs.add(src.next());
      }
    }
    List<float[]> ort = new ArrayList<>();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(2);
      try (OrtSession session = env.createSession(model, o)) {
        assertThat(session.getInputNames()).containsExactly("input");
        assertThat(session.getOutputNames()).containsExactly("logits");
        for (Tensor image : inputs) {
          ort.add(run(session, net, image));
        }
      }
    }
    float[][] emulated = emulate(net, w, images);
    double worstRef = 0;
    double worstEmu = 0;
    double minRange = Double.MAX_VALUE;
    for (int i = 0; i < images; i++) {
      float[] o = ort.get(i);
      float[] ref = Reference.logits(net, w, inputs.get(i));
      assertThat(o).hasSize(ref.length);
      double range = OrtOracle.range(o);
      minRange = Math.min(minRange, range);
      assertThat(range).as("logit range").isGreaterThan(0.1);
      double dRef = OrtOracle.maxAbsDiff(o, ref);
      assertThat(dRef).as("%s image %d: ONNX Runtime vs reference", name, i)
          .isLessThanOrEqualTo(TOLERANCE * range);
      worstRef = Math.max(worstRef, dRef);
      double dEmu = OrtOracle.maxAbsDiff(o, emulated[i]);
      assertThat(dEmu).as("%s image %d: ONNX Runtime vs emulator", name, i)
          .isLessThanOrEqualTo(TOLERANCE * range);
      worstEmu = Math.max(worstEmu, dEmu);
    }
    System.out.printf(Locale.ROOT, "ORT oracle %-13s %-9s %d image(s): max |ort - reference| %.3g"
            + "%s, logit range %.3g (%s bytes)%n", name, net.input(), images, worstRef,
        String.format(Locale.ROOT, ", max |ort - emulator| %.3g", worstEmu),
        minRange, model.length);
  }

  private static float[] run(OrtSession session, Network net, Tensor image) throws OrtException {
    long[] shape = {1, image.channels(), image.height(), image.width()};
    try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(image.data()), shape);
         OrtSession.Result r = session.run(Map.of("input", in))) {
      float[][] logits = (float[][]) r.get(0).getValue();
      assertThat(logits).hasNumberOfRows(1);
      return logits[0];
    }
  }

  /** The logits of the actor emulator: 256x256 crossbars on 5PP, placed along the linear order. */
  private static float[][] emulate(Network net, Weights w, int images) throws IOException {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    RunReport r = Emulator.run(g, w, f, p, Images.synthetic(net.input(), SEED, images),
        RunOptions.DEFAULT, i -> { });
    assertThat(r.logits()).hasNumberOfRows(images);
    return r.logits();
  }
}
