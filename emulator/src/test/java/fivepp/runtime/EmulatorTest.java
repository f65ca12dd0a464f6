package fivepp.runtime;

import fivepp.model.Weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.Bandwidth;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Crossbar;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Zoo;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The array of core actors computes what the reference computes, and measures what it should. */
class EmulatorTest {

  /** A mapped network and the run of {@code images} seeded images through it. */
  record Run(CoreGraph graph, Fabric fabric, Placement placement, RunReport report) {}

  static Run run(Network net, Crossbar crossbar, String fabricSpec, RunOptions o, int images)
      throws IOException {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT.withCrossbar(crossbar));
    Fabric f = Fabrics.parse(fabricSpec, g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    Weights w = Weights.he(net, 7);
    RunReport r = Emulator.run(g, w, f, p, Images.synthetic(net.input(), 11, images), o, i -> { });
    r = ReferenceCheck.check(r, net, w, Images.synthetic(net.input(), 11, images), images);
    return new Run(g, f, p, r);
  }

  private static void assertMatchesReference(RunReport r) {
    assertThat(r.logitRange()).isGreaterThan(0.1);
    assertThat(r.maxAbsDiffVsReference()).isLessThanOrEqualTo(1e-4 * r.logitRange());
  }

  @ParameterizedTest(name = "{0} {1} {2} {3}")
  @CsvSource({
      "resnet20,5pp,256x256,row", "resnet20,5pp,256x256,pixel", "resnet20,5pp,layer,row", "resnet20,5pp,layer,pixel",
      "resnet20,mesh,256x256,row", "resnet20,mesh,256x256,pixel", "resnet20,mesh,layer,row", "resnet20,mesh,layer,pixel",
      "resnet32,5pp,256x256,row", "resnet32,5pp,256x256,pixel", "resnet32,5pp,layer,row", "resnet32,5pp,layer,pixel",
      "resnet32,mesh,256x256,row", "resnet32,mesh,256x256,pixel", "resnet32,mesh,layer,row", "resnet32,mesh,layer,pixel",
      "resnet56,5pp,256x256,row", "resnet56,5pp,256x256,pixel", "resnet56,5pp,layer,row", "resnet56,5pp,layer,pixel",
      "resnet56,mesh,256x256,row", "resnet56,mesh,256x256,pixel", "resnet56,mesh,layer,row", "resnet56,mesh,layer,pixel"})
  void cifarResNetsEqualTheReference(String model, String fabric, String crossbar, String granularity)
      throws IOException {
    RunOptions o = RunOptions.DEFAULT.withPixels(granularity.equals("pixel"));
    assertMatchesReference(run(Zoo.get(model), Crossbar.parse(crossbar), fabric, o, 2).report());
  }

  @ParameterizedTest(name = "{0} at 64x64")
  @CsvSource({"resnet18", "mobilenetv2", "googlenet", "densenet121", "squeezenet1_1", "shufflenet_v2_x1_0"})
  void imageNetNetworksAtReducedInputEqualTheReferenceOn5pp(String model) throws IOException {
    assertMatchesReference(run(Zoo.get(model, 64, 64), Crossbar.DEFAULT, "5pp", RunOptions.DEFAULT, 2).report());
  }

  /**
   * Squeeze-and-excitation: each gated core holds an image's input until its gate arrives, then
   * scales it channel by channel (docs/analysis.md), at both granularities and with row tiles.
   */
  @ParameterizedTest(name = "{0} at 64x64 {1} {2}")
  @CsvSource({"mobilenet_v3_large,256x256,row", "mobilenet_v3_large,layer,pixel", "efficientnet_b0,256x256,pixel",
      "efficientnet_b0,128x128,row"})
  void gatedNetworksEqualTheReference(String model, String crossbar, String granularity) throws IOException {
    Network net = Zoo.get(model, 64, 64);
    assertThat(net.hasGates()).isTrue();
    RunOptions o = RunOptions.DEFAULT.withPixels(granularity.equals("pixel"));
    assertMatchesReference(run(net, Crossbar.parse(crossbar), "5pp", o, 2).report());
  }

  /** At 68x68 two of SqueezeNet's ceil-mode max-pools end in a window cut short by the edge. */
  @ParameterizedTest(name = "squeezenet1_1 at 68x68 {0} {1}")
  @CsvSource({"layer,row", "256x256,pixel"})
  void squeezenetWithPartialCeilModeWindowsEqualsTheReference(String crossbar, String granularity)
      throws IOException {
    Network net = Zoo.get("squeezenet1_1", 68, 68);
    assertThat(net.layer("f3e1").output().height()).isEqualTo(8); // floor mode would give 7
    RunOptions o = RunOptions.DEFAULT.withPixels(granularity.equals("pixel"));
    assertMatchesReference(run(net, Crossbar.parse(crossbar), "5pp", o, 2).report());
  }

