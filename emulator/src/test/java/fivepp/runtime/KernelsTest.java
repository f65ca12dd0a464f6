package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The MVM kernels against their definition written as plain loops: every output is the fused
 * multiply-adds of its crossbar rows in row order, so the results must be bit-identical, for
 * every blocking remainder (pixels not a multiple of 8, columns not a multiple of 8 or of two
 * vectors, stride 2) and for rows read at scattered offsets of several line-buffer rows.
 */
class KernelsTest {

  /** Three line-buffer rows of random values and, per crossbar row, a row and an offset into it. */
  private record Input(float[][] lines, int[] line, int[] off, float[] w) {}

  private static Input input(int rows, int pixels, int step, int nPad, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int pitch = pixels * step + 5;
    int channels = rows / 3 + 1;
    float[][] lines = new float[3][channels * pitch];
    for (float[] l : lines) {
      for (int i = 0; i < l.length; i++) {
        l[i] = (float) rnd.nextDouble(-1, 1);
      }
    }
    int[] line = new int[rows];
    int[] off = new int[rows];
    for (int r = 0; r < rows; r++) {
      line[r] = r % 3;
      off[r] = (r / 3) * pitch + rnd.nextInt(3);
    }
    float[] w = new float[rows * nPad];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextDouble(-1, 1);
    }
    return new Input(lines, line, off, w);
  }

  private static float definition(Input in, int rows, int p, int step, int nPad, int c) {
    float acc = 0f;
    for (int r = 0; r < rows; r++) {
      acc = Math.fma(in.lines[in.line[r]][in.off[r] + p * step], in.w[r * nPad + c], acc);
    }
    return acc;
  }

  @ParameterizedTest(name = "rows {0}, pixels {1}, step {2}, columns {3}")
  @CsvSource({"144,16,1,32", "256,8,1,64", "64,8,1,64", "27,16,2,16", "144,16,2,32", "64,1,1,10",
      "100,13,1,40", "9,7,2,3", "33,24,1,17"})
  void gemmIsItsDefinitionBitForBit(int rows, int pixels, int step, int cols) {
    int nPad = Kernels.padded(cols);
    Input in = input(rows, pixels, step, nPad, rows * 31L + pixels);
    float[] y = new float[pixels * nPad];
    java.util.Arrays.fill(y, Float.NaN);
    Kernels.gemm(in.lines, in.line, in.off, step, rows, pixels, in.w, nPad, y);
    for (int p = 0; p < pixels; p++) {
      for (int c = 0; c < cols; c++) {
        assertThat(y[p * nPad + c]).as("pixel %d column %d", p, c)
            .isEqualTo(definition(in, rows, p, step, nPad, c));
      }
    }
    assertThat(y[0]).isNotEqualTo(0f);
  }

  @ParameterizedTest(name = "rows {0}, pixels {1}, step {2}, columns {3}, batch {4}")
  @CsvSource({"256,8,1,64,3", "288,16,1,32,2", "144,16,2,32,4", "64,1,1,10,5", "33,13,1,40,3",
      "9,7,2,3,2"})
  void aBatchOfRowsGivesEachRowWhatItGivesAlone(int rows, int pixels, int step, int cols, int batch) {
    int nPad = Kernels.padded(cols);
    float[][][] lines = new float[batch][][];
    Input[] in = new Input[batch];
    Input shared = input(rows, pixels, step, nPad, 99);
    for (int k = 0; k < batch; k++) {
      // every row of the batch has its own line buffers; which line and where, and the weights,
      // are the block's
      in[k] = new Input(input(rows, pixels, step, nPad, rows * 13L + k).lines, shared.line,
          shared.off, shared.w);
      lines[k] = in[k].lines;
    }
    float[] y = new float[batch * pixels * nPad + 3];
    java.util.Arrays.fill(y, Float.NaN);
    Kernels.gemm(lines, shared.line, shared.off, batch, step, rows, pixels, shared.w, nPad, y);
    for (int k = 0; k < batch; k++) {
      float[] alone = new float[pixels * nPad];
      Kernels.gemm(in[k].lines, in[k].line, in[k].off, step, rows, pixels, in[k].w, nPad, alone);
      for (int p = 0; p < pixels; p++) {
        for (int c = 0; c < cols; c++) {
          float expected = definition(in[k], rows, p, step, nPad, c);
          assertThat(y[(k * pixels + p) * nPad + c]).as("row %d pixel %d column %d", k, p, c)
              .isEqualTo(expected)
              .isEqualTo(alone[p * nPad + c]);
        }
      }
    }
    // rows differ, so a kernel that read row 0's inputs for every row would fail above
    assertThat(y[0]).isNotEqualTo(y[pixels * nPad]);
    assertThat(y[batch * pixels * nPad]).isNaN();
  }

  @ParameterizedTest(name = "rows {0}, pixels {1}, columns {2}")
  @CsvSource({"144,32,16", "27,32,16", "256,32,32", "50,64,10", "7,32,3", "300,32,64", "144,16,32",
      "288,48,20", "9,112,1", "33,16,5"})
  void directIsItsDefinitionBitForBitAndChannelMajor(int rows, int pixels, int cols) {
    int nPad = Kernels.padded(cols);
    assertThat(Kernels.directFits(pixels, 1)).isTrue();
    Input in = input(rows, pixels, 1, nPad, rows * 17L + cols);
    int yOff = 5;
    float[] y = new float[yOff + cols * pixels + 3];
    java.util.Arrays.fill(y, -7f);
    Kernels.direct(in.lines, in.line, in.off, rows, pixels, in.w, nPad, cols, y, yOff);
    for (int c = 0; c < cols; c++) {
      for (int x = 0; x < pixels; x++) {
        assertThat(y[yOff + c * pixels + x]).as("column %d pixel %d", c, x)
            .isEqualTo(definition(in, rows, x, 1, nPad, c));
      }
    }
    // nothing outside [yOff, yOff + cols * pixels) is written
    assertThat(y[yOff - 1]).isEqualTo(-7f);
    assertThat(y[yOff + cols * pixels]).isEqualTo(-7f);
  }
}
