package fivepp.model.onnx;

import fivepp.model.Activation;
import fivepp.model.Input;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Channel orders of a value, as lists of {@link Input} parts: the gathers behind a channel
 * shuffle (Reshape, Transpose, Reshape), a channel Split or Slice, and the canonical order a
 * weight layer reads instead, its weight rows permuted to match (no core and no data movement
 * added). A gather {@code from} makes channel {@code i} of the result channel {@code from[i]} of
 * the value.
 */
final class ChannelOrder {
  private ChannelOrder() {}

  /** {@code v}'s channels gathered by {@code from}; its pending per-channel operands with them. */
  static Val gather(Val v, int[] from) {
    List<Input> single = singles(v.parts());
    List<Input> parts = new ArrayList<>();
    for (int f : from) {
      parts.add(single.get(f));
    }
    Activation act = v.act().perChannel() ? Activation.prelu(gather(v.act().slopes(), from)) : v.act();
    return new Val(Input.merged(parts), v.base().withChannels(from.length), v.rank(), act, v.pool(), v.pad(),
        1, 1, from.length, v.softmax(), gather(v.scale(), from), gather(v.shift(), from));
  }

  /** The channel shuffle of {@code groups}: [g, C/g] transposed to [C/g, g], flattened. */
  static int[] shuffle(int channels, int groups) {
    int per = channels / groups;
    int[] from = new int[channels];
    for (int i = 0; i < per; i++) {
      for (int j = 0; j < groups; j++) {
        from[i * groups + j] = j * per + i;
      }
    }
    return from;
  }

  /** Channels {@code lo} to {@code hi} (exclusive). */
  static int[] range(int lo, int hi) {
    int[] from = new int[hi - lo];
    for (int i = 0; i < from.length; i++) {
      from[i] = lo + i;
    }
    return from;
  }

  /**
   * The order a weight layer reads {@code parts} in: each producer's channels together, in the
   * order producers first appear, ascending; or null when that takes no fewer parts.
   */
  static int[] canonical(List<Input> parts) {
    List<Input> single = singles(parts);
    Map<String, Integer> rank = new LinkedHashMap<>();
    for (Input in : single) {
      rank.putIfAbsent(in.from(), rank.size());
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < single.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.<Integer>comparingInt(i -> rank.get(single.get(i).from()))
        .thenComparingInt(i -> single.get(i).firstChannel()));
    int[] from = order.stream().mapToInt(Integer::intValue).toArray();
    List<Input> sorted = new ArrayList<>();
    for (int f : from) {
      sorted.add(single.get(f));
    }
    return Input.merged(sorted).size() < parts.size() ? from : null;
  }

  static float[] gather(float[] a, int[] from) {
    if (a == null) {
      return null;
    }
    float[] r = new float[from.length];
    for (int i = 0; i < from.length; i++) {
      r[i] = a[from[i]];
    }
    return r;
  }

  /**
   * Weights of {@code out} rows of {@code per * k} values, row {@code o} holding {@code k} blocks
   * of {@code per} (an input channel's kernel, or its features), re-read so that block {@code c}
   * of the result is block {@code from[c]} of {@code w}.
   */
  static float[] gatherBlocks(float[] w, int out, int per, int[] from) {
    int k = from.length;
    float[] r = new float[w.length];
    for (int o = 0; o < out; o++) {
      for (int c = 0; c < k; c++) {
        System.arraycopy(w, (o * k + from[c]) * per, r, (o * k + c) * per, per);
      }
    }
    return r;
  }

  static List<Input> singles(List<Input> parts) {
    List<Input> r = new ArrayList<>();
    for (Input in : parts) {
      for (int c = 0; c < in.channels(); c++) {
        r.add(new Input(in.from(), in.firstChannel() + c, 1));
      }
    }
    return r;
  }
}
