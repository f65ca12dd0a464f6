package fivepp.cluster;

import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Placement;
import fivepp.model.Weights;
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A run whose cores live on cluster members: this JVM joins the cluster as a member with role
 * {@code coordinator} (it hosts no cores), injects the images and collects the outputs.
 */
public final class ClusterRun {
  private ClusterRun() {}

  /**
   * Runs the array described by {@code recipe} (and built here as {@code g}, {@code w} for the
   * coordinator's own bookkeeping) on the members reached through {@code coordinator}'s seeds.
   *
   * @param coordinator this JVM's member settings; the role {@code coordinator} is added
   * @param membersWanted members to wait for before the array is built
   * @param wait how long to wait for them
   * @param explicit vertices per member (HOST:PORT), or empty for segments balanced by work
   * @return the report, with each member's share of the array it ran last
   * @param live where the members' counters are gathered for the live monitor, or null
   * @param profile the cores' busy time measured in an earlier run, to balance the members by, or
   *     null for the model's estimate
   */
  public static RunReport run(ArrayRecipe recipe, CoreGraph g, Weights w, Fabric f, Placement p,
      Images.Source images, RunOptions options, IntConsumer progress, MemberSettings coordinator,
      int membersWanted, Duration wait, Map<String, int[]> explicit, fivepp.runtime.LiveStats live,
      WorkProfile profile) throws IOException {
    List<String> roles = new java.util.ArrayList<>(coordinator.roles());
    if (!roles.contains("coordinator")) {
      roles.add("coordinator");
    }
    MemberSettings s = coordinator.withRoles(roles);
    com.typesafe.config.Config config = MemberHocon.of(s);
    checkFrames(g, options, config.getBytes("pekko.remote.artery.advanced.maximum-frame-size"));
    VertexCosts costs = VertexCosts.of(g, p.vertexOf(), f::route, options.pixels(), options.window(), recipe.onnx() != null);
    if (profile != null) {
      try {
        costs = profile.apply(costs);
      } catch (IllegalArgumentException e) {
        throw new fivepp.runtime.Deployment.Failed(e.getMessage());
      }
    }
    ClusterDeployment d = new ClusterDeployment(recipe, costs, membersWanted, wait, explicit, live);
    return Emulator.run(g, w, f, p, images, options, progress, d, config, live);
  }

  /**
   * Refuses an array whose largest message (a row, or a pixel, of a layer's output or partial
   * sums, as float32) would not fit in one Artery frame: Artery drops such a message.
   */
  static void checkFrames(CoreGraph g, RunOptions options, long frame) {
    for (fivepp.model.Layer l : g.network().layers()) {
      for (fivepp.model.Shape sh : List.of(g.network().outputOf(l.name()), l.convOutput())) {
        long bytes = (long) sh.channels() * (options.pixels() ? 1 : sh.width()) * 4 + 1024;
        if (bytes > frame) {
          throw new fivepp.runtime.Deployment.Failed("a row of layer " + l.name() + " (" + sh + ") takes "
              + bytes + " bytes on the wire, more than Artery's maximum-frame-size of " + frame
              + " bytes: use --granularity pixel, or raise pekko.remote.artery.advanced.maximum-frame-size"
              + " in a --config file on every member and the coordinator");
        }
      }
    }
  }
}
