package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.Await;
import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.LiveStats;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ResNet-18 at 64x64 on 5PP across two member JVMs: the logits are bit-identical to one JVM's,
 * and what a vertex sends to the other member leaves in at most one envelope per flush, many
 * rows in each.
 */
@org.junit.jupiter.api.Timeout(value = 5, unit = TimeUnit.MINUTES)
class EnvelopeClusterTest {
  static final long SEED = 11;
  static final int IMAGES = 6;
  static MemberJvms jvms;

  @BeforeAll
  static void start() throws Exception {
    jvms = new MemberJvms(2, 1000, i -> List.of());
  }

  @AfterAll
  static void stop() {
    jvms.close();
  }

  @Test
  void twoMembersComputeWhatOneJvmComputesSendingOneEnvelopePerMemberAndFlush() throws Exception {
    Network net = Zoo.get("resnet18", 64, 64);
    Weights weights = Weights.he(net, SEED);
    CoreGraph graph = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric fabric = Fabrics.parse("5pp", graph.cores().size());
    Placement placement = Placement.along(LinearOrder.search(graph), fabric);
    RunReport single = Emulator.run(graph, weights, fabric, placement, Images.synthetic(net.input(), SEED, IMAGES),
        RunOptions.DEFAULT, i -> { });
    assertThat(jvms.awaitUp(180)).as("two members up").isTrue();

    ArrayRecipe recipe = new ArrayRecipe("resnet18", "64x64", null, null, null, 0, SEED, "256x256", Tiling.Concat.FORWARD,
        8, 16, "5pp", placement.vertexOf(), RunOptions.DEFAULT);
    LiveStats live = new LiveStats(fabric.nodes(), RunOptions.DEFAULT.tMvmSeconds());
    Map<String, Long> expectedBits = new HashMap<>();
    single.channels().forEach(c -> expectedBits.put(c.from() + ">" + c.to(), Math.round(c.bytesPerImage() * 8 * IMAGES)));
    boolean[] settled = new boolean[1];
    RunReport r = ClusterRun.run(recipe, graph, weights, fabric, placement, Images.synthetic(net.input(), SEED, IMAGES),
        RunOptions.DEFAULT, done -> {
          if (done == IMAGES) {
            // every image is out, so everything has been sent: wait here, in the coordinator,
            // until the members' counters (polled once a second) show every channel's final bits
            settled[0] = Await.within(Duration.ofSeconds(30), () -> settled(live, expectedBits));
          }
        }, MemberSettings.of("127.0.0.1", 0, List.of(jvms.addresses.get(0).substring("fivepp@".length()))), 2,
        Duration.ofSeconds(120), Map.of(), live, null);

    assertThat(r.images()).isEqualTo(IMAGES);
    for (int i = 0; i < IMAGES; i++) {
      assertThat(r.logits()[i]).as("image %d", i).containsExactly(single.logits()[i]);
    }
    assertThat(r.members()).hasSize(2);
    assertThat(r.incidents()).isEmpty();
    assertThat(settled[0]).as("the members' final counters reached the coordinator").isTrue();

    Map<Integer, String> memberOf = new HashMap<>();
    live.vertices().forEach(v -> memberOf.put(v.vertex, v.member()));
    long crossMessages = 0;
    for (LiveStats.Channel c : live.channels()) {
      if (!memberOf.get(c.from).equals(memberOf.get(c.to))) {
        crossMessages += c.messages();
      }
    }
    long envelopes = 0;
    int senders = 0;
    for (LiveStats.Vertex v : live.vertices()) {
      LiveStats.Envelopes e = v.envelopes();
      for (Map.Entry<String, Long> m : e.envelopesOut().entrySet()) {
        assertThat(m.getKey()).as("vertex %d sends to the other member", v.vertex).isNotEqualTo(v.member());
        // at most one envelope per (vertex, remote member, flush)
        assertThat(m.getValue()).as("envelopes from vertex %d to %s", v.vertex, m.getKey())
            .isPositive().isLessThanOrEqualTo(e.flushes());
        envelopes += m.getValue();
      }
      senders += e.envelopesOut().isEmpty() ? 0 : 1;
    }
    System.out.printf("resnet18 64x64 on 2 members, %d images: %d data messages crossed members in %d envelopes"
        + " from %d vertices (%.1f per envelope, %.0f data messages per image across members)%n", IMAGES,
        crossMessages, envelopes, senders, (double) crossMessages / envelopes, (double) crossMessages / IMAGES);
    assertThat(senders).isPositive();
    // batched: many rows travel in each envelope
    assertThat(crossMessages).isGreaterThan(2 * envelopes);
    // the report, from the vertices' final stats, says the same per member
    assertThat(r.members().stream().mapToDouble(m -> m.messagesOutPerImage() * IMAGES).sum())
        .isCloseTo(crossMessages, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(r.members().stream().mapToDouble(m -> m.envelopesOutPerImage() * IMAGES).sum())
        .isCloseTo(envelopes, org.assertj.core.api.Assertions.within(1e-6));
    // each member's heap held at least its own weights
    for (RunReport.MemberReport m : r.members()) {
      RunReport.MemberShare share = r.memberShares().stream().filter(x -> x.address().equals(m.address()))
          .findFirst().orElseThrow();
      assertThat(m.heapPeakBytes()).as("heap peak of %s", m.address()).isGreaterThan(share.weightBytes());
    }
    // and the modelled hardware's timing is the one-JVM run's, image by image
    assertThat(r.virtualDone()).containsExactly(single.virtualDone());
  }

  @Test
  void imagesGoInEnvelopesSoPixelGranularityLosesNothingOnTheWayToAMember() throws Exception {
    // an image of ResNet-20 is 1,024 pixel messages into conv1; 16 in flight told one by one
    // would pass Artery's outbound queue of 3,072, which drops silently, and the run would hang
    Network net = Zoo.get("resnet20");
    Weights weights = Weights.he(net, SEED);
    CoreGraph graph = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric fabric = Fabrics.parse("5pp", graph.cores().size());
    Placement placement = Placement.along(LinearOrder.search(graph), fabric);
    RunOptions o = RunOptions.DEFAULT.withPixels(true);
    int images = 20;
    RunReport single = Emulator.run(graph, weights, fabric, placement, Images.synthetic(net.input(), SEED, images),
        o, i -> { });
    assertThat(jvms.awaitUp(180)).as("two members up").isTrue();
    ArrayRecipe recipe = new ArrayRecipe("resnet20", null, null, null, null, 0, SEED, "256x256", Tiling.Concat.FORWARD,
        8, 16, "5pp", placement.vertexOf(), o);
    RunReport r = ClusterRun.run(recipe, graph, weights, fabric, placement, Images.synthetic(net.input(), SEED, images),
        o, done -> { }, MemberSettings.of("127.0.0.1", 0, List.of(jvms.addresses.get(0).substring("fivepp@".length()))),
        2, Duration.ofSeconds(120), Map.of(), null, null);
    assertThat(r.members()).hasSize(2);
    for (int i = 0; i < images; i++) {
      assertThat(r.logits()[i]).as("image %d", i).containsExactly(single.logits()[i]);
    }
    assertThat(r.virtualDone()).containsExactly(single.virtualDone());
  }

  @Test
  void squeezeAndExcitationGatesCrossMembersAndChangeNoBit() throws Exception {
    // EfficientNet-B0's 16 gates: a gated core on one member may wait for a gate from the other
    Network net = Zoo.get("efficientnet_b0", 64, 64);
    int images = 3;
    Single one = single(net, RunOptions.DEFAULT, images);
    ArrayRecipe recipe = new ArrayRecipe("efficientnet_b0", "64x64", null, null, null, 0, SEED, "256x256",
        Tiling.Concat.FORWARD, 8, 16, "5pp", one.placement.vertexOf(), RunOptions.DEFAULT);
    RunReport r = ClusterRun.run(recipe, one.graph, one.weights, one.fabric, one.placement,
        Images.synthetic(net.input(), SEED, images), RunOptions.DEFAULT, done -> { },
        MemberSettings.of("127.0.0.1", 0, List.of(jvms.addresses.get(0).substring("fivepp@".length()))),
        2, Duration.ofSeconds(120), Map.of(), null, null);
    assertThat(r.members()).hasSize(2);
    assertThat(r.memberShares()).allSatisfy(m -> assertThat(m.cores()).isPositive());
    for (int i = 0; i < images; i++) {
      assertThat(r.logits()[i]).as("image %d", i).containsExactly(one.report.logits()[i]);
    }
    assertThat(r.virtualDone()).containsExactly(one.report.virtualDone());
  }

  /** A network mapped on 5PP at 256x256, seeded, and its run in this JVM; the members are up. */
  private record Single(Weights weights, CoreGraph graph, Fabric fabric, Placement placement, RunReport report) {}

  private static Single single(Network net, RunOptions o, int images) throws Exception {
    Weights weights = Weights.he(net, SEED);
    CoreGraph graph = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric fabric = Fabrics.parse("5pp", graph.cores().size());
    Placement placement = Placement.along(LinearOrder.search(graph), fabric);
    RunReport report = Emulator.run(graph, weights, fabric, placement, Images.synthetic(net.input(), SEED, images),
        o, i -> { });
    assertThat(jvms.awaitUp(180)).as("two members up").isTrue();
    return new Single(weights, graph, fabric, placement, report);
  }

  /** Every channel's bits in the coordinator's copy of the members' counters are the final ones. */
  static boolean settled(LiveStats live, Map<String, Long> expectedBits) {
    List<LiveStats.Channel> cs = live.channels();
    if (cs.size() < expectedBits.size()) {
      return false;
    }
    for (LiveStats.Channel c : cs) {
      Long want = expectedBits.get(c.from + ">" + c.to);
      if (want != null && c.bits() != want) {
        return false;
      }
    }
    return live.vertices().stream().allMatch(v -> v.member() != null);
  }
}
