package fivepp.runtime;

/**
 * The analog MVMs of one core (docs/analog.md), beside the exact ones {@link CoreEngine} computes.
 * The tile is programmed once, as a pair of devices per weight (w = g+ - g-, in units of the tile's
 * largest |w|), with programming noise and drift per device, and global drift compensation.
 * Each MVM then quantises its input vector (DAC), runs through the programmed tile, adds read
 * noise and quantises each column's output (ADC) in the range the core recorded over the
 * calibration images. It also sums, over the analog images, the squares of the exact outputs and
 * of the analog outputs' errors: the core's own signal-to-noise ratio.
 *
 * <p>Every random draw is a hash of (seed, core, image, position): the same in every run, on any
 * member, in any order of computation.
 */
final class Analog {
  private static final long WEIGHT = 1;
  private static final long DRIFT = 2;
  private static final long READ = 3;

  private final AnalogSettings s;
  private final CorePlan plan;
  private final int core;
  private final int wo;
  private final int sw;
  private final int[][] blockOffsets;
  /** The programmed (noisy, drifted) weights of every block, in the blocks' layout. */
  private final float[][] weights;
  /** The tile's largest |w|: the full-scale conductance. */
  private final float wMax;
  /** Global drift compensation: the digital factor on every output. */
  private final float compensation;
  private final float dacLevels;
  private final float adcLevels;
  /** The largest |y| of the exact outputs over the calibration images: the ADC's range. */
  private float outMax;
  private double signal;
  private double error;
  /** Per block, its input matrix of one output row: [crossbar row][pixel], quantised. */
  private final float[][] inputs;
  private final int[][] zeros;
  private final int[][] offsets;
  private final float[] xMax;
  private float[] ys = new float[0];
  private float[] panel;

  Analog(CorePlan plan, AnalogSettings s, int[][] blockOffsets, int wo, int sw) {
    this.s = s;
    this.plan = plan;
    this.core = plan.core.id();
    this.wo = wo;
    this.sw = sw;
    this.blockOffsets = blockOffsets;
    this.dacLevels = levels(s.dacBits());
    this.adcLevels = levels(s.adcBits());
    int blocks = plan.blocks.size();
    float max = 0;
    for (CorePlan.Block b : plan.blocks) {
      for (float w : b.weights()) {
        max = Math.max(max, Math.abs(w));
      }
    }
    this.wMax = max;
    this.weights = new float[blocks][];
    float comp = 1f;
    if (s.programmed() && max > 0) {
      double before = 0;
      double after = 0;
      for (int bi = 0; bi < blocks; bi++) {
        double[] sums = new double[2];
        weights[bi] = program(bi, plan.blocks.get(bi), sums);
        before += sums[0];
        after += sums[1];
      }
      // aihwkit's GlobalDriftCompensation: the mean |output| for an input of ones, read once
      // after programming and once after drift; their ratio rescales every output
      comp = s.driftTime() > 0 && after > 0 ? (float) (before / after) : 1f;
    } else {
      for (int bi = 0; bi < blocks; bi++) {
        weights[bi] = plan.blocks.get(bi).weights();
      }
    }
    this.compensation = comp;
    this.inputs = new float[blocks][];
    this.zeros = new int[blocks][];
    this.offsets = new int[blocks][];
    for (int bi = 0; bi < blocks; bi++) {
      int rows = plan.blocks.get(bi).channel().length;
      inputs[bi] = new float[rows * wo];
      zeros[bi] = new int[rows];
      offsets[bi] = new int[rows];
      for (int r = 0; r < rows; r++) {
        offsets[bi][r] = r * wo;
      }
    }
    this.xMax = new float[wo];
  }

  /** Levels on each side of zero of a symmetric quantiser of {@code bits}; 0: none. */
  private static float levels(int bits) {
    return bits >= AnalogSettings.NO_QUANTISER ? 0 : (float) ((1L << (bits - 1)) - 1);
  }

