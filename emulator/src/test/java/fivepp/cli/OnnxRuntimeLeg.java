package fivepp.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.onnx.OnnxExporter;
import fivepp.runtime.Tensor;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * The ONNX Runtime legs of {@code fivepp bench run}: the exported network on 2 threads, one image
 * at a time and in batches of 32 (the batch dimension made symbolic).
 */
public class OnnxRuntimeLeg implements BenchLeg {
  private final int batch;

  public OnnxRuntimeLeg() {
    this(1);
  }

  OnnxRuntimeLeg(int batch) {
    this.batch = batch;
  }

  /** The batch-32 leg. */
  public static final class Batch32 extends OnnxRuntimeLeg {
    public Batch32() {
      super(32);
    }
  }

  @Override
  public String name() {
    return "ONNX Runtime, 2 threads, batch " + batch;
  }

  @Override
  public double imagesPerSecond(Network net, Weights w, List<Tensor> warmup, List<Tensor> images)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(2);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      try (OrtSession s = env.createSession(batched(OnnxExporter.model(net, w)).toByteArray(), o)) {
        run(env, s, warmup);
        long t0 = System.nanoTime();
        int done = run(env, s, images);
        return done / ((System.nanoTime() - t0) / 1e9);
      }
    }
  }

  /** Runs whole batches of {@code images}; returns the images run. */
  private int run(OrtEnvironment env, OrtSession s, List<Tensor> images) throws Exception {
    int done = 0;
    for (int i = 0; i + batch <= images.size(); i += batch) {
      Tensor t = images.get(i);
      int size = t.data().length;
      float[] data = new float[batch * size];
      for (int b = 0; b < batch; b++) {
        System.arraycopy(images.get(i + b).data(), 0, data, b * size, size);
      }
      long[] shape = {batch, t.channels(), t.height(), t.width()};
      try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
           OrtSession.Result r = s.run(Map.of(OnnxExporter.INPUT, in))) {
        r.get(0).getValue();
      }
      done += batch;
    }
    return done;
  }

  /** The model with a symbolic batch dimension on its input and output, intermediate shapes dropped. */
  private static fivepp.onnx.ModelProto batched(fivepp.onnx.ModelProto m) {
    fivepp.onnx.GraphProto.Builder g = m.getGraph().toBuilder().clearValueInfo();
    for (int i = 0; i < g.getInputCount(); i++) {
      g.getInputBuilder(i).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0)
          .clearDimValue().setDimParam("N");
    }
    for (int i = 0; i < g.getOutputCount(); i++) {
      g.getOutputBuilder(i).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0)
          .clearDimValue().setDimParam("N");
    }
    return m.toBuilder().setGraph(g).build();
  }
}
