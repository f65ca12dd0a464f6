package fivepp.runtime;

import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * An {@link OutOfMemoryError} inside an actor, turned into the end of its actor system.
 *
 * <p>Pekko treats an {@code OutOfMemoryError} on a dispatcher thread as fatal: it bypasses
 * supervision, prints a stack trace on stderr and, with the default {@code
 * pekko.jvm-exit-on-fatal-error = on}, ends the JVM with {@code System.exit(-1)} (exit status 255).
 * Actors wrapped by {@link #guard} catch it first: the failed actor stops (its state, which may be
 * half-updated, goes with it, and so does the memory it held), and the actor system's coordinated
 * shutdown runs with {@link #REASON}; {@link Emulator#run} throws an {@code OutOfMemoryError} on the
 * caller's thread, for which the command line prints one line and exits with 2. The run's
 * dispatchers run every task under the same guard ({@link Executor}), so that an out-of-memory in
 * Pekko's own actors and futures does not reach Pekko's handler either.
 *
 * <p>A full heap makes everything else fail too: other actors, Pekko's own threads, its logging,
 * the shutdown itself. So the first such catch also completes {@link #struck()}, on which {@link
 * Emulator#run} waits besides the run's result (the run ends even when no actor can run any more),
 * frees the reserve that {@link #reserve()} set aside (room for the one line), and sends {@code
 * System.err} from then on, in this JVM, to nowhere: the command's own line goes through the
 * writer it was given before, and Pekko's reports of the same failure on other threads (a stack
 * trace each) would only bury it. The JVM is expected to end right after.
 */
public final class OutOfHeap {
  private OutOfHeap() {}

  private static final java.util.concurrent.CompletableFuture<Void> STRUCK = new java.util.concurrent.CompletableFuture<>();
  private static volatile byte[] reserve;

  /** Sets a reserve of heap aside (1/64 of the heap, at most 16 MiB), freed when an actor runs out of heap. */
  public static void reserve() {
    if (reserve == null && !STRUCK.isDone()) {
      reserve = new byte[(int) Math.min(16L << 20, Runtime.getRuntime().maxMemory() / 64)];
    }
  }

  /** Completes once an actor in this JVM ran out of heap (and never completes otherwise). */
  static java.util.concurrent.CompletableFuture<Void> struck() {
    return STRUCK;
  }

  /** The first out-of-memory in a guarded actor: the reserve freed, stderr silenced, {@link #struck()} completed. */
  private static void strike() {
    reserve = null;
    if (!STRUCK.isDone()) {
      System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
      STRUCK.complete(null);
    }
  }

  /** The reason of a coordinated shutdown that an actor began because the heap ran out. */
  public enum Reason implements CoordinatedShutdown.Reason {
    OUT_OF_HEAP
  }

  /** {@link Reason#OUT_OF_HEAP}. */
  public static final CoordinatedShutdown.Reason REASON = Reason.OUT_OF_HEAP;

  /** {@code behavior}, with an {@link OutOfMemoryError} in its start, messages or signals ending the actor system. */
  public static <T> Behavior<T> guard(Behavior<T> behavior) {
    return Behaviors.intercept(Guard::new, behavior);
  }

  /**
   * The run's dispatchers' executor (Pekko's fork-join executor, each task guarded): an {@code
   * OutOfMemoryError} anywhere on a dispatcher thread, in Pekko's own actors and futures too, is
   * caught before Pekko's fatal-error handler sees it (which would print a trace, and itself fail
   * for want of heap) and ends the run as in a guarded actor. Named in {@link #DISPATCHERS}.
   */
  public static final class Executor extends org.apache.pekko.dispatch.ExecutorServiceConfigurator {
    private final org.apache.pekko.dispatch.ForkJoinExecutorConfigurator forkJoin;

    public Executor(com.typesafe.config.Config config, org.apache.pekko.dispatch.DispatcherPrerequisites prerequisites) {
      super(config, prerequisites);
      forkJoin = new org.apache.pekko.dispatch.ForkJoinExecutorConfigurator(config.getConfig("fork-join-executor"),
          prerequisites);
    }

    @Override
    public org.apache.pekko.dispatch.ExecutorServiceFactory createExecutorServiceFactory(String id,
        java.util.concurrent.ThreadFactory threadFactory) {
      org.apache.pekko.dispatch.ExecutorServiceFactory pool = forkJoin.createExecutorServiceFactory(id, threadFactory);
      return () -> new GuardedPool(pool.createExecutorService());
    }
  }

  /** The config that gives the default and the internal dispatcher the {@link Executor}. */
  public static final String DISPATCHERS = "pekko.actor.default-dispatcher.executor = \"" + Executor.class.getName()
      + "\"\npekko.actor.internal-dispatcher.executor = \"" + Executor.class.getName() + "\"\n";

  /** An executor service whose tasks end the run, instead of their thread, when the heap runs out. */
  private static final class GuardedPool extends java.util.concurrent.AbstractExecutorService {
    private final java.util.concurrent.ExecutorService pool;

    GuardedPool(java.util.concurrent.ExecutorService pool) {
      this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
      pool.execute(() -> {
        try {
          task.run();
        } catch (OutOfMemoryError e) {
          strike();
        }
      });
    }

    @Override
    public void shutdown() {
      pool.shutdown();
    }

    @Override
    public java.util.List<Runnable> shutdownNow() {
      return pool.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
      return pool.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return pool.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
      return pool.awaitTermination(timeout, unit);
    }
  }

  private static final class Guard<T> extends BehaviorInterceptor<T, T> {
    @SuppressWarnings("unchecked")
    Guard() {
      super((Class<T>) Object.class);
    }

    @Override
    public Behavior<T> aroundStart(TypedActorContext<T> ctx, PreStartTarget<T> target) {
      return guarded(ctx, () -> target.start(ctx));
    }

    @Override
    public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
      // every message: no lambda on this path
      try {
        return target.apply(ctx, msg);
      } catch (OutOfMemoryError e) {
        return endSystem(ctx);
      }
    }

    @Override
    public Behavior<T> aroundSignal(TypedActorContext<T> ctx, Signal signal, SignalTarget<T> target) {
      return guarded(ctx, () -> target.apply(ctx, signal));
    }

    private Behavior<T> guarded(TypedActorContext<T> ctx, java.util.function.Supplier<Behavior<T>> step) {
      try {
        return step.get();
      } catch (OutOfMemoryError e) {
        return endSystem(ctx);
      }
    }

    private Behavior<T> endSystem(TypedActorContext<T> ctx) {
      strike();
      // the reason first: the actor's stop may end the system (a guardian) before anything else
      CoordinatedShutdown.get(ctx.asJava().getSystem()).run(REASON);
      return Behaviors.stopped();
    }
  }
}
