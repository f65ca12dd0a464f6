package fivepp.model.onnx;

import fivepp.model.Shape;
import fivepp.onnx.NodeProto;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The rules that reorder or select channels without moving data: a channel shuffle (Reshape
 * N,C,H,W to N,g,C/g,H,W, Transpose perm [0,2,1,3,4], Reshape back to N,C,H,W), a Split along
 * channels and a Slice of a channel range (ShuffleNetV2's halves). Each gives the value's
 * channels in a new order ({@link ChannelOrder}); the weight layer that reads them takes them in
 * its producers' order, its weight rows permuted to match. Registered after {@link ShapeRules},
 * whose Reshape, Transpose and Slice rules they hand every other case to.
 */
final class ShuffleRules extends OperatorRules {
  /** The values that are an N,g,C/g,H,W view of channels, with their g. */
  private final Map<String, Integer> groupViews = new HashMap<>();

  ShuffleRules(OnnxImporter.Build im) {
    super(im);
  }

  @Override
  void register(Map<String, Rule> rules) {
    rules.put("Split", this::split);
    Rule reshape = rules.get("Reshape");
    Rule transpose = rules.get("Transpose");
    Rule slice = rules.get("Slice");
    rules.put("Reshape", n -> {
      Val v = reshape(n);
      return v != null ? v : reshape.apply(n);
    });
    rules.put("Transpose", n -> {
      Val v = transpose(n);
      return v != null ? v : transpose.apply(n);
    });
    rules.put("Slice", n -> {
      Val v = slice(n);
      return v != null ? v : slice.apply(n);
    });
  }

  /** Reshape to N,g,C/g,H,W or from it back to N,C,H,W; null for any other Reshape. */
  private Val reshape(NodeProto n) throws IOException {
    Val v = im.values.get(n.getInput(0));
    if (v == null || !im.isConst(n.getInput(1))) {
      return null;
    }
    long[] t = im.ints(n, 1);
    Shape s = v.shape();
    boolean batch = t.length > 0 && (t[0] == 0 || t[0] == -1 || t[0] == im.inputDims.get(0));
    if (batch && v.rank() == 4 && t.length == 5 && t[3] == s.height() && t[4] == s.width()) {
      int c = s.channels();
      long g = t[1] == -1 && t[2] > 0 && c % t[2] == 0 ? c / t[2] : t[1];
      long per = t[2] == -1 && g > 0 && c % g == 0 ? c / g : t[2];
      if (g <= 0 || per <= 0 || g * per != c) {
        throw attrs.unsupported(n, "Reshape of " + s + " to " + Arrays.toString(t)
            + " (to N,g,C/g,H,W, the first step of a channel shuffle, g * C/g must be C)");
      }
      groupViews.put(n.getOutput(0), (int) g);
      return im.data(n, 0).withRank(5);
    }
    if (batch && groupViews.containsKey(n.getInput(0)) && t.length == 4
        && (t[1] == -1 || t[1] == s.channels()) && t[2] == s.height() && t[3] == s.width()) {
      return im.data(n, 0).withRank(4);
    }
    return null;
  }

  /** Transpose [0,2,1,3,4] of an N,g,C/g,H,W view: the shuffle; null for other tensors. */
  private Val transpose(NodeProto n) {
    Integer g = groupViews.get(n.getInput(0));
    if (g == null) {
      return null;
    }
    int[] perm = attrs.attrInts(n, "perm", new int[] {4, 3, 2, 1, 0});
    if (!Arrays.equals(perm, new int[] {0, 2, 1, 3, 4})) {
      throw attrs.unsupported(n, "Transpose of the N,g,C/g,H,W view " + n.getInput(0) + " with perm "
          + Arrays.toString(perm) + " (only [0, 2, 1, 3, 4], a channel shuffle)");
    }
    Val v = unmarked(im.data(n, 0));
    int c = v.shape().channels();
    groupViews.put(n.getOutput(0), c / g);
    im.notes.add(attrs.node(n) + " shuffles " + c + " channels in " + g
        + " groups: the layers reading them take them in their producers' order");
    return ChannelOrder.gather(v, ChannelOrder.shuffle(c, g));
  }

  /** Split along the channels: every output is its range of the channels. */
  private Val split(NodeProto n) throws IOException {
    Val v = channelsOf(n);
    int c = v.shape().channels();
    int outs = n.getOutputCount();
    long[] sizes = null;
    if (im.opset >= 13 && n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
      sizes = im.ints(n, 1);
    } else if (im.opset < 13) {
      int[] a = attrs.attrInts(n, "split", null);
      sizes = a == null ? null : OnnxAttributes.longs(a);
    }
    if (sizes == null) {
      int parts = attrs.attrInt(n, "num_outputs", outs);
      sizes = new long[outs];
      for (int i = 0; i < outs; i++) {
        // equal parts; with num_outputs the last may be smaller (opset 18)
        long each = (c + parts - 1) / parts;
        sizes[i] = Math.min(each, Math.max(0, c - i * each));
      }
    }
    if (sizes.length != outs || Arrays.stream(sizes).sum() != c || Arrays.stream(sizes).anyMatch(x -> x < 0)) {
      throw new IllegalArgumentException(attrs.where(n) + "Split of " + c + " channels into "
          + Arrays.toString(sizes) + " for " + outs + " outputs");
    }
    Val first = null;
    int lo = 0;
    for (int i = 0; i < outs; i++) {
      int hi = lo + (int) sizes[i];
      Val part = ChannelOrder.gather(v, ChannelOrder.range(lo, hi));
      if (i == 0) {
        first = part;
      } else if (!n.getOutput(i).isEmpty()) {
        im.values.put(n.getOutput(i), part);
      }
      lo = hi;
    }
    return first;
  }

  /** A Slice of a range of channels (other axes whole); null for one that touches no channel. */
  private Val slice(NodeProto n) throws IOException {
    ShapeRules.SliceArgs a = ShapeRules.sliceArgs(im, n);
    Val in = im.values.get(n.getInput(0));
    int rank = in == null ? 4 : in.rank();
    int channel = -1;
    for (int i = 0; i < a.starts().length; i++) {
      if (a.axis(i, rank) == 1) {
        channel = i;
      }
    }
    if (channel < 0) {
      return null;
    }
    Val v = channelsOf(n);
    Shape s = v.shape();
    int[] dims = {-1, s.channels(), s.height(), s.width()};
    for (int i = 0; i < a.starts().length; i++) {
      long ax = a.axis(i, rank);
      if (i != channel && (ax < 2 || ax >= rank || a.starts()[i] != 0 || a.ends()[i] < dims[(int) ax]
          || a.step(i) != 1)) {
        throw attrs.unsupported(n, "Slice of channels and of axis " + ax + " at once (a channel range"
            + " x[:, a:b] keeps the other axes whole)");
      }
    }
    int c = s.channels();
    long lo = clamp(a.starts()[channel], c);
    long hi = clamp(a.ends()[channel], c);
    if (a.step(channel) != 1 || lo >= hi) {
      throw attrs.unsupported(n, "Slice of channels " + a.starts()[channel] + ":" + a.ends()[channel]
          + " step " + a.step(channel) + " of " + c + " (only a non-empty range with step 1)");
    }
    return ChannelOrder.gather(v, ChannelOrder.range((int) lo, (int) hi));
  }

  private static long clamp(long i, int c) {
    long r = i < 0 ? i + c : i;
    return Math.max(0, Math.min(c, r));
  }

  /** The node's tensor, whose channels (axis 1 of N,C,H,W or of 1x1 features) it splits. */
  private Val channelsOf(NodeProto n) {
    Val v = im.data(n, 0);
    int axis = attrs.attrInt(n, "axis", 0);
    if (n.getOpType().equals("Split") && (axis < 0 ? axis + v.rank() : axis) != 1) {
      throw attrs.unsupported(n, "Split along axis " + axis + " of a rank-" + v.rank()
          + " tensor (channels, axis 1, only)");
    }
    if (v.rank() != 4 && !(v.rank() == 2 && v.shape().pixels() == 1)) {
      throw attrs.unsupported(n, n.getOpType() + " of the channels of a rank-" + v.rank()
          + " tensor (N,C,H,W or N,features only)");
    }
    return unmarked(v);
  }

  /** {@code v}, its option-A markers run in a host layer first if it has any. */
  private Val unmarked(Val v) {
    return v.marked() ? drafts.outputOf(drafts.host(v, "shuffle_in"), v.rank()) : v;
  }
}
