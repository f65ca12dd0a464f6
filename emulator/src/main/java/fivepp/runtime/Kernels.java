package fivepp.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The MVM kernels of a core: a row of output pixels through one weight tile at once, on the
 * Vector API (one FMA covers {@link #LANES} output channels or pixels).
 *
 * <p>Both kernels read crossbar row {@code r}'s input for output pixel {@code p} at
 * {@code lines[line[r]][off[r] + p * step]}: one of the window's zero-padded line-buffer rows,
 * so nothing is gathered and no window needs a bounds test. {@code line} and {@code off} are
 * fixed per weight block; only the few window rows change from row to row, so a caller stores
 * a handful of references per output row rather than one per crossbar row. Both hold 16 accumulators in registers, so that each load feeds
 * two FMAs or more (with 4 or fewer the loop waited on loads and on the FMA latency). Every
 * output is the FMAs of its crossbar rows in row order, so both kernels give bit-identical
 * results, whatever the blocking.
 */
final class Kernels {
  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int LANES = SPECIES.length();

  private Kernels() {}

  /** Columns padded to whole vectors. */
  static int padded(int cols) {
    return (cols + LANES - 1) / LANES * LANES;
  }

  /** True when {@link #direct} can take a row of {@code pixels} at horizontal step {@code step}. */
  static boolean directFits(int pixels, int step) {
    return step == 1 && LANES >= 8 && pixels % LANES == 0;
  }

  /**
   * Pixel-major output: y[p*nPad + c] = sum over r < rows of
   * lines[line[r]][off[r] + p*step] * w[r*nPad + c] for p < pixels and c < nPad (w is
   * [rows][nPad], nPad a whole number of vectors). Blocks of eight pixels by two vectors of
   * channels; each weight vector load feeds eight FMAs.
   */
  static void gemm(float[][] lines, int[] line, int[] off, int step, int rows, int pixels,
      float[] w, int nPad, float[] y) {
    gemm(new float[][][] {lines}, line, off, 1, step, rows, pixels, w, nPad, y);
  }

  /**
   * {@link #gemm(float[][], int[], int[], int, int, int, float[], int, float[])} for
   * {@code batch} rows of pixels at once, row k reading the line-buffer rows {@code lines[k]}
   * and writing y[(k*pixels + p)*nPad + c].
   */
  static void gemm(float[][][] lines, int[] line, int[] off, int batch, int step, int rows,
      int pixels, float[] w, int nPad, float[] y) {
    gemm(lines, line, off, batch, step, rows, pixels, w, nPad, y, null);
  }

  /** Floats of the panel that {@link #gemm} packs {@code pixels} pixels of {@code rows} rows into. */
  static int panelSize(int pixels, int rows) {
    return (pixels + PIXELS - 1) / PIXELS * PIXELS * rows;
  }

  /** Pixels per block of the micro-kernels. */
  static final int PIXELS = 8;

  /**
   * As {@link #gemm(float[][][], int[], int[], int, int, int, int, float[], int, float[])},
   * packing the inputs into {@code panel} (at least {@link #panelSize} floats; null or too small:
   * a new one, returned). The batch's pixels are taken as one list, row after row, in blocks of
   * {@link #PIXELS}: a row of 7 or 14 pixels leaves no slow remainder, since a block may hold
   * pixels of two rows. Each block's inputs are packed once, crossbar row by crossbar row
   * ({@code panel[(block*rows + r)*8 + q]}), so the micro-kernel reads them contiguously with no
   * indirection. The loop over two vectors of weight columns is the outermost, so that slice of
   * the weights (rows x 2 vectors: 32 KB for 256 rows of 16 lanes) is read from memory once and
   * then from the L1 cache for every block.
   */
  static float[] gemm(float[][][] lines, int[] line, int[] off, int batch, int step, int rows,
      int pixels, float[] w, int nPad, float[] y, float[] panel) {
    int total = batch * pixels;
    int need = panelSize(total, rows);
    if (panel == null || panel.length < need) {
      panel = new float[need];
    }
    pack(lines, line, off, step, rows, pixels, total, panel);
    int blocks = (total + PIXELS - 1) / PIXELS;
    int j = 0;
    for (; j + 2 * LANES <= nPad; j += 2 * LANES) {
      for (int b = 0; b < blocks; b++) {
        gemm8x2(panel, b * rows * PIXELS, rows, w, nPad, j, y, b * PIXELS,
            Math.min(PIXELS, total - b * PIXELS));
      }
    }
    if (j < nPad) {
      for (int b = 0; b < blocks; b++) {
        gemm8x1(panel, b * rows * PIXELS, rows, w, nPad, j, y, b * PIXELS,
            Math.min(PIXELS, total - b * PIXELS));
      }
    }
    return panel;
  }

  /**
   * Packs pixel P = k*pixels + p's input of crossbar row r at panel[((P/8)*rows + r)*8 + P%8]:
   * run by run of pixels that share a block and a row of the batch, so that each crossbar row's
   * line-buffer row and offset are looked up once per run.
   */
  private static void pack(float[][][] lines, int[] line, int[] off, int step, int rows,
      int pixels, int total, float[] panel) {
    for (int pi = 0; pi < total; ) {
      int k = pi / pixels;
      int p = pi - k * pixels;
      int q = pi % PIXELS;
      int run = Math.min(PIXELS - q, pixels - p);
      float[][] lk = lines[k];
      int x = p * step;
      int dst = (pi / PIXELS) * rows * PIXELS + q;
      if (run == PIXELS && step == 1) {
        // (an 8-float vector copy here was not compiled to one: its fallback cost a third of the run)
        for (int r = 0; r < rows; r++, dst += PIXELS) {
          float[] src = lk[line[r]];
          int at = off[r] + x;
          panel[dst] = src[at];
          panel[dst + 1] = src[at + 1];
          panel[dst + 2] = src[at + 2];
          panel[dst + 3] = src[at + 3];
          panel[dst + 4] = src[at + 4];
          panel[dst + 5] = src[at + 5];
          panel[dst + 6] = src[at + 6];
          panel[dst + 7] = src[at + 7];
        }
      } else {
        for (int r = 0; r < rows; r++, dst += PIXELS) {
          float[] src = lk[line[r]];
          for (int i = 0, at = off[r] + x; i < run; i++, at += step) {
            panel[dst + i] = src[at];
          }
        }
      }
      pi += run;
    }
    // the last block's empty slots read zeros (their results are not stored)
    int end = (total + PIXELS - 1) / PIXELS * PIXELS;
    if (end > total) {
      int q = total % PIXELS;
      for (int r = 0, dst = (total / PIXELS) * rows * PIXELS; r < rows; r++, dst += PIXELS) {
        java.util.Arrays.fill(panel, dst + q, dst + PIXELS, 0f);
      }
    }
  }

  /** Pixels [p0, p0 + count) (count <= 8) by columns [j, j + 2 vectors). */
  private static void gemm8x2(float[] panel, int xi0, int rows, float[] w, int nPad, int j,
      float[] y, int p0, int count) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    FloatVector b0 = z, b1 = z, b2 = z, b3 = z, b4 = z, b5 = z, b6 = z, b7 = z;
    for (int r = 0, wi = j, xi = xi0; r < rows; r++, wi += nPad, xi += PIXELS) {
      FloatVector u = FloatVector.fromArray(SPECIES, w, wi);
      FloatVector v = FloatVector.fromArray(SPECIES, w, wi + LANES);
      FloatVector x;
      x = FloatVector.broadcast(SPECIES, panel[xi]);
      a0 = u.fma(x, a0);
      b0 = v.fma(x, b0);
      x = FloatVector.broadcast(SPECIES, panel[xi + 1]);
      a1 = u.fma(x, a1);
      b1 = v.fma(x, b1);
      x = FloatVector.broadcast(SPECIES, panel[xi + 2]);
      a2 = u.fma(x, a2);
      b2 = v.fma(x, b2);
      x = FloatVector.broadcast(SPECIES, panel[xi + 3]);
      a3 = u.fma(x, a3);
      b3 = v.fma(x, b3);
      x = FloatVector.broadcast(SPECIES, panel[xi + 4]);
      a4 = u.fma(x, a4);
      b4 = v.fma(x, b4);
      x = FloatVector.broadcast(SPECIES, panel[xi + 5]);
      a5 = u.fma(x, a5);
      b5 = v.fma(x, b5);
      x = FloatVector.broadcast(SPECIES, panel[xi + 6]);
      a6 = u.fma(x, a6);
      b6 = v.fma(x, b6);
      x = FloatVector.broadcast(SPECIES, panel[xi + 7]);
      a7 = u.fma(x, a7);
      b7 = v.fma(x, b7);
    }
    int at = p0 * nPad + j;
    a0.intoArray(y, at);
    b0.intoArray(y, at + LANES);
    if (1 < count) {
      a1.intoArray(y, at + 1 * nPad);
      b1.intoArray(y, at + 1 * nPad + LANES);
    }
    if (2 < count) {
      a2.intoArray(y, at + 2 * nPad);
      b2.intoArray(y, at + 2 * nPad + LANES);
    }
    if (3 < count) {
      a3.intoArray(y, at + 3 * nPad);
      b3.intoArray(y, at + 3 * nPad + LANES);
    }
    if (4 < count) {
      a4.intoArray(y, at + 4 * nPad);
      b4.intoArray(y, at + 4 * nPad + LANES);
    }
    if (5 < count) {
      a5.intoArray(y, at + 5 * nPad);
      b5.intoArray(y, at + 5 * nPad + LANES);
    }
    if (6 < count) {
      a6.intoArray(y, at + 6 * nPad);
      b6.intoArray(y, at + 6 * nPad + LANES);
    }
    if (7 < count) {
      a7.intoArray(y, at + 7 * nPad);
      b7.intoArray(y, at + 7 * nPad + LANES);
    }
  }

  /** Pixels [p0, p0 + count) (count <= 8) by columns [j, j + 1 vector). */
  private static void gemm8x1(float[] panel, int xi0, int rows, float[] w, int nPad, int j,
      float[] y, int p0, int count) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    for (int r = 0, wi = j, xi = xi0; r < rows; r++, wi += nPad, xi += PIXELS) {
      FloatVector u = FloatVector.fromArray(SPECIES, w, wi);
      a0 = u.fma(FloatVector.broadcast(SPECIES, panel[xi]), a0);
      a1 = u.fma(FloatVector.broadcast(SPECIES, panel[xi + 1]), a1);
      a2 = u.fma(FloatVector.broadcast(SPECIES, panel[xi + 2]), a2);
      a3 = u.fma(FloatVector.broadcast(SPECIES, panel[xi + 3]), a3);
      a4 = u.fma(FloatVector.broadcast(SPECIES, panel[xi + 4]), a4);
      a5 = u.fma(FloatVector.broadcast(SPECIES, panel[xi + 5]), a5);
      a6 = u.fma(FloatVector.broadcast(SPECIES, panel[xi + 6]), a6);
      a7 = u.fma(FloatVector.broadcast(SPECIES, panel[xi + 7]), a7);
    }
    int at = p0 * nPad + j;
    a0.intoArray(y, at);
    if (1 < count) {
      a1.intoArray(y, at + 1 * nPad);
    }
    if (2 < count) {
      a2.intoArray(y, at + 2 * nPad);
    }
    if (3 < count) {
      a3.intoArray(y, at + 3 * nPad);
    }
    if (4 < count) {
      a4.intoArray(y, at + 4 * nPad);
    }
    if (5 < count) {
      a5.intoArray(y, at + 5 * nPad);
    }
    if (6 < count) {
      a6.intoArray(y, at + 6 * nPad);
    }
    if (7 < count) {
      a7.intoArray(y, at + 7 * nPad);
    }
  }

  /**
   * Channel-major output, by direct convolution, for unit step and a row of whole vectors of
   * pixels ({@link #directFits}): for c < n and x < pixels,
   * y[yOff + c*pixels + x] = sum over r < rows of w[r*nPad + c] * lines[line[r]][off[r] + x]. The result
   * lands where a row buffer wants it. Blocks of two vectors of pixels by eight channels, each
   * input vector load feeding eight FMAs, and an odd vector by eight channels. With no packing
   * and no transposition, rows of one vector (16 pixels) ran at 57 GMAC/s here against 33-42 for
   * {@link #gemm} and the transposition together (rows of 144 and 256 by 32 columns).
   */
  static void direct(float[][] lines, int[] line, int[] off, int rows, int pixels, float[] w,
      int nPad, int n, float[] y, int yOff) {
    int x0 = 0;
    for (; x0 + 2 * LANES <= pixels; x0 += 2 * LANES) {
      for (int c0 = 0; c0 < n; c0 += 8) {
        direct2x8(lines, line, off, rows, pixels, x0, w, nPad, Math.min(8, n - c0), c0, y, yOff);
      }
    }
    if (x0 < pixels) {
      for (int c0 = 0; c0 < n; c0 += 8) {
        direct1x8(lines, line, off, rows, pixels, x0, w, nPad, Math.min(8, n - c0), c0, y, yOff);
      }
    }
  }

  /** One vector of pixels by eight channels. */
  private static void direct1x8(float[][] lines, int[] line,
      int[] off, int rows, int pixels, int x0, float[] w, int nPad, int n, int c0, float[] y,
      int yOff) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    for (int r = 0, wi = c0; r < rows; r++, wi += nPad) {
      FloatVector u = FloatVector.fromArray(SPECIES, lines[line[r]], off[r] + x0);
      a0 = u.fma(FloatVector.broadcast(SPECIES, w[wi]), a0);
      a1 = u.fma(FloatVector.broadcast(SPECIES, w[wi + 1]), a1);
      a2 = u.fma(FloatVector.broadcast(SPECIES, w[wi + 2]), a2);
      a3 = u.fma(FloatVector.broadcast(SPECIES, w[wi + 3]), a3);
      a4 = u.fma(FloatVector.broadcast(SPECIES, w[wi + 4]), a4);
      a5 = u.fma(FloatVector.broadcast(SPECIES, w[wi + 5]), a5);
      a6 = u.fma(FloatVector.broadcast(SPECIES, w[wi + 6]), a6);
      a7 = u.fma(FloatVector.broadcast(SPECIES, w[wi + 7]), a7);
    }
    int at = yOff + c0 * pixels + x0;
    a0.intoArray(y, at);
    if (1 < n) {
      a1.intoArray(y, at + 1 * pixels);
    }
    if (2 < n) {
      a2.intoArray(y, at + 2 * pixels);
    }
    if (3 < n) {
      a3.intoArray(y, at + 3 * pixels);
    }
    if (4 < n) {
      a4.intoArray(y, at + 4 * pixels);
    }
    if (5 < n) {
      a5.intoArray(y, at + 5 * pixels);
    }
    if (6 < n) {
      a6.intoArray(y, at + 6 * pixels);
    }
    if (7 < n) {
      a7.intoArray(y, at + 7 * pixels);
    }
  }

  private static void direct2x8(float[][] lines, int[] line, int[] off, int rows, int pixels,
      int x0, float[] w, int nPad, int n, int c0, float[] y, int yOff) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    FloatVector b0 = z, b1 = z, b2 = z, b3 = z, b4 = z, b5 = z, b6 = z, b7 = z;
    for (int r = 0, wi = c0; r < rows; r++, wi += nPad) {
      float[] s = lines[line[r]];
      int xi = off[r] + x0;
      FloatVector u = FloatVector.fromArray(SPECIES, s, xi);
      FloatVector v = FloatVector.fromArray(SPECIES, s, xi + LANES);
      FloatVector c;
      c = FloatVector.broadcast(SPECIES, w[wi]);
      a0 = u.fma(c, a0);
      b0 = v.fma(c, b0);
      c = FloatVector.broadcast(SPECIES, w[wi + 1]);
      a1 = u.fma(c, a1);
      b1 = v.fma(c, b1);
      c = FloatVector.broadcast(SPECIES, w[wi + 2]);
      a2 = u.fma(c, a2);
      b2 = v.fma(c, b2);
      c = FloatVector.broadcast(SPECIES, w[wi + 3]);
      a3 = u.fma(c, a3);
      b3 = v.fma(c, b3);
      c = FloatVector.broadcast(SPECIES, w[wi + 4]);
      a4 = u.fma(c, a4);
      b4 = v.fma(c, b4);
      c = FloatVector.broadcast(SPECIES, w[wi + 5]);
      a5 = u.fma(c, a5);
      b5 = v.fma(c, b5);
      c = FloatVector.broadcast(SPECIES, w[wi + 6]);
      a6 = u.fma(c, a6);
      b6 = v.fma(c, b6);
      c = FloatVector.broadcast(SPECIES, w[wi + 7]);
      a7 = u.fma(c, a7);
      b7 = v.fma(c, b7);
    }
    // c0 + 8 <= nPad: c0 is a multiple of 8, below n <= nPad, a multiple of LANES >= 8
    int at = yOff + c0 * pixels + x0;
    a0.intoArray(y, at);
    b0.intoArray(y, at + LANES);
    if (1 < n) {
      a1.intoArray(y, at + 1 * pixels);
      b1.intoArray(y, at + 1 * pixels + LANES);
    }
    if (2 < n) {
      a2.intoArray(y, at + 2 * pixels);
      b2.intoArray(y, at + 2 * pixels + LANES);
    }
    if (3 < n) {
      a3.intoArray(y, at + 3 * pixels);
      b3.intoArray(y, at + 3 * pixels + LANES);
    }
    if (4 < n) {
      a4.intoArray(y, at + 4 * pixels);
      b4.intoArray(y, at + 4 * pixels + LANES);
    }
    if (5 < n) {
      a5.intoArray(y, at + 5 * pixels);
      b5.intoArray(y, at + 5 * pixels + LANES);
    }
    if (6 < n) {
      a6.intoArray(y, at + 6 * pixels);
      b6.intoArray(y, at + 6 * pixels + LANES);
    }
    if (7 < n) {
      a7.intoArray(y, at + 7 * pixels);
      b7.intoArray(y, at + 7 * pixels + LANES);
    }
  }

  /**
   * Runs the kernels until the JIT has compiled them: the Vector API is very slow until then,
   * which would otherwise stall the first images of a run.
   */
  static void warmUp() {
    int rows = 64;
    float[] w = new float[rows * LANES * 2];
    java.util.Arrays.fill(w, 0.25f);
    float[] row = new float[rows * 40 + 4 * LANES];
    java.util.Arrays.fill(row, 0.5f);
    float[][] lines = {row};
    int[] line = new int[rows];
    int[] off = new int[rows];
    for (int r = 0; r < rows; r++) {
      off[r] = r * 40;
    }
    float[] y = new float[LANES * 2 * 64];
    for (int i = 0; i < 20_000; i++) {
      gemm(lines, line, off, 1 + (i & 1), rows, 17 - (i & 7), w, LANES * (1 + (i & 1)), y);
      // rows of 1 to 4 vectors of pixels: both of direct's blocks (pairs, and an odd vector)
      direct(lines, line, off, rows, LANES * (1 + (i & 3)), w, LANES * 2, LANES * 2 - (i & 3), y, 0);
    }
  }
}
