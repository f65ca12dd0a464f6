package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import fivepp.cli.Main;
import fivepp.stress.Simulator;
import fivepp.stress.SimulatorSettings;
import fivepp.stress.StressResult;
import fivepp.stress.StressSpec;
import fivepp.stress.Traffic;
import fivepp.stress.TrafficMeter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Stress runs whose routers span three member JVMs ({@code fivepp node}, capacity 40 routers each),
 * coordinated from this JVM: the same result, bit for bit, as the whole network simulated in one
 * JVM; the same after a member is killed with SIGKILL mid-run; refused in one line when the members
 * are too small.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.Timeout(value = 5, unit = TimeUnit.MINUTES)
class StressClusterTest {
  static final int CAPACITY = 40;
  static MemberJvms jvms;

  @BeforeAll
  static void start() throws Exception {
    jvms = new MemberJvms(3, CAPACITY, i -> List.of());
    assertThat(jvms.awaitUp(180)).as("three members up").isTrue();
  }

  @AfterAll
  static void stop() {
    jvms.close();
  }

  static MemberSettings coordinator() {
    return MemberSettings.of("127.0.0.1", 0, List.of(jvms.seed()));
  }

  /** 5PP under uniform traffic near its saturation, with a failed link, a slow link and corruption. */
  static StressSpec faulty5pp(int measure) {
    return new StressSpec("5pp", 64, "uniform", null, 0.3, Traffic.Injection.BERNOULLI, 10, "256x256",
        List.of("0-1"), List.of(), 0.002, List.of("2-3:3"), SimulatorSettings.DEFAULT.withCycles(300, measure, 20_000)
        .withSeed(3));
  }

  static StressResult oneJvm(StressSpec spec) {
    StressSpec.Built b = spec.build();
    return new Simulator(b.routes(), spec.traffic(b), spec.config(), b.faults()).run();
  }

  @Test
  @Order(1)
  void runsAcrossThreeMembersEqualTheOneJvmRunsBitForBit() {
    StressSpec faulty = faulty5pp(1_500);
    StressResult one = oneJvm(faulty);
    assertThat(one.dropped()).as("corruption drops packets").isGreaterThan(5);
    StressSpec cnn = new StressSpec("5pp", 64, "cnn:resnet20", null, 0.9, Traffic.Injection.PERIODIC, 1.0,
        "256x256", List.of(), List.of(), 0, List.of(), SimulatorSettings.DEFAULT.withCycles(200, 1_000, 20_000));
    cnn = cnn.withLinkGbps(cnn.build().mapping().bandwidth().busiestGbps());
    StressResult oneCnn = oneJvm(cnn);
    StressResult oneSlow = oneJvm(withDelays(faulty, 3, 4));
    // the same CNN with its bounding layers copied within 60 cores: the members build the same copies
    StressSpec copied = new StressSpec("5pp", 64, "cnn:resnet20", null, 0.9, Traffic.Injection.PERIODIC, 1.0,
        "256x256", List.of(), List.of(), 0, List.of(), SimulatorSettings.DEFAULT.withCycles(200, 1_000, 20_000), 60);
    copied = copied.withLinkGbps(copied.build().mapping().bandwidth().busiestGbps());
    assertThat(copied.build().mapping().graph().cores().size()).isGreaterThan(cnn.build().mapping().graph().cores().size());
    StressResult oneCopied = oneJvm(copied);
    try (ClusterStress c = ClusterStress.join(coordinator(), 3, Duration.ofSeconds(60), Map.of(), e -> { })) {
      ClusterStress.Outcome o = c.run(faulty, faulty.build());
      assertThat(o.regions().keySet()).containsExactlyElementsOf(jvms.addresses.stream().sorted().toList());
      assertThat(o.regions().values()).extracting(v -> v.length).containsExactly(21, 22, 21);
      assertThat(o.channelsBetween()).isGreaterThan(20);
      assertThat(o.incidents()).isEmpty();
      assertThat(o.result()).usingRecursiveComparison().ignoringFields("wallSeconds").isEqualTo(one);
      // a second run through the same coordinator: a CNN's pipeline flows with periodic sources
      ClusterStress.Outcome o2 = c.run(cnn, cnn.build());
      assertThat(o2.result().delivered()).isGreaterThan(500);
      assertThat(o2.result()).usingRecursiveComparison().ignoringFields("wallSeconds").isEqualTo(oneCnn);
      // default delays: one step per pair of regions and cycle, none in the cycle the run ends
      assertThat(o.exchangeEvery()).isEqualTo(1);
      assertThat(o.steps()).isEqualTo(3 * 2L * o.result().cycles());
      // credits back after 4 cycles, hops of 3: the members exchange every 3 cycles, in a third of the steps
      StressSpec slow = withDelays(faulty, 3, 4);
      ClusterStress.Outcome o3 = c.run(slow, slow.build());
      assertThat(o3.exchangeEvery()).isEqualTo(3);
      assertThat(o3.steps()).isEqualTo(3 * 2L * (o3.result().cycles() / 3));
      assertThat(o3.result()).usingRecursiveComparison().ignoringFields("wallSeconds").isEqualTo(oneSlow);
      assertThat(o3.result().avgLatency()).isGreaterThan(one.avgLatency());
      ClusterStress.Outcome o4 = c.run(copied, copied.build());
      assertThat(o4.result().delivered()).isGreaterThan(500);
      assertThat(o4.result()).usingRecursiveComparison().ignoringFields("wallSeconds").isEqualTo(oneCopied);
    }
  }

