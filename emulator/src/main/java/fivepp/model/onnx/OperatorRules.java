package fivepp.model.onnx;

import fivepp.onnx.NodeProto;
import java.io.IOException;
import java.util.Map;

/**
 * What the operator rules share: the import under way, the nodes' attributes and the layers
 * under construction. Each subclass holds the rules of one kind of operator and registers them
 * by op_type; to place a new operator, write its rule in the subclass of its kind, register it
 * there, and list it in {@link OnnxImporter#SUPPORTED}.
 */
abstract class OperatorRules {
  /**
   * What one op_type turns into: the node's output as the layer graph sees it, or null when the
   * output is a constant the rule has folded into {@code im.constants}.
   */
  interface Rule {
    Val apply(NodeProto n) throws IOException;
  }

  final OnnxImporter.Build im;
  final OnnxAttributes attrs;
  final Drafts drafts;

  OperatorRules(OnnxImporter.Build im) {
    this.im = im;
    this.attrs = im.attrs;
    this.drafts = im.drafts;
  }

  /** Adds this kind's rules to {@code rules}, keyed by op_type. */
  abstract void register(Map<String, Rule> rules);
}
