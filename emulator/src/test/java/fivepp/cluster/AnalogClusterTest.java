package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.runtime.AnalogSettings;
import fivepp.runtime.Emulator;
import fivepp.runtime.Images;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Analog MVMs on two member JVMs give the logits, and every core's error sums, of one JVM: the
 * settings travel in the recipe, and each noise draw depends on its seed, core, image and
 * position only.
 */
@org.junit.jupiter.api.Timeout(value = 4, unit = TimeUnit.MINUTES)
class AnalogClusterTest {
  static final long SEED = 3;
  static final int IMAGES = 40;

  @Test
  void twoMembersComputeTheAnalogLogitsOfOneJvm() throws Exception {
    Network net = Zoo.get("resnet20");
    Weights w = Weights.he(net, SEED);
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    AnalogSettings a = new AnalogSettings(true, 11, 8, 8, 5, 0.02, 0.05, 3600, 0.05, 0.02);
    RunOptions o = RunOptions.DEFAULT.withAnalog(a);
    try (MemberJvms jvms = new MemberJvms(2, 30, i -> List.of())) {
      RunReport single = Emulator.run(g, w, f, p, Images.synthetic(net.input(), SEED, IMAGES), o, i -> { });
      assertThat(jvms.awaitUp(180)).as("two members up").isTrue();
      ArrayRecipe recipe = new ArrayRecipe("resnet20", null, null, null, null, 0, SEED, "256x256", Tiling.Concat.FORWARD,
          8, 16, "5pp", p.vertexOf(), o);
      RunReport r = ClusterRun.run(recipe, g, w, f, p, Images.synthetic(net.input(), SEED, IMAGES), o, i -> { },
          MemberSettings.of("127.0.0.1", 0, List.of(jvms.addresses.get(0).substring("fivepp@".length()))), 2,
          Duration.ofSeconds(120), Map.of(), null, null);
      assertThat(r.members()).hasSize(2);
      assertThat(r.members()).allSatisfy(m -> assertThat(m.cores()).isPositive());
      for (int i = 0; i < IMAGES; i++) {
        assertThat(r.logits()[i]).as("image %d", i).containsExactly(single.logits()[i]);
      }
      // the noise did change the logits after the 5 calibration images
      RunReport exact = Emulator.run(g, w, f, p, Images.synthetic(net.input(), SEED, IMAGES), RunOptions.DEFAULT, i -> { });
      assertThat(r.logits()[4]).containsExactly(exact.logits()[4]);
      assertThat(r.logits()[5]).isNotEqualTo(exact.logits()[5]);
      // each core's error sums came back from its member and equal one JVM's
      assertThat(r.analog().cores()).hasSize(g.cores().size());
      assertThat(r.analog().cores()).containsExactlyElementsOf(single.analog().cores());
      assertThat(r.analog().cores()).allSatisfy(c -> assertThat(c.snrDb()).isFinite());
    }
  }

  @Test
  void twoMembersComputeTheTrainedNetworksAnalogLogitsOfOneJvm() throws Exception {
    // the trained ResNet-20 and Fashion-MNIST test images of TrainedAnalogTest (docs/analog.md),
    // --adc-bits 8 --dac-bits 8 --weight-noise 0.02: the members read the ONNX file themselves
    java.nio.file.Path model = java.nio.file.Path.of(
        getClass().getClassLoader().getResource("analog/resnet20-fashion.onnx").toURI());
    java.nio.file.Path images = java.nio.file.Path.of(
        getClass().getClassLoader().getResource("analog/fashion-test-210.bin").toURI());
    fivepp.model.onnx.OnnxImporter.Imported m = fivepp.model.onnx.OnnxImporter.read(model,
        fivepp.model.onnx.OnnxImportOptions.DEFAULT);
    CoreGraph g = CoreGraph.of(m.network(), Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    AnalogSettings a = new AnalogSettings(true, 1, 8, 8, 10, 0.02, 0, 0, 0.05, 0.02);
    RunOptions o = RunOptions.DEFAULT.withAnalog(a);
    try (MemberJvms jvms = new MemberJvms(2, 30, i -> List.of())) {
      RunReport single = Emulator.run(g, m.weights(), f, p, Images.open(images, m.network().input(), IMAGES), o, i -> { });
      RunReport exact = Emulator.run(g, m.weights(), f, p, Images.open(images, m.network().input(), IMAGES),
          RunOptions.DEFAULT, i -> { });
      assertThat(jvms.awaitUp(180)).as("two members up").isTrue();
      ArrayRecipe recipe = new ArrayRecipe(null, null, model.toString(), ArrayRecipe.sha256(model), null, 1L << 31, 1,
          "256x256", Tiling.Concat.FORWARD, 8, 16, "5pp", p.vertexOf(), o);
      RunReport r = ClusterRun.run(recipe, g, m.weights(), f, p, Images.open(images, m.network().input(), IMAGES), o,
          i -> { }, MemberSettings.of("127.0.0.1", 0, List.of(jvms.addresses.get(0).substring("fivepp@".length()))), 2,
          Duration.ofSeconds(120), Map.of(), null, null);
      assertThat(r.members()).hasSize(2);
      assertThat(r.members()).allSatisfy(mm -> assertThat(mm.cores()).isPositive());
      int changed = 0;
      for (int i = 0; i < IMAGES; i++) {
        assertThat(r.logits()[i]).as("image %d", i).containsExactly(single.logits()[i]);
        changed += r.top1()[i] != exact.top1()[i] ? 1 : 0;
      }
      // measured: 7 of the 30 images after the 10 calibration images change class, on the
      // members as in one JVM
      assertThat(changed).isEqualTo(7);
      assertThat(r.analog().cores()).containsExactlyElementsOf(single.analog().cores());
    }
  }
}
