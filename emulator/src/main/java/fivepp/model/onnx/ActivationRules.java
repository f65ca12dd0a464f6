package fivepp.model.onnx;

import fivepp.model.Activation;
import fivepp.model.onnx.OnnxTensors.Const;
import fivepp.onnx.NodeProto;
import java.io.IOException;
import java.util.Map;

/**
 * The rules for element-wise operators that keep the shape: Identity, Dropout (inference only),
 * the activations of {@link Activation} (Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid,
 * HardSwish, PRelu with a scalar or per-channel slope, Elu, Selu, Softplus, Softsign), and a
 * final Softmax or LogSoftmax. {@code Mul(x, Sigmoid(x))} (SiLU, Swish) and
 * {@code Mul(x, HardSigmoid(x))} with alpha 1/6 and beta 1/2 (HardSwish as exported before opset
 * 14) become one activation: the Sigmoid's rule takes the Mul's place.
 */
final class ActivationRules extends OperatorRules {
  ActivationRules(OnnxImporter.Build im) {
    super(im);
  }

  @Override
  void register(Map<String, Rule> rules) {
    rules.put("Identity", n -> im.data(n, 0));
    rules.put("Dropout", this::dropout);
    rules.put("Relu", n -> activation(n, Activation.RELU));
    rules.put("LeakyRelu", n -> activation(n, Activation.leakyRelu(attrs.attrFloat(n, "alpha", 0.01f))));
    rules.put("Clip", n -> activation(n, clip(n)));
    rules.put("Sigmoid", n -> gate(n, Activation.SIGMOID));
    rules.put("Tanh", n -> activation(n, Activation.TANH));
    rules.put("HardSigmoid", n -> gate(n, Activation.hardSigmoid(attrs.attrFloat(n, "alpha", 0.2f),
        attrs.attrFloat(n, "beta", 0.5f))));
    rules.put("HardSwish", n -> activation(n, Activation.HARD_SWISH));
    rules.put("PRelu", n -> activation(n, prelu(n)));
    rules.put("Elu", n -> activation(n, Activation.elu(attrs.attrFloat(n, "alpha", 1f))));
    rules.put("Selu", n -> activation(n, Activation.selu(attrs.attrFloat(n, "alpha", Activation.SELU_ALPHA),
        attrs.attrFloat(n, "gamma", Activation.SELU_GAMMA))));
    rules.put("Softplus", n -> activation(n, Activation.SOFTPLUS));
    rules.put("Softsign", n -> activation(n, Activation.SOFTSIGN));
    rules.put("Softmax", n -> softmax(n, false));
    rules.put("LogSoftmax", n -> softmax(n, true));
  }

  /**
   * Sigmoid or HardSigmoid: {@code gate}, unless its only consumer is a Mul by the same input,
   * {@code x * gate(x)}, which becomes SiLU (HardSwish for HardSigmoid(1/6, 1/2)) in its place.
   */
  private Val gate(NodeProto n, Activation gate) {
    Activation fused = gate == Activation.SIGMOID ? Activation.SILU
        : gate.equals(Activation.hardSigmoid(1f / 6, 0.5f)) ? Activation.HARD_SWISH : null;
    NodeProto mul = fused == null ? null : selfProduct(n);
    if (mul == null) {
      return activation(n, gate);
    }
    im.uses.merge(n.getInput(0), -1, Integer::sum); // the Mul's read of x is the activation's
    Val v = activation(n, fused);
    im.values.put(mul.getOutput(0), v);
    im.absorbed.add(mul);
    im.notes.add(attrs.node(n) + " and " + attrs.node(mul) + " are one " + fused + " activation");
    return v;
  }

  /** The Mul that multiplies {@code gate}'s input by its output, when that is its only use. */
  private NodeProto selfProduct(NodeProto gate) {
    String x = gate.getInput(0);
    String y = gate.getOutput(0);
    if (im.uses.getOrDefault(y, 0) != 1) {
      return null;
    }
    for (NodeProto m : im.graph.getNodeList()) {
      if (m.getInputList().contains(y)) {
        boolean self = m.getOpType().equals("Mul") && m.getInputCount() == 2
            && (m.getInput(0).equals(x) && m.getInput(1).equals(y)
                || m.getInput(0).equals(y) && m.getInput(1).equals(x));
        return self ? m : null;
      }
    }
    return null;
  }

