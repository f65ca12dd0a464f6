package fivepp.mapping;

/**
 * The size of one CM core's crossbar: {@code rows} inputs by {@code cols} outputs. {@link #LAYER}
 * is unbounded: one core per layer (paper.md B2's layer granularity).
 */
public record Crossbar(int rows, int cols) {
  public static final Crossbar LAYER = new Crossbar(Integer.MAX_VALUE, Integer.MAX_VALUE);
  public static final Crossbar DEFAULT = new Crossbar(256, 256);

  public Crossbar {
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException("crossbar " + rows + "x" + cols + ": rows and columns must be >= 1");
    }
  }

  public boolean unbounded() {
    return rows == Integer.MAX_VALUE;
  }

  /** Parses {@code RxC} (e.g. {@code 256x256}) or {@code layer}. */
  public static Crossbar parse(String spec) {
    String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.equals("layer")) {
      return LAYER;
    }
    String[] parts = s.split("x", -1);
    try {
      if (parts.length == 2) {
        int r = Integer.parseInt(parts[0]);
        int c = Integer.parseInt(parts[1]);
        if (r >= 1 && c >= 1) {
          return new Crossbar(r, c);
        }
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException("crossbar '" + spec
        + "': give ROWSxCOLS with both >= 1 (e.g. 256x256) or 'layer' for one core per layer");
  }

  @Override
  public String toString() {
    return unbounded() ? "layer" : rows + "x" + cols;
  }
}
