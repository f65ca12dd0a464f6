package fivepp.monitor;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/** Polls a condition until it yields a value or a bounded deadline passes. */
final class Await {
  private Await() {}

  /** The first non-null value {@code probe} returns within {@code limit}; fails with {@code what} otherwise. */
  static <T> T until(Duration limit, String what, Callable<T> probe) {
    long deadline = System.nanoTime() + limit.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        T v = probe.call();
        if (v != null) {
          return v;
        }
      } catch (Exception e) {
        last = e;
      }
      LockSupport.parkNanos(50_000_000L);
    }
    throw new AssertionError("gave up after " + limit.toSeconds() + " s waiting for " + what
        + (last == null ? "" : " (last error: " + last + ")"), last);
  }
}
