package fivepp.model.onnx;

import fivepp.model.Activation;
import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Shape;
import fivepp.onnx.NodeProto;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layers under construction, in creation (topological) order, and how a value becomes
 * part of one: attached to its producer, consumed by a new layer, or run in a host layer.
 */
final class Drafts {
  private final LinkedHashMap<String, Draft> byName = new LinkedHashMap<>();
  private final Set<String> names = new HashSet<>();
  /** How many nodes (and the graph output) read each value. */
  private final Map<String, Integer> uses;
  private final List<String> notes;

  Drafts(Map<String, Integer> uses, List<String> notes) {
    this.uses = uses;
    this.notes = notes;
    names.add(Network.INPUT);
  }

  Draft get(String name) {
    return byName.get(name);
  }

  Collection<Draft> values() {
    return byName.values();
  }

  boolean isEmpty() {
    return byName.isEmpty();
  }

  /** Whether {@code v} is all of {@code d}'s output, in the order the graph sees it. */
  boolean wholeOutputOf(Val v, Draft d) {
    return v.parts().equals(outputOf(d, v.rank()).parts());
  }

  /** The draft whose current whole output {@code v} is, if only one consumer takes it. */
  Draft attachable(String valueName, Val v) {
    if (!v.plain() || uses.getOrDefault(valueName, 0) != 1) {
      return null;
    }
    Draft d = byName.get(v.parts().get(0).from());
    if (d == null || !wholeOutputOf(v, d)) {
      return null;
    }
    // it must be the draft's latest output, and no one else may have consumed it
    for (Draft o : byName.values()) {
      if (o != d && (o.inputs.stream().anyMatch(i -> i.from().equals(d.name))
          || (o.residual != null && o.residual.from().equals(d.name))
          || d.name.equals(o.gate))) {
        return null;
      }
    }
    return d;
  }

  /** {@code d}'s output, in the order the graph sees it ({@link Draft#outOrder}). */
  Val outputOf(Draft d, int rank) {
    Shape s = d.layer().output();
    Val whole = Val.of(List.of(new Input(d.name, 0, s.channels())), s, rank);
    return d.outOrder == null ? whole : ChannelOrder.gather(whole, d.outOrder);
  }

  /** A draft consuming {@code v}: its pending activation, pool and pad become the layer's. */
  Draft newDraft(NodeProto n, Layer.Kind kind, Val v) {
    v = affineOnly(v);
    Draft d = consuming(v);
    d.name = unique(n.getName().isEmpty() ? n.getOpType().toLowerCase() : n.getName());
    d.kind = kind;
    return d;
  }

  /** A draft reading {@code v}: its inputs, and its pending activation, affine and pool. */
  private static Draft consuming(Val v) {
    Draft d = new Draft();
    d.inputs = v.parts();
    d.input = v.base();
    d.inputAct = v.act();
    d.inScale = v.scale();
    d.inShift = v.shift();
    d.prePool = v.pool();
    d.gate = v.gate();
    return d;
  }

  /**
   * A pending affine runs in a consumer's digital unit only together with its input activation
   * (Layer's pre-activation); alone it becomes a host layer whose depthwise weights and bias
   * are the affine itself.
   */
  Val affineOnly(Val v) {
    if (v.scale() == null || v.act() != Activation.NONE) {
      return v;
    }
    Val out = outputOf(affineHost(v, "affine"), v.rank());
    return new Val(out.parts(), out.base(), v.rank(), v.act(), v.pool(), v.pad(), v.strideH(),
        v.strideW(), v.padTo(), v.softmax(), null, null, v.padFront());
  }

  void add(Draft d) {
    byName.put(d.name, d);
  }

  /** A host layer whose depthwise weights and bias are v's pending affine. */
  Draft affineHost(Val v, String label) {
    Val bare = new Val(v.parts(), v.base(), v.rank(), Activation.NONE, null, null, 1, 1,
        v.base().channels(), false, null, null);
    Draft h = host(bare, label);
    notes.add("a per-channel scale and shift with no activation after it runs in host layer " + h.name);
    for (int c = 0; c < h.out; c++) {
      h.w[c] = v.scale()[c];
      h.b[c] = v.shift()[c];
    }
    h.bias = true;
    return h;
  }

  /** A host layer: a 1x1 identity convolution running {@code v}'s pending operations. */
  Draft host(Val v, String label) {
    if (v.scale() != null && v.act() == Activation.NONE && v.pool() == null && v.pad() == null
        && !v.marked()) {
      return affineHost(v, label);
    }
    v = affineOnly(v);
    Draft d = consuming(v);
    d.name = unique("host_" + label);
    d.host = true;
    int c = v.base().channels();
    d.out = v.padTo();
    d.sh = v.strideH();
    d.sw = v.strideW();
    if (v.pad() != null) {
      d.pt = v.pad()[0];
      d.pl = v.pad()[1];
      d.pb = v.pad()[2];
      d.pr = v.pad()[3];
    }
    if (d.out == c) {
      d.groups = c; // depthwise: one weight 1 per channel
      d.w = new float[c];
      Arrays.fill(d.w, 1f);
    } else {
      d.w = new float[d.out * c];
      for (int i = 0; i < c; i++) {
        d.w[(v.padFront() + i) * c + i] = 1f;
      }
    }
    d.b = new float[d.out];
    add(d);
    return d;
  }

  String unique(String base) {
    String s = base.replaceAll("[^A-Za-z0-9_.\\-/]", "_");
    if (s.isEmpty()) {
      s = "layer";
    }
    String u = s;
    for (int i = 2; !names.add(u); i++) {
      u = s + "_" + i;
    }
    return u;
  }
}
