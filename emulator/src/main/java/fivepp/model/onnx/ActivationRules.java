package fivepp.model.onnx;

import fivepp.model.Activation;
import fivepp.model.onnx.OnnxTensors.Const;
import fivepp.onnx.NodeProto;
import java.io.IOException;
import java.util.Map;

/**
 * The rules for element-wise operators that keep the shape: Identity, Dropout (inference only),
 * the activations Relu, LeakyRelu and Clip, and a final Softmax.
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
    rules.put("Softmax", this::softmax);
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
      d.act = a;
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

  private Val softmax(NodeProto n) {
    Val v = im.data(n, 0);
    int axis = attrs.attrInt(n, "axis", im.opset >= 13 ? -1 : 1);
    axis = axis < 0 ? axis + v.rank() : axis;
    boolean overFeatures = v.rank() == 2 ? axis == 1 : im.opset < 13 ? axis == 1 : axis == 1 && v.shape().pixels() == 1;
    if (!overFeatures) {
      throw attrs.unsupported(n, "Softmax along axis " + attrs.attrInt(n, "axis", 0) + " of a rank-" + v.rank() + " tensor");
    }
    if (im.uses.getOrDefault(n.getInput(0), 0) != 1 || !im.graph.getOutput(0).getName().equals(n.getOutput(0))) {
      throw attrs.unsupported(n, "Softmax that is not the last operation");
    }
    return new Val(v.parts(), v.base(), v.rank(), v.act(), v.pool(), v.pad(), v.strideH(), v.strideW(),
        v.padTo(), true, v.scale(), v.shift());
  }
}