  @Test
  @Order(4)
  void oneRegionOnOneMemberSendsNoStepsAndEqualsTheOneJvmRun() {
    // every router on one member: one region, nothing to exchange, so no Step message in the whole run
    // (the region runs all its windows inside the Start message); the same result as one JVM
    StressSpec spec = withDelays(new StressSpec("mesh:5x5", 25, "uniform", null, 0.3, Traffic.Injection.BERNOULLI,
        10, "256x256", List.of(), List.of(), 0, List.of(), SimulatorSettings.DEFAULT.withCycles(200, 1_000, 20_000)
        .withSeed(5)), 4, 1);
    StressResult one = oneJvm(spec);
    String member = jvms.addresses.get(1);
    Map<String, int[]> all = Map.of(member, java.util.stream.IntStream.range(0, 25).toArray());
    try (ClusterStress c = ClusterStress.join(coordinator(), 3, Duration.ofSeconds(60), all, e -> { })) {
      ClusterStress.Outcome o = c.run(spec, spec.build());
      assertThat(o.regions().keySet()).containsExactly(member);
      assertThat(o.channelsBetween()).isZero();
      assertThat(o.exchangeEvery()).isEqualTo(1);
      assertThat(o.result().cycles()).isGreaterThan(1_200);
      assertThat(o.steps()).as("step messages of a one-region run").isZero();
      assertThat(o.result()).usingRecursiveComparison().ignoringFields("wallSeconds").isEqualTo(one);
    }
  }

  static StressSpec withDelays(StressSpec s, int router, int credit) {
    return new StressSpec(s.fabric(), s.nodes(), s.pattern(), s.hotspot(), s.rate(), s.injection(), s.linkGbps(),
        s.crossbar(), s.failLinks(), s.failNodes(), s.dropRate(), s.linkDelays(),
        s.config().withRouterDelay(router).withCreditDelay(credit));
  }

  static String[] mesh(boolean cluster) {
    List<String> a = new ArrayList<>(List.of("stress", "--fabric", "mesh:8x8", "--rate", "0.2", "--warmup", "200",
        "--cycles", "1000", "--format", "json"));
    if (cluster) {
      a.addAll(List.of("--cluster", jvms.seed(), "--members", "3"));
    }
    return a.toArray(String[]::new);
  }

