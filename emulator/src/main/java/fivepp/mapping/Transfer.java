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
 */
public record Transfer(int from, int to, Flow.Kind kind, String source, int sourceFrom, int sourceTo,
    int destChannel, int stride, long pixels, int bits) {

  public int channels() {
    return sourceTo - sourceFrom;
  }

  /** Bits per image. */
  public long bitsPerImage() {
    return channels() * pixels * bits;
  }
}
