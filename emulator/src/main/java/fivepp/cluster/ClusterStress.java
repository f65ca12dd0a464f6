package fivepp.cluster;

import fivepp.runtime.Deployment;
import fivepp.stress.StressResult;
import fivepp.stress.StressSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Stress runs whose routers span cluster members: this JVM joins the cluster as a member with role
 * {@code coordinator} (it hosts no routers) and runs one stress run after another on the members,
 * each cut into regions that run in windows of the lookahead (see {@link fivepp.stress.Simulator}). The result of
 * a run equals the one JVM's, bit for bit.
 */
public final class ClusterStress implements AutoCloseable {

  /**
   * A run's result, where its regions ran (member address to nodes, in region order), the
   * directed channels between members, the incidents (members lost, after each of which the run
   * started again), the cycles between exchanges (the lookahead) and the step messages the regions
   * sent each other (one per pair of regions and window).
   */
  public record Outcome(StressResult result, Map<String, int[]> regions, int channelsBetween, List<String> incidents,
      int exchangeEvery, long steps) {}

  private final ActorSystem<StressConductor.Command> system;

  private ClusterStress(ActorSystem<StressConductor.Command> system) {
    this.system = system;
  }

  /**
   * Joins the cluster through {@code coordinator}'s seeds.
   *
   * @param membersWanted members to wait for before the first run is placed
   * @param wait how long to wait for them (and for a placement after a member is lost)
   * @param explicit nodes per member (HOST:PORT), or empty for regions sized to capacity
   * @param events hears one line when a run starts on its members, and one per incident
   */
  public static ClusterStress join(MemberSettings coordinator, int membersWanted, Duration wait,
      Map<String, int[]> explicit, java.util.function.Consumer<String> events) {
    List<String> roles = new ArrayList<>(coordinator.roles());
    if (!roles.contains("coordinator")) {
      roles.add("coordinator");
    }
    StressConductor.Settings s = new StressConductor.Settings(membersWanted, wait, Map.copyOf(explicit), events);
    org.slf4j.LoggerFactory.getILoggerFactory();
    return new ClusterStress(ActorSystem.create(StressConductor.create(s), MemberSettings.SYSTEM,
        MemberHocon.of(coordinator.withRoles(roles))));
  }

  /**
   * Runs {@code spec} (built here as {@code built}) on the members.
   *
   * @throws Deployment.Failed with one line when the members cannot be found or cannot run it
   */
  public Outcome run(StressSpec spec, StressSpec.Built built) {
    return run(spec, built, null);
  }

  /**
   * Runs {@code spec} on the members and publishes its counters, added up over the regions, to
   * {@code meter} every {@link fivepp.stress.TrafficMeter#EVERY} cycles and at the end.
   *
   * @throws Deployment.Failed with one line when the members cannot be found or cannot run it
   */
  public Outcome run(StressSpec spec, StressSpec.Built built, fivepp.stress.TrafficMeter meter) {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    system.getWhenTerminated().whenComplete((t, err) -> done.completeExceptionally(new Deployment.Failed(
        "the actor system stopped before the stress run finished (this coordinator was downed or left)")));
    system.tell(new StressConductor.RunStress(spec, built, meter, done));
    try {
      return done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Deployment.Failed f) {
        throw new Deployment.Failed(f.getMessage());
      }
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** Leaves the cluster; the members stop whatever regions of this JVM's runs they still hold. */
  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }
}
