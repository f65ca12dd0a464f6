package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Crossbar;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Zoo;
import org.junit.jupiter.api.Test;

class EmulatorTest {

  static RunReport run(Network net, Crossbar crossbar, String fabricSpec, RunOptions o, int images)
      throws java.io.IOException {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT.withCrossbar(crossbar));
    Fabric f = Fabrics.parse(fabricSpec, g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    Weights w = Weights.he(net, 7);
    RunReport r = Emulator.run(g, w, f, p, Images.synthetic(net.input(), 11, images), o, i -> { });
    Images.Source src = Images.synthetic(net.input(), 11, images);
    double maxDiff = 0, lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
    for (int i = 0; i < images; i++) {
      float[] ref;
      try {
        ref = Reference.logits(net, w, src.next());
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
      for (int c = 0; c < ref.length; c++) {
        maxDiff = Math.max(maxDiff, Math.abs(ref[c] - r.logits()[i][c]));
        lo = Math.min(lo, ref[c]);
        hi = Math.max(hi, ref[c]);
      }
    }
    return r.withDiff(maxDiff, hi - lo);
  }

  @Test
  void resnet20LayerGranularityMatchesTheReference() throws Exception {
    RunReport r = run(Zoo.get("resnet20"), Crossbar.LAYER, "5pp", RunOptions.DEFAULT, 4);
    System.out.println(r.maxAbsDiffVsReference() + " range " + r.logitRange() + " virt " + r.virtualImagesPerSecond());
    assertThat(r.maxAbsDiffVsReference()).isLessThanOrEqualTo(1e-4 * r.logitRange());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
      "resnet20,32,256x256,5pp,row", "resnet20,32,256x256,mesh,pixel", "resnet32,32,layer,mesh,pixel",
      "resnet56,32,256x256,5pp,row", "resnet18,64,256x256,5pp,row", "mobilenetv2,64,256x256,5pp,row",
      "googlenet,64,256x256,5pp,row", "densenet121,64,256x256,5pp,row", "vgg16,64,256x256,5pp,row",
      "resnet50,64,256x256,5pp,row"})
  void explore(String model, int input, String crossbar, String fabric, String gran) throws Exception {
    Network net = input == 32 ? Zoo.get(model) : Zoo.get(model, input, input);
    long t = System.nanoTime();
    RunReport r = run(net, Crossbar.parse(crossbar), fabric, RunOptions.DEFAULT.withPixels(gran.equals("pixel")), 3);
    System.out.println(model + " " + crossbar + " " + fabric + " " + gran + ": diff " + r.maxAbsDiffVsReference() + " range " + r.logitRange()
        + " virt " + r.virtualImagesPerSecond() + " wall " + r.wallImagesPerSecond() + " took " + (System.nanoTime() - t) / 1e9);
    assertThat(r.maxAbsDiffVsReference()).isLessThanOrEqualTo(1e-4 * r.logitRange());
  }
}
