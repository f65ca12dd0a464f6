package fivepp.model.onnx;

import fivepp.model.Activation;
import fivepp.model.Gate;
import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.Pool;
import fivepp.model.Residual;
import fivepp.model.Shape;
import java.util.List;

/** One weight layer under construction. */
final class Draft {
  String name;
  Layer.Kind kind = Layer.Kind.CONV;
  List<Input> inputs;
  Shape input;
  Activation inputAct = Activation.NONE;
  float[] inScale;
  float[] inShift;
  Pool prePool;
  int out;
  int kh = 1, kw = 1, sh = 1, sw = 1, pt, pl, pb, pr, dh = 1, dw = 1, groups = 1;
  boolean bias;
  Residual residual;
  Activation act = Activation.NONE;
  Pool postPool;
  float[] w;
  float[] b;
  boolean host;
  /** Null, or the layer whose output gates this layer's input (squeeze-and-excitation). */
  String gate;
  /**
   * Null, or the order the graph sees this layer's output in: its channel {@code q} is the
   * layer's channel {@code outOrder[q]} (a grouped convolution that reads a shuffled input in
   * the canonical order, its groups permuted with it).
   */
  int[] outOrder;

  Layer layer() {
    return new Layer(name, kind, inputs, input, inputAct, prePool, out, kh, kw, sh, sw, pt, pl,
        pb, pr, dh, dw, groups, bias, residual, act, postPool, gate == null ? null : new Gate(gate));
  }

  /** A per-channel operand in the graph's order of the output, in the layer's order. */
  float[] toLayerOrder(float[] perChannel) {
    if (outOrder == null) {
      return perChannel;
    }
    float[] r = new float[perChannel.length];
    for (int q = 0; q < r.length; q++) {
      r[outOrder[q]] = perChannel[q];
    }
    return r;
  }

  /** Nothing after the convolution yet: weights, bias and residual may still change. */
  boolean convStage() {
    return residual == null && act == Activation.NONE && postPool == null;
  }
}

