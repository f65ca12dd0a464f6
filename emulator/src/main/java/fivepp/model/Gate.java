package fivepp.model;

/**
 * A squeeze-and-excitation gate on a layer's input: the whole input (after concatenation, before
 * the input activation and the pre-pool) is multiplied channel by channel by the output of layer
 * {@code from}, a 1x1xC tensor with C the layer's input channels. The gate needs the whole feature
 * map (its producer reads it through a global average pool), so the gated layer's core holds its
 * input until the gate arrives (docs/analysis.md, "Squeeze-and-excitation").
 */
public record Gate(String from) {
  public Gate {
    if (from == null || from.isEmpty() || from.equals(Network.INPUT)) {
      throw new IllegalArgumentException("a gate comes from a layer, not '" + from + "'");
    }
  }
}