  @Test
  @Order(2)
  void theCommandReportsTheSameRunAndWhereItsRegionsRan() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(Main.run(new PrintWriter(out), new PrintWriter(err), mesh(true))).as(err.toString()).isZero();
    StringWriter local = new StringWriter();
    assertThat(Main.run(new PrintWriter(local), new PrintWriter(new StringWriter()), mesh(false))).isZero();
    ObjectMapper json = new ObjectMapper();
    JsonNode run = json.readTree(out.toString()).get("runs").get(0);
    JsonNode regions = run.get("cluster").get("regions");
    assertThat(regions.size()).isEqualTo(3);
    // regions go to the members in address order
    assertThat(regions.get(jvms.addresses.stream().sorted().findFirst().orElseThrow()).asText()).isEqualTo("0-20");
    int[] regionOf = new int[64];
    java.util.Arrays.fill(regionOf, 21, 43, 1);
    java.util.Arrays.fill(regionOf, 43, 64, 2);
    int cut = fivepp.stress.RouteTable.class.cast(new StressSpec("mesh:8x8", 64, "uniform", null, 0.2,
        Traffic.Injection.BERNOULLI, 10, "256x256", List.of(), List.of(), 0, List.of(), SimulatorSettings.DEFAULT).build()
        .routes()).channelsBetween(regionOf);
    assertThat(cut).as("row-major 8x8 mesh cut after nodes 20 and 42: 9 links each way, twice").isEqualTo(36);
    assertThat(run.get("cluster").get("channelsBetweenMembers").asInt()).isEqualTo(cut);
    assertThat(err.toString()).contains("stress: started on 3 member(s)");
    JsonNode alone = json.readTree(local.toString()).get("runs").get(0);
    assertThat(alone.get("delivered").asLong()).isGreaterThan(500);
    for (JsonNode r : List.of(run, alone)) {
      ((ObjectNode) r).remove(List.of("cluster", "wallSeconds", "flitHopsPerSecond"));
    }
    assertThat(run).isEqualTo(alone);
  }

  @Test
  @Order(3)
  void aRunAcrossMembersIsWatchedLiveAndEndsWithItsOwnCounts() throws Exception {
    StressSpec spec = faulty5pp(6_000);
    StressSpec.Built b = spec.build();
    TrafficMeter meter = new TrafficMeter("5pp across members", b.routes(),
        (long) spec.config().warmup() + spec.config().measure());
    try (ClusterStress c = ClusterStress.join(coordinator(), 3, Duration.ofSeconds(60), Map.of(), e -> { })) {
      CompletableFuture<ClusterStress.Outcome> run = CompletableFuture.supplyAsync(() -> c.run(spec, b, meter));
      long seenCycle = -1;
      long seenDelivered = -1;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (seenCycle < 0 && !run.isDone() && System.nanoTime() < deadline) {
        long cycle = meter.cycle(); // read before the counts: they are published before the cycle
        if (cycle > 0 && !meter.done()) {
          seenCycle = cycle;
          seenDelivered = sum(meter::delivered, meter.nodes());
        }
        Thread.sleep(5); // polling the meter while the run goes, bounded by the deadline
      }
      StressResult r = run.get(240, TimeUnit.SECONDS).result();
      assertThat(seenCycle).as("a cycle published mid-run").isPositive();
      assertThat(seenCycle % TrafficMeter.EVERY).isZero();
      assertThat(seenDelivered).isBetween(1L, r.delivered() - 1);
      assertThat(meter.done()).isTrue();
      assertThat(meter.cycle()).isEqualTo(r.cycles());
      assertThat(sum(meter::injected, meter.nodes())).isEqualTo(r.generated());
      assertThat(sum(meter::delivered, meter.nodes())).isEqualTo(r.delivered());
      assertThat(sum(meter::ejectedFlits, meter.nodes())).isEqualTo(r.delivered() * spec.config().packetFlits());
      assertThat(sum(meter::channelFlits, meter.channels())).isEqualTo(r.flitHops());
      assertThat(r.dropped()).isPositive();
    }
  }

  static long sum(java.util.function.IntToLongFunction f, int n) {
    long s = 0;
    for (int i = 0; i < n; i++) {
      s += f.applyAsLong(i);
    }
    return s;
  }

  @Test
  @Order(5)
  void tooLittleCapacityIsOneLineAndExitStatus2() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), "stress", "--fabric", "5pp", "--nodes", "200",
        "--cluster", jvms.seed(), "--members", "3", "--cluster-wait", "60");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().strip().lines()).singleElement().asString()
        .contains("host at most 120 vertices and the array needs 2");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  @Order(6)
  void aMemberKilledMidRunRestartsTheRunOnTheOthersWithTheSameResult() throws Exception {
    StressSpec spec = faulty5pp(8_000);
    StressResult one = oneJvm(spec);
    CountDownLatch started = new CountDownLatch(1);
    try (ClusterStress c = ClusterStress.join(coordinator(), 3, Duration.ofSeconds(60), Map.of(), e -> {
      if (e.startsWith("started")) {
        started.countDown();
      }
    })) {
      CompletableFuture<ClusterStress.Outcome> run = CompletableFuture.supplyAsync(() -> c.run(spec, spec.build()));
      assertThat(started.await(120, TimeUnit.SECONDS)).isTrue();
      jvms.processes.get(2).destroyForcibly(); // SIGKILL
      ClusterStress.Outcome o = run.get(240, TimeUnit.SECONDS);
      assertThat(o.incidents()).singleElement().asString().startsWith("member " + jvms.addresses.get(2) + " ")
          .contains("started again from cycle 0");
      assertThat(o.regions().keySet()).containsExactlyElementsOf(
          jvms.addresses.subList(0, 2).stream().sorted().toList());
      assertThat(o.result()).usingRecursiveComparison().ignoringFields("wallSeconds").isEqualTo(one);
    }
  }
}
