package fivepp.mapping;

/** A transfer between two cores with its size in bytes per image (paper.md B3). */
public record Flow(int from, int to, long bytesPerImage, Kind kind) {
  public enum Kind {
    /** Activations from a producer's accumulating core to a consumer core. */
    ACTIVATION,
    /** Partial sums from one row tile to the next of the same column group. */
    PARTIAL_SUM,
    /** A residual (shortcut) to the first row tile of each column group of the layer adding it. */
    RESIDUAL,
    /** Concatenated channels a layer passes on along with its own output (concat forwarding). */
    FORWARD,
    /**
     * A squeeze-and-excitation gate (1x1xC) from the gate layer's accumulating cores to every core
     * of the gated layer that reads those input channels.
     */
    GATE
  }
}
