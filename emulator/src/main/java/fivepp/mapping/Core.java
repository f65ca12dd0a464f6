package fivepp.mapping;

/**
 * One CM core: the tile of layer {@code layer} at row tile {@code rowTile} (of {@code rowTiles})
 * in column group {@code colGroup}. It holds the crossbar rows that read input channels
 * {@code [inFrom, inTo)} of the layer's (concatenated) input and computes (partial sums of)
 * output channels {@code [outFrom, outTo)}. The last row tile of a column group accumulates the
 * partial sums, runs the digital unit and sends the activations on.
 *
 * <p>With weight replication ({@link Replication}) a layer's cores are copied: this core is copy
 * {@code copy} of {@code copies}, and computes that copy's band of every image's rows
 * ({@link Replication#band}); {@code mvmsPerImage} counts that band's MVMs. Without, copy 0 of 1.
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
    long mvmsPerImage,
    int copy,
    int copies) {

  /** A core of a layer that is not copied. */
  public Core(int id, String layer, int layerIndex, int colGroup, int rowTile, int rowTiles, int rows,
      int cols, int inFrom, int inTo, int outFrom, int outTo, long mvmsPerImage) {
    this(id, layer, layerIndex, colGroup, rowTile, rowTiles, rows, cols, inFrom, inTo, outFrom, outTo,
        mvmsPerImage, 0, 1);
  }

  /** True for the core that accumulates its column group and emits its activations. */
  public boolean accumulator() {
    return rowTile == rowTiles - 1;
  }
}
