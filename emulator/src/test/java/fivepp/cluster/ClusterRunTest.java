package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.Await;
import fivepp.cli.Main;
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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * ResNet-32 on 5PP across three member JVMs on 127.0.0.1 (each started with {@code fivepp node},
 * capacity 30 vertices), coordinated from this JVM: bit-identical to the single-JVM run with the
 * same seed, refused when the members are too small, and completed after one member is killed
 * with SIGKILL mid-run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClusterRunTest {
  static final int CAPACITY = 30;
  static final long SEED = 7;
  static final int IMAGES = 240;
  static final List<Process> MEMBERS = new ArrayList<>();
  static final List<String> ADDRESSES = new ArrayList<>();
  static MemberJvms jvms;
  /** Member 3 serves its own live monitor on this port. */
  static int monitorPort;
  static Network net;
  static Weights weights;
  static CoreGraph graph;
  static Fabric fabric;
  static Placement placement;
  static RunReport single;

  @BeforeAll
  static void start() throws Exception {
    monitorPort = MemberJvms.freePorts(1)[0];
    jvms = new MemberJvms(3, CAPACITY, i -> i == 2 ? List.of("--monitor-port", Integer.toString(monitorPort)) : List.of());
    MEMBERS.addAll(jvms.processes);
    ADDRESSES.addAll(jvms.addresses);
    net = Zoo.get("resnet32");
    weights = Weights.he(net, SEED);
    graph = CoreGraph.of(net, Tiling.DEFAULT);
    fabric = Fabrics.parse("5pp", graph.cores().size());
    placement = Placement.along(LinearOrder.search(graph), fabric);
    single = Emulator.run(graph, weights, fabric, placement, Images.synthetic(net.input(), SEED, IMAGES),
        RunOptions.DEFAULT, i -> { });
    assertThat(jvms.awaitUp(180)).as("three members up").isTrue();
  }

  @AfterAll
  static void stop() {
    jvms.close();
  }

  /** Cores of member 3 with MVMs done, as its monitor's /api/snapshot shows them (-1: no answer). */
  static long busyCoresOnMember3() {
    try {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + monitorPort + "/api/snapshot"))
              .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      com.fasterxml.jackson.databind.JsonNode cores = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(r.body()).get("cores");
      long n = 0;
      for (com.fasterxml.jackson.databind.JsonNode c : cores) {
        if (c.get("member").asText().equals(ADDRESSES.get(2)) && c.get("mvms").asLong() > 0) {
          n++;
        }
      }
      return n;
    } catch (java.io.IOException | InterruptedException e) {
      return -1;
    }
  }

  static ArrayRecipe recipe(String model) {
    return new ArrayRecipe(model, null, null, null, null, 0, SEED, "256x256", Tiling.Concat.FORWARD, 8, 16, "5pp",
        placement.vertexOf(), RunOptions.DEFAULT);
  }

  static MemberSettings coordinator() {
    return MemberSettings.of("127.0.0.1", 0, List.of(ADDRESSES.get(0).substring("fivepp@".length())));
  }

  static void assertBitIdentical(RunReport r, int images) {
    assertThat(r.images()).isEqualTo(images);
    for (int i = 0; i < images; i++) {
      assertThat(r.logits()[i]).as("image %d", i).containsExactly(single.logits()[i]);
    }
  }

  @Test
  @Order(1)
  void threeMembersComputeExactlyWhatOneJvmComputes() throws Exception {
    LiveStats live = new LiveStats(fabric.nodes(), RunOptions.DEFAULT.tMvmSeconds());
    long[] midRun = new long[2];
    long[] memberView = new long[1];
    List<LiveStats.Health> healthMidRun = new java.util.concurrent.CopyOnWriteArrayList<>();
    // equal members (same host): the work cut gives 10, 20 and 30 cores in address order
    long onMember3 = List.of(10L, 20L, 30L).get(ADDRESSES.stream().sorted().toList().indexOf(ADDRESSES.get(2)));
    RunReport r = ClusterRun.run(recipe("resnet32"), graph, weights, fabric, placement,
        Images.synthetic(net.input(), SEED, 200), RunOptions.DEFAULT, done -> {
          if (done == 100) {
            // mid-run, the members' counters reach this JVM (polled once a second): wait for
            // them here, in the coordinator, which holds back the next images meanwhile
            long deadline = System.nanoTime() + 20_000_000_000L;
            Await.within(Duration.ofSeconds(20), () -> live.vertices().size() >= 60
                && live.vertices().stream().allMatch(v -> v.member() != null && v.mvms() > 0));
            midRun[0] = live.vertices().stream().filter(v -> v.member() != null && v.mvms() > 0).count();
            midRun[1] = live.vertices().stream().mapToLong(LiveStats.Vertex::mvms).sum();
            healthMidRun.addAll(live.health());
            // member 3's own monitor shows the cores it hosts, working
            Await.within(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                () -> (memberView[0] = busyCoresOnMember3()) >= onMember3);
          }
        }, coordinator(), 3, Duration.ofSeconds(120), Map.of(), live, null);
    assertThat(midRun[0]).as("vertices reported live by their members mid-run").isEqualTo(60);
    assertThat(memberView[0]).as("cores with MVMs on member 3's own /api/snapshot").isEqualTo(onMember3);
    // every member answering for its counters, shown reachable
    assertThat(healthMidRun).extracting(LiveStats.Health::member).containsExactlyElementsOf(ADDRESSES.stream().sorted().toList());
    assertThat(healthMidRun).allSatisfy(h -> assertThat(h.reachable()).isTrue());
    assertBitIdentical(r, 200);
    // 60 vertices in three contiguous segments balanced by work, one per member: stage 1's
    // 32x32 cores cost most, so the first member takes 10 of them, and the last, capped by its
    // capacity of 30, stages 2 and 3 (work shares 35 %, 38 %, 27 %: the best cut the cap allows)
    assertThat(r.members()).extracting(RunReport.MemberReport::address).containsExactlyElementsOf(
        ADDRESSES.stream().sorted().toList());
    assertThat(r.members()).extracting(RunReport.MemberReport::cores).containsExactly(10, 20, 30);
    assertThat(r.memberShares()).extracting(RunReport.MemberShare::cores).containsExactly(10, 20, 30);
    assertThat(r.memberShares()).extracting(s -> Math.round(100 * s.workShare())).containsExactly(35L, 38L, 27L);
    // the bytes planned to cross members are those measured
    assertThat(r.memberShares()).extracting(RunReport.MemberShare::bytesOutPerImage).containsExactlyElementsOf(
        r.members().stream().map(RunReport.MemberReport::bytesOutPerImage).toList());
    assertThat(r.incidents()).isEmpty();
    assertThat(r.imagesRedone()).isZero();
    // what crosses members is what the channels between segments carry, and the pipeline's cut
    // flows are a fraction of all channel traffic
    double all = r.channels().stream().mapToDouble(RunReport.ChannelReport::bytesPerImage).sum();
    assertThat(r.crossMemberBytesPerImage()).isEqualTo(
        r.members().stream().mapToDouble(RunReport.MemberReport::bytesOutPerImage).sum());
    assertThat(r.crossMemberBytesPerImage()).isPositive().isLessThan(all / 4);
    // channel bytes are those of the single-JVM run, channel by channel
    assertThat(r.channels()).containsExactlyElementsOf(single.channels());
    // and so is every virtual figure: the modelled hardware does not know where its cores ran
    // (image i's timing depends on images 0..i only, so the 240-image run's first 200 count)
    assertThat(r.virtualDone()).containsExactly(java.util.Arrays.copyOf(single.virtualDone(), 200));
    // the live monitor's counters, gathered from the members, end at the run's totals, each
    // core labelled with the member it ran on
    assertThat(live.vertices()).hasSize(60);
    long total = r.cores().stream().mapToLong(RunReport.CoreReport::mvms).sum();
    assertThat(live.vertices().stream().mapToLong(LiveStats.Vertex::mvms).sum()).isEqualTo(total);
    assertThat(midRun[1]).isPositive().isLessThan(total);
    assertThat(live.vertices().stream().map(LiveStats.Vertex::member).distinct().sorted().toList())
        .containsExactlyElementsOf(ADDRESSES.stream().sorted().toList());
    for (RunReport.ChannelReport c : r.channels()) {
      LiveStats.Channel lc = live.channels().stream().filter(x -> x.from == c.from() && x.to == c.to())
          .findFirst().orElseThrow();
      assertThat(lc.bits() / 8.0 / 200).isEqualTo(c.bytesPerImage());
    }
  }

  /**
   * A replicated array (conv1 and stage 1 of ResNet-32 in two copies, 71 cores) on the three
   * members: each member rebuilds the same copies from the recipe's budget; the logits are those
   * of the array without copies in one JVM, and the virtual throughput reaches the raised bound.
   */
  @Test
  @Order(2)
  void aReplicatedArrayRunsOnTheMembersWithTheLogitsOfOneJvm() throws Exception {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT, fivepp.mapping.Replication.auto(graph, 71));
    assertThat(g.cores()).hasSize(71);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    ArrayRecipe recipe = new ArrayRecipe("resnet32", null, null, null, null, 0, SEED, "256x256", Tiling.Concat.FORWARD,
        8, 16, "5pp", p.vertexOf(), RunOptions.DEFAULT, 71);
    RunReport r = ClusterRun.run(recipe, g, weights, f, p, Images.synthetic(net.input(), SEED, 40), RunOptions.DEFAULT,
        done -> { }, coordinator(), 3, Duration.ofSeconds(120), Map.of(), null, null);
    assertBitIdentical(r, 40);
    assertThat(r.members()).hasSize(3);
    assertThat(r.virtualBoundImagesPerSecond()).isEqualTo(1 / (512 * 100e-9));
    assertThat(r.virtualImagesPerSecond()).isGreaterThanOrEqualTo(0.98 / (512 * 100e-9));
    assertThat(r.incidents()).isEmpty();
  }

  @Test
  @Order(3)
  void anArrayLargerThanTheMembersIsRefusedInOneLineAndExitStatus2() {
    // ResNet-56 at 256x256 needs 108 vertices; three members of capacity 30 host 90
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), "run", "--model", "resnet56", "--images", "1",
        "--seed", Long.toString(SEED), "--cluster", ADDRESSES.get(0).substring("fivepp@".length()), "--members", "3",
        "--cluster-wait", "120");
    assertThat(code).isEqualTo(2);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString().lines().filter(l -> l.startsWith("fivepp: ")).toList()).containsExactly(
        "fivepp: the cluster's 3 member(s) host at most 90 vertices and the array needs 108:"
            + " start more members or raise their --capacity");
  }

  @Test
  @Order(4)
  void unreachableSeedsAreOneLineAndExitStatus2() throws Exception {
    int free;
    try (ServerSocket s = new ServerSocket(0)) {
      free = s.getLocalPort();
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), "run", "--model", "resnet20", "--images", "1",
        "--cluster", "127.0.0.1:" + free, "--cluster-wait", "2");
    assertThat(code).isEqualTo(2);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString().lines().filter(l -> l.startsWith("fivepp: ")).toList()).containsExactly(
        "fivepp: waited 2 s for 1 cluster member(s) hosting cores; members found: none"
            + " (start members with 'fivepp node', or raise --cluster-wait)");
  }

  @Test
  @Order(5)
  void aMemberKilledMidRunIsReplacedAndEveryImageIsReportedOnce() throws Exception {
    Process victim = MEMBERS.get(1);
    LiveStats live = new LiveStats(fabric.nodes(), RunOptions.DEFAULT.tMvmSeconds());
    RunReport r = ClusterRun.run(recipe("resnet32"), graph, weights, fabric, placement,
        Images.synthetic(net.input(), SEED, IMAGES), RunOptions.DEFAULT, done -> {
          if (done == 60) {
            victim.destroyForcibly(); // SIGKILL
          }
        }, coordinator(), 3, Duration.ofSeconds(120), Map.of(), live, null);
    assertThat(victim.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertBitIdentical(r, IMAGES);
    assertThat(r.incidents()).hasSize(1);
    assertThat(r.incidents().get(0)).startsWith("member " + ADDRESSES.get(1) + " ");
    // the monitor shows the lost member unreachable, with why
    LiveStats.Health gone = live.health().stream().filter(h -> h.member().equals(ADDRESSES.get(1))).findFirst().orElseThrow();
    assertThat(gone.reachable()).isFalse();
    assertThat(r.incidents().get(0)).contains(gone.incident());
    // the images in flight when the member died were redone: at most a window's worth
    assertThat(r.imagesRedone()).isBetween(1, RunOptions.DEFAULT.window());
    // the array was rebuilt on the two survivors: 30 + 30 vertices
    assertThat(r.members()).extracting(RunReport.MemberReport::address)
        .containsExactlyInAnyOrder(ADDRESSES.get(0), ADDRESSES.get(2));
    assertThat(r.members()).extracting(RunReport.MemberReport::cores).containsExactly(30, 30);
    assertThat(r.memberShares()).extracting(RunReport.MemberShare::address)
        .containsExactlyInAnyOrder(ADDRESSES.get(0), ADDRESSES.get(2));
  }
}
