package fivepp.runtime;

import fivepp.model.Weights;
import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Placement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.IntConsumer;
import org.apache.pekko.actor.typed.ActorSystem;

/** Runs a mapped network on an array of core actors in one JVM and returns the report. */
public final class Emulator {
  private Emulator() {}

  /**
   * Runs {@code images} through the array and returns the report.
   *
   * @throws java.io.IOException when an image cannot be read
   */
  public static RunReport run(CoreGraph g, Weights w, Fabric fabric, Placement placement,
      Images.Source images, RunOptions options, IntConsumer progress) throws java.io.IOException {
    return run(g, w, fabric, placement, images, options, progress, (LiveStats) null);
  }

  /**
   * As {@link #run(CoreGraph, Weights, Fabric, Placement, Images.Source, RunOptions, IntConsumer)},
   * publishing the array's counters to {@code live} (null: nobody watches) while it runs.
   *
   * @throws java.io.IOException when an image cannot be read
   */
  public static RunReport run(CoreGraph g, Weights w, Fabric fabric, Placement placement,
      Images.Source images, RunOptions options, IntConsumer progress, LiveStats live)
      throws java.io.IOException {
    return run(g, w, fabric, placement, images, options, progress, Deployment.local(options, live),
        com.typesafe.config.ConfigFactory.load(), live);
  }

  /**
   * Runs {@code images} through an array that {@code deployment} builds, from an actor system
   * with {@code config} (a cluster member's, for a run across machines), and returns the report.
   *
   * @throws java.io.IOException when an image cannot be read
   */
  public static RunReport run(CoreGraph g, Weights w, Fabric fabric, Placement placement,
      Images.Source images, RunOptions options, IntConsumer progress, Deployment deployment,
      com.typesafe.config.Config config, LiveStats live) throws java.io.IOException {
    Heap.resetPeak();
    List<CorePlan> plans;
    if (deployment.computesHere()) {
      plans = CorePlan.of(g, w, placement.vertexOf(), fabric::route);
      Kernels.warmUp();
    } else {
      // the members draw their own cores' weights and compile their own kernels: a coordinator
      // that drew them all too would hold the array's weights, and its JIT would take CPU time
      // from the members on a shared host while the run is measured
      plans = CorePlan.routesOf(g, placement.vertexOf(), fabric::route);
    }
    org.slf4j.LoggerFactory.getILoggerFactory();
    CompletableFuture<RunReport> result = new CompletableFuture<>();
    // the run's actors are guarded (OutOfHeap); should the heap run out elsewhere on a dispatcher
    // thread, Pekko's default would end the JVM with exit status 255: let it stop the actor
    // system instead, which ends the run with its reason
    config = com.typesafe.config.ConfigFactory.parseString("pekko.jvm-exit-on-fatal-error = off\n" + OutOfHeap.DISPATCHERS)
        .withFallback(config);
    ActorSystem<Coordinator.Command> system = ActorSystem.create(
        Coordinator.create(new Coordinator.Setup(g, plans, fabric, placement.vertexOf(), images,
            options, progress, result, deployment, live)), "fivepp", config);
    // a coordinator that is downed, or told to leave, ends its run at once with the reason, even
    // if its actor system then takes long to stop (a member behind a slow link may never answer)
    org.apache.pekko.actor.CoordinatedShutdown.get(system).addTask(
        org.apache.pekko.actor.CoordinatedShutdown.PhaseBeforeServiceUnbind(), "fivepp-run-stops", () -> {
          if (!result.isDone()) {
            result.completeExceptionally(new Deployment.Failed("the run stopped before it finished: "
                + stopReason(system) + " (on a cluster: a member or this coordinator was unreachable too long)"));
          }
          return CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
        });
    system.getWhenTerminated().whenComplete((done, err) -> {
      if (!result.isDone()) {
        result.completeExceptionally(new Deployment.Failed("the actor system stopped before the run finished"
            + (err == null ? "" : ": " + err) + " (on a cluster: this coordinator was downed or left)"));
      }
    });
    try {
      // an actor out of heap ends the run even when no actor can complete the result any more
      CompletableFuture.anyOf(result, OutOfHeap.struck()).get();
      if (OutOfHeap.struck().isDone()) {
        throw new OutOfMemoryError("an actor of the run ran out of heap");
      }
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (OutOfHeap.struck().isDone()) {
        // whatever else failed (a core that stopped, say) failed for want of heap
        throw new OutOfMemoryError("an actor of the run ran out of heap");
      }
      if (e.getCause() instanceof java.io.IOException io) {
        throw io;
      }
      if (e.getCause() instanceof Deployment.Failed f) {
        throw new Deployment.Failed(f.getMessage());
      }
      if (e.getCause() instanceof OutOfMemoryError oom) {
        // on this thread, for the caller (the command line prints one line for it)
        throw new OutOfMemoryError(oom.getMessage());
      }
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } finally {
      system.terminate();
      try {
        // long enough to leave a cluster gracefully; never forever (and not long with a full heap)
        system.getWhenTerminated().toCompletableFuture().get(OutOfHeap.struck().isDone() ? 5 : 60,
            java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        org.slf4j.LoggerFactory.getLogger(Emulator.class).warn("the actor system did not stop in time", e);
      }
    }
  }

  /** Why the coordinated shutdown of {@code system} began, in words. */
  static String stopReason(ActorSystem<?> system) {
    return org.apache.pekko.actor.CoordinatedShutdown.get(system).getShutdownReason()
        .map(r -> r == org.apache.pekko.actor.CoordinatedShutdown.clusterDowningReason()
            ? "this coordinator was downed by the cluster"
            : r == org.apache.pekko.actor.CoordinatedShutdown.clusterLeavingReason()
                ? "this coordinator was told to leave the cluster"
                : "its actor system was shut down (" + r.getClass().getSimpleName().replace("$", "") + ")")
        .orElse("its actor system was shut down");
  }
}