  @ParameterizedTest(name = "{0} {1} {2} {3}")
  @CsvSource({"resnet32,32,256x256,mesh,row", "resnet32,32,256x256,ring,pixel",
      "googlenet,64,256x256,5pp,row", "densenet121,64,layer,torus,row", "mobilenetv2,64,256x256,hypercube,row"})
  void everyChannelCarriesExactlyTheAnalysedBytes(String model, int input, String crossbar, String fabric,
      String granularity) throws IOException {
    Network net = input == 32 ? Zoo.get(model) : Zoo.get(model, input, input);
    Run run = run(net, Crossbar.parse(crossbar), fabric,
        RunOptions.DEFAULT.withPixels(granularity.equals("pixel")), 2);
    assertChannelsAsAnalysed(run.graph(), run.fabric(), run.placement(), run.report());
  }

  /** Every channel of the run carried exactly the bytes per image the bandwidth analysis gives it. */
  static void assertChannelsAsAnalysed(CoreGraph g, Fabric f, Placement p, RunReport r) {
    List<Bandwidth.ChannelLoad> analysed = Bandwidth.analyse(g, f, p, 100e-9).channelLoads();
    List<RunReport.ChannelReport> measured = r.channels();
    assertThat(measured).hasSize(analysed.size());
    for (int i = 0; i < analysed.size(); i++) {
      Bandwidth.ChannelLoad a = analysed.get(i);
      assertThat(measured.get(i)).isEqualTo(new RunReport.ChannelReport(a.from(), a.to(), a.bytesPerImage()));
    }
  }

  @Test
  void resnet32On5ppRunsAtTheBusiestCoresBoundAndFallsToTheLinkBound() throws IOException {
    Network net = Zoo.get("resnet32");
    double bound = 1 / (1024 * 100e-9);
    RunReport free = run(net, Crossbar.LAYER, "5pp", RunOptions.DEFAULT, 40).report();
    assertThat(free.virtualImagesPerSecond()).isCloseTo(bound, within(0.02 * bound));
    // the busiest channel carries 16 x 32 x 32 bytes per image: 0.5 Gbit/s sustains 3,815 images/s
    double gbps = 0.5;
    double linkBound = gbps * 1e9 / (16 * 32 * 32 * 8);
    RunReport slow = run(net, Crossbar.LAYER, "5pp", RunOptions.DEFAULT.withLink(gbps * 1e9, 0), 40).report();
    assertThat(slow.virtualImagesPerSecond()).isCloseTo(linkBound, within(0.05 * linkBound));
    assertMatchesReference(slow);
  }

  @Test
  void aCoordinatorDownedMidRunEndsTheRunAtOnceWithTheReason() {
    Network net = Zoo.get("resnet20");
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    Deployment local = Deployment.local(RunOptions.DEFAULT);
    java.util.concurrent.atomic.AtomicReference<org.apache.pekko.actor.typed.ActorSystem<?>> system =
        new java.util.concurrent.atomic.AtomicReference<>();
    Deployment watched = (ctx, epoch, plans) -> {
      system.set(ctx.getSystem());
      // a stop that never ends: before, the run waited for the actor system to terminate
      org.apache.pekko.actor.CoordinatedShutdown.get(ctx.getSystem()).addTask(
          org.apache.pekko.actor.CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "slow",
          () -> new java.util.concurrent.CompletableFuture<>());
      local.deploy(ctx, epoch, plans);
    };
    long t0 = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Emulator.run(g, Weights.he(net, 7), f, p,
        Images.synthetic(net.input(), 11, 1000), RunOptions.DEFAULT, done -> {
          if (done == 3) {
            org.apache.pekko.actor.CoordinatedShutdown.get(system.get())
                .run(org.apache.pekko.actor.CoordinatedShutdown.clusterDowningReason());
          }
        }, watched, com.typesafe.config.ConfigFactory.parseString(
            "pekko.coordinated-shutdown.phases.before-actor-system-terminate.timeout = 3 s")
            .withFallback(com.typesafe.config.ConfigFactory.load()), null))
        .isInstanceOf(Deployment.Failed.class)
        .hasMessage("the run stopped before it finished: this coordinator was downed by the cluster"
            + " (on a cluster: a member or this coordinator was unreachable too long)");
    // bounded, although the slow phase holds the actor system back
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
  }

  @Test
  void aThousandImagesEachCompleteExactlyOnceInBoundedMemory() throws IOException {
    Network net = Zoo.get("resnet32");
    RunOptions o = RunOptions.DEFAULT.withWindow(8);
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    Weights w = Weights.he(net, 3);
    int[] progress = new int[1];
    RunReport r = Emulator.run(g, w, f, p, Images.synthetic(net.input(), 5, 1000), o, d -> {
      assertThat(d).isEqualTo(progress[0] + 1);
      progress[0] = d;
    });
    assertThat(r.images()).isEqualTo(1000);
    assertThat(progress[0]).isEqualTo(1000);
    assertThat(r.logits().length).isEqualTo(1000);
    assertThat(java.util.Arrays.stream(r.logits())).allSatisfy(l -> assertThat(l).hasSize(10));
    assertThat(r.maxImagesInFlight()).isEqualTo(8);
    assertThat(r.maxImagesHeldByACore()).isBetween(1, 8);
    // every core did the MVMs of exactly 1000 images
    for (RunReport.CoreReport c : r.cores()) {
      assertThat(c.mvms()).isEqualTo(1000 * g.cores().get(c.id()).mvmsPerImage());
    }
    r = ReferenceCheck.check(r, net, w, Images.synthetic(net.input(), 5, 1000), 5);
    assertMatchesReference(r);
  }
}
