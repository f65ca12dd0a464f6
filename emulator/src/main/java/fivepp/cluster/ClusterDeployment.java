package fivepp.cluster;

import fivepp.runtime.Coordinator;
import fivepp.runtime.CoreActor;
import fivepp.runtime.CorePlan;
import fivepp.runtime.Deployment;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * A {@link Deployment} on cluster members: the coordinator's {@link MemberDeployer} child places the
 * array's vertices on the members that are up, balanced by work, and watches them for the rest of
 * the run, and when the run is over it stops the deployer, which stops the members' share of the
 * run. The members' shares of the array last built come to the coordinator with the array.
 */
public final class ClusterDeployment implements Deployment {
  private final MemberDeployer.Settings settings;
  private ActorRef<MemberDeployer.Command> deployer;

  /**
   * @param costs what each vertex of the array costs, to balance the members by
   * @param membersWanted members to wait for before the first array is built
   * @param wait how long to wait for them (and for a rebuilt array's members)
   * @param explicit a user's placement of vertices on members (HOST:PORT to vertices), or empty
   * @param live the coordinator's live counters, which the members' are copied into once a second
   *     for the monitor; null when nobody watches
   */
  public ClusterDeployment(ArrayRecipe recipe, VertexCosts costs, int membersWanted, Duration wait,
      Map<String, int[]> explicit, fivepp.runtime.LiveStats live) {
    this.settings = new MemberDeployer.Settings(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE, recipe,
        costs, membersWanted, wait, Map.copyOf(explicit), live);
  }

  @Override
  public void deploy(ActorContext<Coordinator.Command> ctx, int epoch, SortedMap<Integer, CorePlan> plans) {
    if (deployer == null) {
      deployer = ctx.spawn(MemberDeployer.create(ctx.getSelf(), settings), "deployer");
      ctx.watch(deployer); // should it fail, the run fails instead of waiting for ever
    }
    deployer.tell(new MemberDeployer.Deploy(epoch, plans.keySet().stream().mapToInt(Integer::intValue).toArray()));
  }

  /** The cores are all on members, which build their own plans and weights. */
  @Override
  public boolean computesHere() {
    return false;
  }

  @Override
  public CoreActor.Transport transport(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return ArrayShare.transport(system);
  }

  @Override
  public void finish(ActorContext<Coordinator.Command> ctx) {
    // the deployer, the one owner of the members it found, tells them to stop the run as it stops
    if (deployer != null) {
      ctx.unwatch(deployer);
      ctx.stop(deployer);
    }
  }
}
