package fivepp.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The MVM kernels of a core: a row of output pixels through one weight tile at once, as a small
 * GEMM on the Vector API (one FMA covers {@link #LANES} output channels).
 */
final class Kernels {
  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int LANES = SPECIES.length();

  private Kernels() {}

  /** Columns padded to whole vectors. */
  static int padded(int cols) {
    return (cols + LANES - 1) / LANES * LANES;
  }

  /**
   * y[p][0..nPad) = sum over r of x[r][p] * w[r][0..nPad) for p < pixels: x is [rows][pixels]
   * (the input vectors of a row of pixels, side by side), w is [rows][nPad] and y is
   * [pixels][nPad], all flat. Four pixels share each weight load.
   */
  static void gemm(float[] x, int pixels, int rows, float[] w, int nPad, float[] y) {
    int p = 0;
    for (; p + 4 <= pixels; p += 4) {
      for (int j = 0; j < nPad; j += LANES) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        for (int r = 0, wi = j, xi = p; r < rows; r++, wi += nPad, xi += pixels) {
          FloatVector wv = FloatVector.fromArray(SPECIES, w, wi);
          a0 = wv.fma(FloatVector.broadcast(SPECIES, x[xi]), a0);
          a1 = wv.fma(FloatVector.broadcast(SPECIES, x[xi + 1]), a1);
          a2 = wv.fma(FloatVector.broadcast(SPECIES, x[xi + 2]), a2);
          a3 = wv.fma(FloatVector.broadcast(SPECIES, x[xi + 3]), a3);
        }
        a0.intoArray(y, p * nPad + j);
        a1.intoArray(y, (p + 1) * nPad + j);
        a2.intoArray(y, (p + 2) * nPad + j);
        a3.intoArray(y, (p + 3) * nPad + j);
      }
    }
    for (; p < pixels; p++) {
      for (int j = 0; j < nPad; j += LANES) {
        FloatVector a = FloatVector.zero(SPECIES);
        for (int r = 0, wi = j, xi = p; r < rows; r++, wi += nPad, xi += pixels) {
          a = FloatVector.fromArray(SPECIES, w, wi).fma(FloatVector.broadcast(SPECIES, x[xi]), a);
        }
        a.intoArray(y, p * nPad + j);
      }
    }
  }

  /**
   * A row of output pixels by direct convolution, for unit horizontal stride and a row width
   * that is a whole number of vectors: for c < n and x < pixels,
   * y[yOff + c*pixels + x] = sum over r of w[r*nPad + c] * src[r][off[r] + x]. Crossbar row r
   * reads the input of all the pixels as one contiguous slice of a zero-padded line-buffer row,
   * so nothing is gathered, and the result lands channel-major, the layout of a row buffer.
   * Four output channels share each input load.
   */
  static void direct(float[][] src, int[] off, int rows, int pixels, float[] w, int nPad, int n,
      float[] y, int yOff) {
    for (int x0 = 0; x0 < pixels; x0 += LANES) {
      for (int c0 = 0; c0 < n; c0 += 4) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        for (int r = 0, wi = c0; r < rows; r++, wi += nPad) {
          FloatVector xv = FloatVector.fromArray(SPECIES, src[r], off[r] + x0);
          a0 = xv.fma(FloatVector.broadcast(SPECIES, w[wi]), a0);
          a1 = xv.fma(FloatVector.broadcast(SPECIES, w[wi + 1]), a1);
          a2 = xv.fma(FloatVector.broadcast(SPECIES, w[wi + 2]), a2);
          a3 = xv.fma(FloatVector.broadcast(SPECIES, w[wi + 3]), a3);
        }
        int at = yOff + c0 * pixels + x0;
        a0.intoArray(y, at);
        if (c0 + 1 < n) {
          a1.intoArray(y, at + pixels);
        }
        if (c0 + 2 < n) {
          a2.intoArray(y, at + 2 * pixels);
        }
        if (c0 + 3 < n) {
          a3.intoArray(y, at + 3 * pixels);
        }
      }
    }
  }

  /**
   * Runs the kernel until the JIT has compiled it: the Vector API is very slow until then, which
   * would otherwise stall the first images of a run.
   */
  static void warmUp() {
    float[] x = new float[32 * 64];
    float[] w = new float[64 * LANES * 2];
    float[] y = new float[32 * LANES * 2];
    java.util.Arrays.fill(x, 0.5f);
    java.util.Arrays.fill(w, 0.25f);
    float[][] src = new float[64][];
    int[] off = new int[64];
    float[] row = new float[64 * 40 + LANES];
    for (int r = 0; r < 64; r++) {
      src[r] = row;
      off[r] = r * 40;
    }
    float[] out = new float[LANES * 2 * 32];
    for (int i = 0; i < 20_000; i++) {
      gemm(x, 32 - (i & 3), 64, w, LANES * 2, y);
      direct(src, off, 64, (i & 1) == 0 ? LANES : 2 * LANES, w, LANES * 2, LANES * 2 - (i & 3), out, 0);
    }
  }
}
