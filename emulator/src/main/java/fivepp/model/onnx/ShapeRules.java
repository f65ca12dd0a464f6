package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxAttributes.longs;
import static fivepp.model.onnx.OnnxTensors.toInt;

import fivepp.model.Activation;
import fivepp.model.Input;
import fivepp.model.Shape;
import fivepp.model.onnx.OnnxTensors.Const;
import fivepp.onnx.NodeProto;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The rules for operators that move data rather than compute: Concat along channels, Flatten,
 * Reshape and Squeeze that only flatten, and Slice and Pad (zeros around H,W, or the option-A
 * shortcut's subsampling and zero channels, appended or on both sides), and Transpose of a
 * constant, folded.
 */
final class ShapeRules extends OperatorRules {
  ShapeRules(OnnxImporter.Build im) {
    super(im);
  }

  @Override
  void register(Map<String, Rule> rules) {
    rules.put("Concat", this::concat);
    rules.put("Flatten", this::flatten);
    rules.put("Reshape", this::reshape);
    rules.put("Squeeze", this::squeeze);
    rules.put("Slice", this::slice);
    rules.put("Pad", this::pad);
    rules.put("Transpose", this::transpose);
  }

  /**
   * Transpose of a constant, such as a Linear's weight that PyTorch exports as Transpose of the
   * initialiser + MatMul: folded, the permuted constant taking the output's name, so the weight
   * layer reading it gets it as its weights.
   */
  private Val transpose(NodeProto n) throws IOException {
    String in = n.getInput(0);
    if (im.values.containsKey(in)) {
      throw attrs.unsupported(n, "Transpose of a computed tensor (only of a constant, folded into the weights)");
    }
    Const c = im.constant(n, 0);
    long[] dims = c.dims();
    int rank = dims.length;
    int[] reversed = new int[rank];
    for (int i = 0; i < rank; i++) {
      reversed[i] = rank - 1 - i;
    }
    int[] perm = attrs.attrInts(n, "perm", reversed);
    if (perm.length != rank || !Arrays.equals(Arrays.stream(perm).sorted().toArray(),
        Arrays.stream(reversed).sorted().toArray())) {
      throw new IllegalArgumentException(attrs.where(n) + "perm " + Arrays.toString(perm)
          + " is not a permutation of the " + rank + " axes of " + c.name());
    }
    long[] outDims = new long[rank];
    long[] inStride = new long[rank];
    long stride = 1;
    for (int i = rank - 1; i >= 0; i--) {
      outDims[i] = dims[perm[i]];
      inStride[i] = stride;
      stride *= dims[i];
    }
    int count = Math.toIntExact(c.count());
    float[] f = c.floats() == null ? null : new float[count];
    long[] l = c.ints() == null ? null : new long[count];
    int[] at = new int[rank]; // the output index, odometer style
    for (int o = 0; o < count; o++) {
      int src = 0;
      for (int k = 0; k < rank; k++) {
        src += (int) (at[k] * inStride[perm[k]]);
      }
      if (f != null) {
        f[o] = c.floats()[src];
      }
      if (l != null) {
        l[o] = c.ints()[src];
      }
      for (int k = rank - 1; k >= 0 && ++at[k] == outDims[k]; k--) {
        at[k] = 0;
      }
    }
    im.constants.put(n.getOutput(0), new Const(n.getOutput(0), outDims, f, l, c.type()));
    return null;
  }

  private Val concat(NodeProto n) {
    List<Val> vs = new ArrayList<>();
    for (int i = 0; i < n.getInputCount(); i++) {
      vs.add(im.data(n, i));
    }
    int rank = vs.get(0).rank();
    int axis = attrs.attrInt(n, "axis", 1);
    axis = axis < 0 ? axis + rank : axis;
    if (axis != 1) {
      throw attrs.unsupported(n, "Concat along axis " + attrs.attrInt(n, "axis", 1) + " (channels only)");
    }
    List<Input> parts = new ArrayList<>();
    Shape first = null;
    int channels = 0;
    for (Val v : vs) {
      if (v.rank() != rank) {
        throw attrs.unsupported(n, "Concat of tensors of different ranks");
      }
      if (!v.plain()) {
        v = drafts.outputOf(drafts.host(v, "concat_in"), rank);
      }
      Shape s = v.shape();
      if (first != null && (s.height() != first.height() || s.width() != first.width())) {
        throw new IllegalArgumentException(attrs.where(n) + "cannot concatenate " + first + " and " + s);
      }
      if (rank == 2 && s.pixels() != 1) {
        throw attrs.unsupported(n, "Concat of flattened feature maps");
      }
      first = first == null ? s : first;
      parts.addAll(v.parts());
      channels += s.channels();
    }
    return Val.of(parts, first.withChannels(channels), rank);
  }

  private Val flatten(NodeProto n) {
    Val v = im.data(n, 0);
    int axis = attrs.attrInt(n, "axis", 1);
    axis = axis < 0 ? axis + v.rank() : axis;
    if (axis != 1) {
      throw attrs.unsupported(n, "Flatten with axis " + attrs.attrInt(n, "axis", 1) + " (only 1, which keeps the batch)");
    }
    return v.withRank(2);
  }

  private Val reshape(NodeProto n) throws IOException {
    Val v = im.data(n, 0);
    Const shape = im.constant(n, 1);
    long[] t = shape.ints();
    if (t == null) {
      throw new IllegalArgumentException(attrs.where(n) + "shape " + shape.name() + " is not int64");
    }
    Shape s = v.shape();
    if (t.length == 2 && (t[0] == 0 || t[0] == -1 || t[0] == 1 || t[0] == im.inputDims.get(0))
        && (t[1] == s.elements() || (t[1] == -1 && t[0] != -1))) {
      return v.withRank(2);
    }
    if (t.length == 4 && (t[0] == 0 || t[0] == -1 || t[0] == im.inputDims.get(0)) && v.rank() == 4
        && (t[1] == 0 || t[1] == s.channels()) && (t[2] == 0 || t[2] == s.height())
        && (t[3] == 0 || t[3] == s.width())) {
      return v;
    }
    throw attrs.unsupported(n, "Reshape of " + s + " to " + Arrays.toString(t) + " (only flattening to N,features)");
  }

  private Val squeeze(NodeProto n) throws IOException {
    Val v = im.data(n, 0);
    int[] axes;
    if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
      long[] a = im.constant(n, 1).ints();
      axes = a == null ? null : Arrays.stream(a).mapToInt(x -> (int) x).toArray();
    } else {
      axes = attrs.attrInts(n, "axes", null);
    }
    Shape s = v.shape();
    if (v.rank() == 4 && s.pixels() == 1 && axes != null) {
      int[] norm = Arrays.stream(axes).map(x -> x < 0 ? x + 4 : x).sorted().toArray();
      if (Arrays.equals(norm, new int[] {2, 3})) {
        return v.withRank(2);
      }
    }
    throw attrs.unsupported(n, "Squeeze of " + s + " along " + Arrays.toString(axes) + " (only 1x1 maps to N,features)");
  }

  /** A Slice's starts, ends, axes and steps (axes and steps null when not given). */
  record SliceArgs(long[] starts, long[] ends, long[] axes, long[] steps) {
    long axis(int i, int rank) {
      long ax = axes == null ? i : axes[i];
      return ax < 0 ? ax + rank : ax;
    }

    long step(int i) {
      return steps == null ? 1 : steps[i];
    }
  }

  static SliceArgs sliceArgs(OnnxImporter.Build im, NodeProto n) throws IOException {
    OnnxAttributes attrs = im.attrs;
    SliceArgs a;
    if (im.opset < 10) {
      a = new SliceArgs(longs(attrs.attrInts(n, "starts", null)), longs(attrs.attrInts(n, "ends", null)),
          longs(attrs.attrInts(n, "axes", null)), null);
    } else {
      a = new SliceArgs(im.ints(n, 1), im.ints(n, 2),
          n.getInputCount() > 3 && !n.getInput(3).isEmpty() ? im.ints(n, 3) : null,
          n.getInputCount() > 4 && !n.getInput(4).isEmpty() ? im.ints(n, 4) : null);
    }
    if (a.starts() == null || a.ends() == null || a.starts().length != a.ends().length) {
      throw new IllegalArgumentException(attrs.where(n) + "Slice without matching starts and ends");
    }
    return a;
  }

  private Val slice(NodeProto n) throws IOException {
    Val v = im.data4(n);
    SliceArgs a = sliceArgs(im, n);
    long[] starts = a.starts();
    long[] ends = a.ends();
    Shape s = v.shape();
    int sh = 1;
    int sw = 1;
    for (int i = 0; i < starts.length; i++) {
      long ax = a.axis(i, 4);
      long step = a.step(i);
      int dim = ax == 2 ? s.height() : ax == 3 ? s.width() : -1;
      if (dim < 0 || starts[i] != 0 || ends[i] < dim || step < 1) {
        throw attrs.unsupported(n, "Slice other than a spatial subsampling x[:, :, ::s, ::s] (axis " + ax
            + ", start " + starts[i] + ", end " + ends[i] + ", step " + step + ")");
      }
      if (ax == 2) {
        sh = toInt(step);
      } else {
        sw = toInt(step);
      }
    }
    if (!v.plain()) {
      v = drafts.outputOf(drafts.host(v, "slice_in"), 4);
    }
    return new Val(v.parts(), v.base(), 4, Activation.NONE, null, null, sh, sw, v.base().channels(), false,
        null, null);
  }

  private Val pad(NodeProto n) throws IOException {
    Val v = im.data4(n);
    String mode = attrs.attrString(n, "mode", "constant");
    long[] p;
    float value = 0;
    if (im.opset < 11) {
      p = longs(attrs.attrInts(n, "pads", null));
      value = attrs.attrFloat(n, "value", 0f);
    } else {
      p = im.ints(n, 1);
      if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
        value = im.scalar(n, 2);
      }
      if (n.getInputCount() > 3 && !n.getInput(3).isEmpty()) {
        throw attrs.unsupported(n, "Pad with axes");
      }
    }
    if (!mode.equals("constant") || value != 0) {
      throw attrs.unsupported(n, "Pad in mode " + mode + " with value " + value + " (zero padding only)");
    }
    if (p == null || p.length != 8 || p[0] != 0 || p[4] != 0) {
      throw attrs.unsupported(n, "Pad " + Arrays.toString(p) + " (zeros around H,W or around channels only)");
    }
    for (long x : p) {
      if (x < 0) {
        throw attrs.unsupported(n, "Pad with negative pads " + Arrays.toString(p));
      }
    }
    boolean spatial = p[2] != 0 || p[3] != 0 || p[6] != 0 || p[7] != 0;
    boolean channels = p[1] != 0 || p[5] != 0;
    if (channels && spatial) {
      throw attrs.unsupported(n, "Pad of channels and space at once " + Arrays.toString(p));
    }
    if (channels) {
      // zero channels around: the option-A shortcut (after an optional Slice), appended as
      // fivepp exports it or on both sides as PyTorch's CIFAR ResNets pad
      if (v.act() != Activation.NONE || v.pool() != null || v.pad() != null || v.padTo() != v.base().channels()
          || v.scale() != null) {
        v = drafts.outputOf(drafts.host(v, "pad_in"), 4);
      }
      Val r = new Val(v.parts(), v.base(), 4, Activation.NONE, null, null, v.strideH(), v.strideW(),
          toInt(v.base().channels() + p[1] + p[5]), false, null, null, (int) p[1]);
      // only an Add (a residual) or a host layer places the leading zeros
      return p[1] != 0 && im.consumers(n.getOutput(0)).contains("Softmax")
          ? drafts.outputOf(drafts.host(r, "pad"), 4) : r;
    }
    if (v.pad() != null || v.marked()) {
      v = drafts.outputOf(drafts.host(v, "pad_in"), 4);
    }
    int[] pad = {toInt(p[2]), toInt(p[3]), toInt(p[6]), toInt(p[7])};
    return new Val(v.parts(), v.base(), 4, v.act(), v.pool(), pad, 1, 1, v.base().channels(), false,
        v.scale(), v.shift());
  }
}
