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
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.Reference;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import fivepp.runtime.Tensor;
import fivepp.runtime.onnx.OnnxImportSource;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * One image through ONNX Runtime, fivepp's reference and the actor emulator (5PP, 256x256
 * crossbars), for the tests that check an imported model against ONNX Runtime.
 */
public final class OrtOracle {
  private OrtOracle() {}

  /** ONNX Runtime's first output for {@code image} (batch 1) fed to the model's first input. */
  public static float[] onnxRuntime(byte[] model, Tensor image) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {1, image.channels(), image.height(), image.width()};
    try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
         OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(image.data()), shape);
         OrtSession.Result r = s.run(Map.of(s.getInputNames().iterator().next(), in))) {
      FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] out = new float[b.remaining()];
      b.get(out);
      return out;
    }
  }

  /** The emulator's output for {@code image}. */
  public static float[] emulate(Network net, Weights w, Tensor image) throws IOException {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    RunReport r = Emulator.run(g, w, f, Placement.along(LinearOrder.search(g), f),
        new OnnxImportSource(List.of(image), net.name()), RunOptions.DEFAULT, i -> { });
    return r.logits()[0];
  }

  /** A seeded synthetic image of the network's input shape. */
  public static Tensor image(Network net, long seed) throws Exception {
    try (Images.Source src = Images.synthetic(net.input(), seed, 1)) {
      return src.next();
    }
  }

  /**
   * Asserts that the reference and the emulator give ONNX Runtime's output {@code want} within
   * {@code tolerance} of its range; returns that range.
   */
  public static double assertAgrees(float[] want, Network net, Weights w, Tensor image,
      double tolerance) throws IOException {
    double range = range(want);
    assertThat(range).as("output range").isGreaterThan(0.1);
    assertThat(maxAbsDiff(want, Reference.logits(net, w, image))).as("%s: reference", net.name())
        .isLessThanOrEqualTo(tolerance * range);
    assertThat(maxAbsDiff(want, emulate(net, w, image))).as("%s: emulator", net.name())
        .isLessThanOrEqualTo(tolerance * range);
    return range;
  }

  public static double range(float[] v) {
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (float x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    return max - min;
  }

  public static double maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs((double) a[i] - b[i]));
    }
    return d;
  }
}
