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
   * Runs the array described by {@code spec} (and built here as {@code g}, {@code w} for the
   * coordinator's own bookkeeping) on the members reached through {@code coordinator}'s seeds.
   *
   * @param coordinator this JVM's member settings; the role {@code coordinator} is added
   * @param membersWanted members to wait for before the array is built
   * @param wait how long to wait for them
   * @param explicit vertices per member (HOST:PORT), or empty for segments sized to capacity
   */
  public static RunReport run(ArraySpec spec, CoreGraph g, Weights w, Fabric f, Placement p,
      Images.Source images, RunOptions options, IntConsumer progress, MemberSettings coordinator,
      int membersWanted, Duration wait, Map<String, int[]> explicit) throws IOException {
    List<String> roles = new java.util.ArrayList<>(coordinator.roles());
    if (!roles.contains("coordinator")) {
      roles.add("coordinator");
    }
    MemberSettings s = coordinator.withRoles(roles);
    return Emulator.run(g, w, f, p, images, options, progress,
        new ClusterDeployment(spec, membersWanted, wait, explicit), MemberConfig.of(s));
  }
}
