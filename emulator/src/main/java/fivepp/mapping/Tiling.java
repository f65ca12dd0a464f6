package fivepp.mapping;

/**
 * How a network is cut into cores: crossbar size, the widths of what travels (activations and
 * partial sums, in bits) and how concatenations are represented (paper.md B1).
 */
public record Tiling(Crossbar crossbar, int activationBits, int partialSumBits, Concat concat) {

  /** The representation of concatenation (paper.md B1). */
  public enum Concat {
    /** Every consumer of a concatenation receives every producer directly. */
    DIRECT,
    /**
     * Concat forwarding: the producers of a concatenation form a chain; each passes on the
     * channels it received from the previous producers together with its own output, and
     * consumers receive the whole concatenation from the last producer.
     */
    FORWARD
  }

  public static final Tiling DEFAULT = new Tiling(Crossbar.DEFAULT, 8, 16, Concat.FORWARD);

  public Tiling {
    if (activationBits < 1 || activationBits > 64 || partialSumBits < 1 || partialSumBits > 64) {
      throw new IllegalArgumentException("activation and partial-sum widths must be 1..64 bits");
    }
  }

  public Tiling withCrossbar(Crossbar c) {
    return new Tiling(c, activationBits, partialSumBits, concat);
  }

  public Tiling withConcat(Concat c) {
    return new Tiling(crossbar, activationBits, partialSumBits, c);
  }
}
