package fivepp.cli;

import java.io.PrintWriter;

/** A progress bar on a terminal (images done, images/s, ETA); a line per 10% otherwise. */
final class Progress {
  private final PrintWriter err;
  private final int total;
  private final boolean terminal;
  private final long start = System.nanoTime();
  private long lastDraw;
  private int lastTenth;

  Progress(PrintWriter err, int total, boolean terminal) {
    this.err = err;
    this.total = total;
    this.terminal = terminal;
  }

  synchronized void update(int done) {
    long now = System.nanoTime();
    double secs = (now - start) / 1e9;
    double rate = done / Math.max(secs, 1e-9);
    if (terminal) {
      if (now - lastDraw < 100_000_000L && done < total) {
        return;
      }
      lastDraw = now;
      int width = 30;
      int filled = (int) ((long) done * width / total);
      err.printf("\r[%s%s] %d/%d images  %.1f images/s  ETA %.0f s ", "#".repeat(filled),
          " ".repeat(width - filled), done, total, rate, (total - done) / Math.max(rate, 1e-9));
      err.flush();
    } else if (done * 10 / total > lastTenth) {
      lastTenth = done * 10 / total;
      err.printf("%d/%d images, %.1f images/s, ETA %.0f s%n", done, total, rate,
          (total - done) / Math.max(rate, 1e-9));
      err.flush();
    }
  }

  void done() {
    if (terminal) {
      err.println();
      err.flush();
    }
  }
}
