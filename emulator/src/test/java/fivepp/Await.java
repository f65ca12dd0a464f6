package fivepp;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The tests' one way to wait for something outside an actor (a process, an HTTP endpoint, the
 * cluster's view of its members, counters another thread publishes): poll every 50 ms within a
 * bounded time. Between actors, use the testkit's probes and {@code awaitAssert} instead.
 */
public final class Await {
  private static final long POLL_NANOS = 50_000_000L;

  private Await() {}

  /**
   * The first non-null value {@code probe} returns within {@code limit} (an exception counts as
   * not yet); fails naming {@code what} (and the last exception) otherwise.
   */
  public static <T> T until(Duration limit, String what, Callable<T> probe) {
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
      LockSupport.parkNanos(POLL_NANOS);
    }
    throw new AssertionError("gave up after " + limit.toSeconds() + " s waiting for " + what
        + (last == null ? "" : " (last error: " + last + ")"), last);
  }

  /** Returns once {@code done} holds; fails naming {@code what} if it does not within {@code limit}. */
  public static void untilTrue(Duration limit, String what, BooleanSupplier done) {
    until(limit, what, () -> done.getAsBoolean() ? Boolean.TRUE : null);
  }

  /**
   * Whether {@code done} holds within {@code limit} (checked at least once), for a test that
   * asserts afterwards on what it saw.
   */
  public static boolean within(Duration limit, BooleanSupplier done) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
    return true;
  }

  /** Runs {@code check} (assertions) every 200 ms for {@code period}: what must stay true meanwhile. */
  public static void throughout(Duration period, Runnable check) {
    long end = System.nanoTime() + period.toNanos();
    while (System.nanoTime() < end) {
      check.run();
      LockSupport.parkNanos(200_000_000L);
    }
  }
}
