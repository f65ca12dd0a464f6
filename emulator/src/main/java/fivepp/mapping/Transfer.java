package fivepp.mapping;

/**
 * What one core sends another, channel by channel: the data behind a {@link Flow}. A flow is
 * the sum of the transfers with its two ends and kind.
 *
 * @param from the sending core
 * @param to the receiving core
 * @param kind activation, partial sum, residual, forward or gate
 * @param source the layer whose output (or, for partial sums, whose partial sums) travels
 * @param sourceFrom first channel of {@code source} sent (for partial sums: first output column)
 * @param sourceTo one past the last channel sent
 * @param destChannel activation and gate: the receiver's input channel where {@code sourceFrom} lands;
 *     residual: the receiver's output channel it is added to; otherwise -1
 * @param stride residual subsampling: rows and columns 0, stride, 2*stride, ... are sent
 * @param pixels pixels of each channel per image
 * @param bits width of one value on the wire
 * @param rowFrom first row of {@code source}'s output (for partial sums: of the convolution's
 *     output) sent, before a residual's subsampling; 0 unless a layer is copied
 * @param rowTo one past the last row sent; {@link #ALL_ROWS} for every row
 */
public record Transfer(int from, int to, Flow.Kind kind, String source, int sourceFrom, int sourceTo,
    int destChannel, int stride, long pixels, int bits, int rowFrom, int rowTo) {

  /** {@link #rowTo()} of a transfer that carries every row. */
  public static final int ALL_ROWS = Integer.MAX_VALUE;

  /** A transfer of every row. */
  public Transfer(int from, int to, Flow.Kind kind, String source, int sourceFrom, int sourceTo,
      int destChannel, int stride, long pixels, int bits) {
    this(from, to, kind, source, sourceFrom, sourceTo, destChannel, stride, pixels, bits, 0, ALL_ROWS);
  }

  public int channels() {
    return sourceTo - sourceFrom;
  }

  /** Bits per image. */
  public long bitsPerImage() {
    return channels() * pixels * bits;
  }
}