  /**
   * PRelu's slope: a scalar (LeakyRelu), or one slope per channel that broadcasts along every
   * other axis ({@code [C, 1, 1]} or {@code [1, C, 1, 1]} of an N,C,H,W tensor; {@code [C]} of
   * an N,C one, and of an N,C,H,W one before opset 7, whose PRelu did not broadcast).
   */
  private Activation prelu(NodeProto n) throws IOException {
    Val v = im.data(n, 0);
    Const s = im.constant(n, 1);
    im.requireFloat(n, s, "slope");
    float[] f = s.floats();
    if (f.length == 1) {
      return Activation.leakyRelu(f[0]);
    }
    int rank = v.rank();
    int c = v.shape().channels();
    if (im.opset < 7 && rank == 4 && s.dims().length == 1 && f.length == c) {
      return Activation.prelu(f); // PRelu-6: a 1-D slope is one per channel, not broadcast
    }
    boolean perChannel = (rank == 4 || rank == 2 && v.shape().pixels() == 1)
        && s.dims().length <= rank && f.length == c;
    for (int i = 0; perChannel && i < s.dims().length; i++) {
      int axis = rank - s.dims().length + i;
      perChannel = s.dims()[i] == (axis == 1 ? c : 1);
    }
    if (!perChannel) {
      throw attrs.unsupported(n, "PRelu with a slope of shape " + java.util.Arrays.toString(s.dims())
          + " on a rank-" + rank + " tensor (a scalar or one slope per channel only)");
    }
    return Activation.prelu(f);
  }

  private Val dropout(NodeProto n) throws IOException {
    if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
      Const t = im.constant(n, 2);
      if (t.ints() == null || t.ints().length != 1 || t.ints()[0] != 0) {
        throw attrs.unsupported(n, "Dropout in training mode");
      }
    }
    return im.data(n, 0);
  }

  private Activation clip(NodeProto n) throws IOException {
    float min = Float.NEGATIVE_INFINITY;
    float max = Float.POSITIVE_INFINITY;
    if (im.opset < 11) {
      min = attrs.attrFloat(n, "min", -Float.MAX_VALUE);
      max = attrs.attrFloat(n, "max", Float.MAX_VALUE);
    } else {
      if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
        min = im.scalar(n, 1);
      }
      if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
        max = im.scalar(n, 2);
      }
    }
    if (min > max) {
      throw attrs.unsupported(n, "Clip with min " + min + " > max " + max);
    }
    return Activation.clip(min, max);
  }

  private Val activation(NodeProto n, Activation a) {
    String in = n.getInput(0);
    Val v = im.data(n, 0);
    Draft d = drafts.attachable(in, v);
    if (d != null && d.act == Activation.NONE && d.postPool == null) {
      d.act = a.perChannel() ? Activation.prelu(d.toLayerOrder(a.slopes())) : a;
      return drafts.outputOf(d, v.rank());
    }
    if (v.act() == Activation.NONE && v.pool() == null && v.pad() == null && !v.marked()) {
      return new Val(v.parts(), v.base(), v.rank(), a, null, null, 1, 1, v.base().channels(), false,
          v.scale(), v.shift());
    }
    Draft h = drafts.host(v, n.getName().isEmpty() ? n.getOpType() : n.getName());
    im.notes.add(attrs.node(n) + " runs in host layer " + h.name);
    h.act = a;
    return drafts.outputOf(h, v.rank());
  }

  /** A final Softmax (or LogSoftmax) over the features, which the host runs. */
  private Val softmax(NodeProto n, boolean log) {
    Val v = im.data(n, 0);
    int axis = attrs.attrInt(n, "axis", im.opset >= 13 ? -1 : 1);
    axis = axis < 0 ? axis + v.rank() : axis;
    boolean overFeatures = v.rank() == 2 ? axis == 1 : im.opset < 13 ? axis == 1 : axis == 1 && v.shape().pixels() == 1;
    if (!overFeatures) {
      throw attrs.unsupported(n, n.getOpType() + " along axis " + attrs.attrInt(n, "axis", 0) + " of a rank-" + v.rank() + " tensor");
    }
    if (im.uses.getOrDefault(n.getInput(0), 0) != 1 || !im.graph.getOutput(0).getName().equals(n.getOutput(0))) {
      throw attrs.unsupported(n, n.getOpType() + " that is not the last operation");
    }
    im.logSoftmax = log;
    return new Val(v.parts(), v.base(), v.rank(), v.act(), v.pool(), v.pad(), v.strideH(), v.strideW(),
        v.padTo(), true, v.scale(), v.shift());
  }
}