  /**
   * Block {@code bi} programmed: each weight a pair of devices with programming noise (clipped at
   * zero conductance) and drift. {@code sums} gets the tile's readout for an input of ones (the
   * sum over columns of |column sum|) before and after drift.
   */
  private float[] program(int bi, CorePlan.Block b, double[] sums) {
    float[] w = b.weights();
    float[] out = new float[w.length];
    int stride = b.stride();
    int rows = b.channel().length;
    int cn = b.colTo() - b.colFrom();
    double[] colBefore = new double[cn];
    double[] colAfter = new double[cn];
    double t = (s.driftTime() + AnalogSettings.T0) / AnalogSettings.T0;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cn; c++) {
        double g = w[r * stride + c] / wMax;
        long at = ((long) bi << 48) ^ ((long) (b.rowFrom() + r) << 24) ^ (b.colFrom() + c);
        double[] dev = {Math.max(g, 0), Math.max(-g, 0)};
        double prog = 0;
        double drifted = 0;
        for (int d = 0; d < 2; d++) {
          double gp = dev[d];
          if (s.weightNoise() > 0) {
            gp = Math.max(0, gp + s.weightNoise() * gaussian(s.seed(), WEIGHT, core, d, at));
          }
          double gd = gp;
          if (s.driftTime() > 0) {
            double nu = Math.abs(s.driftNu() + s.driftNuStd() * gaussian(s.seed(), DRIFT, core, d, at));
            gd = gp * Math.pow(t, -nu);
          }
          prog += d == 0 ? gp : -gp;
          drifted += d == 0 ? gd : -gd;
        }
        out[r * stride + c] = (float) (drifted * wMax);
        colBefore[c] += prog;
        colAfter[c] += drifted;
      }
    }
    for (int c = 0; c < cn; c++) {
      sums[0] += Math.abs(colBefore[c]);
      sums[1] += Math.abs(colAfter[c]);
    }
    return out;
  }

  /**
   * Replaces the exact MVM outputs in {@code acc} (per queued row k, channel-major from
   * {@code k * cols * wo}) by the analog ones, for the rows of images past calibration; the rows
   * of calibration images stay exact and widen the ADC's range. {@code lines[k]} are row k's
   * window rows, {@code images[k]} and {@code rows[k]} its image and output row.
   */
  void apply(float[][][] lines, int[] images, int[] rows, int n, float[] acc) {
    int cols = plan.core.outTo() - plan.core.outFrom();
    int len = cols * wo;
    for (int k = 0; k < n; k++) {
      int base = k * len;
      if (images[k] < s.calibrate()) {
        for (int i = base; i < base + len; i++) {
          outMax = Math.max(outMax, Math.abs(acc[i]));
        }
        continue;
      }
      gather(lines[k]);
      for (int bi = 0; bi < plan.blocks.size(); bi++) {
        CorePlan.Block b = plan.blocks.get(bi);
        int stride = b.stride();
        int rowsB = b.channel().length;
        if (ys.length < wo * stride) {
          ys = new float[wo * stride];
        }
        panel = Kernels.gemm(new float[][][] {{inputs[bi]}}, zeros[bi], offsets[bi], 1, 1, rowsB, wo,
            weights[bi], stride, ys, panel);
        int off = b.colFrom() - plan.core.outFrom();
        for (int c = 0, cn = b.colTo() - b.colFrom(); c < cn; c++) {
          int at = base + (off + c) * wo;
          for (int xo = 0; xo < wo; xo++) {
            float y = output(ys[xo * stride + c], images[k], rows[k], xo, b.colFrom() + c);
            float e = acc[at + xo];
            signal += (double) e * e;
            error += (double) (y - e) * (y - e);
            // as the exact path sums into zeros: 0 + y (no negative zero)
            acc[at + xo] = 0f + y;
          }
        }
      }
    }
  }

  /**
   * Every block's inputs of one output row, each pixel's vector quantised by the DAC in the range
   * of its own largest |x| over the whole crossbar.
   */
  private void gather(float[][] window) {
    java.util.Arrays.fill(xMax, 0f);
    for (int bi = 0; bi < plan.blocks.size(); bi++) {
      CorePlan.Block b = plan.blocks.get(bi);
      int[] ky = b.ky();
      int[] at = blockOffsets[bi];
      float[] m = inputs[bi];
      for (int r = 0; r < ky.length; r++) {
        float[] line = window[ky[r]];
        for (int xo = 0, i = at[r], o = r * wo; xo < wo; xo++, i += sw, o++) {
          float x = line[i];
          m[o] = x;
          xMax[xo] = Math.max(xMax[xo], Math.abs(x));
        }
      }
    }
    if (dacLevels == 0) {
      return;
    }
    for (float[] m : inputs) {
      for (int o = 0; o < m.length; o++) {
        float range = xMax[o % wo];
        m[o] = range == 0 ? 0f : (float) (Math.rint(m[o] / range * dacLevels) / dacLevels * range);
      }
    }
  }

  /** One column's analog output: read noise, drift compensation, ADC. */
  private float output(float y, int image, int row, int xo, int column) {
    double v = y;
    if (s.readNoise() > 0) {
      long at = ((long) row << 40) ^ ((long) xo << 20) ^ column;
      v += s.readNoise() * wMax * xMax[xo] * gaussian(s.seed(), READ, core, image, at);
    }
    if (compensation != 1f) {
      v *= compensation;
    }
    if (adcLevels > 0) {
      if (outMax == 0) {
        return 0f;
      }
      v = Math.max(-outMax, Math.min(outMax, v));
      v = Math.rint(v / outMax * adcLevels) / adcLevels * outMax;
    }
    return (float) v;
  }

  /** Sum over the analog images of the exact outputs squared. */
  double signal() {
    return signal;
  }

  /** Sum over the analog images of (analog - exact) squared. */
  double error() {
    return error;
  }

  /** The ADC's range, from calibration. */
  float outputRange() {
    return outMax;
  }

  /** The drift compensation factor. */
  float compensation() {
    return compensation;
  }

  /** The programmed weights of block {@code bi} (the exact ones when nothing perturbs them). */
  float[] weights(int bi) {
    return weights[bi];
  }

  /** A standard normal draw that depends on its key only (SplitMix64 finaliser, Box-Muller). */
  static double gaussian(long seed, long kind, long a, long b, long c) {
    long h = mix(mix(mix(mix(seed ^ 0x5DEECE66DL) ^ kind) ^ a) ^ b);
    h = mix(h ^ c);
    double u1 = ((h >>> 11) + 1) * 0x1.0p-53;
    double u2 = (mix(h) >>> 11) * 0x1.0p-53;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  private static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
