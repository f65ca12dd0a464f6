package fivepp.mapping;

/**
 * One CM core: the tile of layer {@code layer} at row tile {@code rowTile} (of {@code rowTiles})
 * in column group {@code colGroup}. It holds the crossbar rows that read input channels
 * {@code [inFrom, inTo)} of the layer's (concatenated) input and computes (partial sums of)
 * output channels {@code [outFrom, outTo)}. The last row tile of a column group accumulates the
 * partial sums, runs the digital unit and sends the activations on.
 */
public record Core(
    int id,
    String layer,
    int layerIndex,
    int colGroup,
    int rowTile,
    int rowTiles,
    int rows,
    int cols,
    int inFrom,
    int inTo,
    int outFrom,
    int outTo,
    long mvmsPerImage) {

  /** True for the core that accumulates its column group and emits its activations. */
  public boolean accumulator() {
    return rowTile == rowTiles - 1;
  }
}
