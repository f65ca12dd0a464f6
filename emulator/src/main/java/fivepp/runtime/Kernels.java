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
   * Runs the kernel until the JIT has compiled it: the Vector API is very slow until then, which
   * would otherwise stall the first images of a run.
   */
  static void warmUp() {
    float[] x = new float[32 * 64];
    float[] w = new float[64 * LANES * 2];
    float[] y = new float[32 * LANES * 2];
    java.util.Arrays.fill(x, 0.5f);
    java.util.Arrays.fill(w, 0.25f);
    for (int i = 0; i < 20_000; i++) {
      gemm(x, 32 - (i & 3), 64, w, LANES * 2, y);
    }
  }
}
