package fivepp.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import fivepp.fabric.Fabrics;
import fivepp.fabric.KppFabric;
import fivepp.model.Network;
import fivepp.model.Zoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/energy.md: energy per image from the mapping's cores, flows and the fabric's link lengths. */
class EnergyTest {
  @TempDir Path dir;

  /** Three 1x1 layers a -> b -> c (4, 8, 8 input channels, 8 outputs, 4x4 pixels) plus a residual a -> c. */
  private static CoreGraph chain() {
    return BandwidthTest.chain();
  }

  /** Every parameter 0 but the one at {@code index} (constructor order), which is 1; a 1 mm2 core. */
  private static EnergyModel only(int index) {
    double[] p = new double[10];
    p[9] = 1;
    p[index] = 1;
    return new EnergyModel(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]);
  }

  private static Energy.Breakdown chainOn2pp(EnergyModel model) {
    CoreGraph g = chain();
    return Energy.of(model, g, new KppFabric(2, 3)).perImage(Mapping.onto(g, new int[] {0, 1, 2}, new KppFabric(2, 3), 1e-7));
  }

  @Test
  void anMvmCostsRowsTimesColumnsDevicesPlusRowsDacsPlusColumnsAdcs() {
    EnergyModel m = new EnergyModel(1, 10, 100, 0, 0, 0, 0, 0, 0, 1);
    assertThat(m.mvmJoules(2, 3)).isEqualTo(2 * 3 + 2 * 10 + 3 * 100);
    assertThat(EnergyModel.defaults().mvmJoules(256, 256))
        .isCloseTo(65536 * 14.6e-15 + 256 * 3.1e-15 + 256 * 12.5e-12, within(1e-18));
  }

  @Test
  void eachPartCountsWhatTheChainDoes() {
    // devices used x MVMs = the multiply-accumulates: 16 MVMs x (4x8 + 8x8 + 8x8)
    assertThat(chainOn2pp(only(0)).coreJoules()).isEqualTo(2560);
    assertThat(chainOn2pp(only(1)).coreJoules()).isEqualTo(16 * (4 + 8 + 8));
    assertThat(chainOn2pp(only(2)).coreJoules()).isEqualTo(16 * (8 + 8 + 8));
    // adds: c adds a's 8 channels x 16 pixels of residual
    assertThat(chainOn2pp(only(3)).digitalJoules()).isEqualTo(128);
    // scaling and activation: every output of every core
    assertThat(chainOn2pp(only(4)).digitalJoules()).isEqualTo(3 * 128);
    assertThat(chainOn2pp(only(5)).digitalJoules()).isZero();
    // line buffers: MVM inputs read (16 x 4 + 16 x 8 + 16 x 8) and activations written into b and c
    assertThat(chainOn2pp(only(6)).lineBufferJoules()).isEqualTo(320 + 128 + 128);
    // 2PP(3) on a serpentine 2 wide: 0 at (0,0), 1 at (1,0), 2 at (1,1); a->b and b->c 1 pitch,
    // the residual a->c 2 pitches; 128 bytes each
    assertThat(chainOn2pp(only(7)).linkJoules()).isEqualTo(128 * 8 * (1 + 1 + 2));
    // a buffer at the end of each of the three single-hop flows
    assertThat(chainOn2pp(only(8)).linkJoules()).isEqualTo(3 * 128 * 8);
  }

  @Test
  void energyPerImageIsTheSumOfItsParts() {
    Energy.Breakdown b = chainOn2pp(new EnergyModel(1, 2, 3, 4, 5, 6, 7, 8, 9, 4));
    // pitch 2 mm: links 8 x 2 x 4 pitches + 9 x 3 hops, per bit of 1024
    assertThat(b.linkJoules()).isEqualTo(1024 * (8.0 * 2 * 4 + 9 * 3));
    assertThat(b.total()).isEqualTo(b.coreJoules() + b.digitalJoules() + b.lineBufferJoules() + b.linkJoules());
    assertThat(b.coreJoules()).isEqualTo(2560 + 2 * 320 + 3 * 384);
    assertThat(b.digitalJoules()).isEqualTo(4 * 128 + 5 * 384);
    assertThat(b.lineBufferJoules()).isEqualTo(7 * 576);
  }

  @Test
  void countedEventsGiveEnergyLinearInTheEventsAndConstantPerImage() {
    CoreGraph g = chain();
    Energy e = Energy.of(EnergyModel.defaults(), g, new KppFabric(2, 3));
    List<Energy.ChannelBytes> once = List.of(new Energy.ChannelBytes(0, 1, 128), new Energy.ChannelBytes(0, 2, 128));
    List<Energy.ChannelBytes> twice = List.of(new Energy.ChannelBytes(0, 1, 256), new Energy.ChannelBytes(0, 2, 256));
    Energy.Breakdown one = e.perImage(1, new long[] {16, 16, 16}, once);
    Energy.Breakdown doubled = e.perImage(1, new long[] {32, 32, 32}, twice);
    Energy.Breakdown twoImages = e.perImage(2, new long[] {32, 32, 32}, twice);
    assertThat(doubled.total()).isCloseTo(2 * one.total(), within(1e-20));
    assertThat(doubled.linkJoules()).isCloseTo(2 * one.linkJoules(), within(1e-20));
    assertThat(twoImages).isEqualTo(one);
    // the static figure is the counted one at one image's events
    assertThat(one.coreJoules()).isEqualTo(
        Energy.of(EnergyModel.defaults(), g, new KppFabric(2, 3)).perImage(
            Mapping.onto(g, new int[] {0, 1, 2}, new KppFabric(2, 3), 1e-7)).coreJoules());
    // channel 0 -> 2 is 2 pitches of sqrt(0.62) mm: 0.1 pJ/bit/mm, plus 0.3125 pJ/bit for its hop
    assertThat(e.joulesPerBit(0, 2)).isCloseTo(0.1e-12 * 2 * Math.sqrt(0.62) + 0.3125e-12, within(1e-27));
    assertThatThrownBy(() -> e.perImage(0, new long[3], once)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> e.perImage(1, new long[2], once)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resnet32HasAsManyDeviceOperationsAsMultiplyAccumulates() {
    Network net = Zoo.get("resnet32");
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    Mapping m = Mapping.onto(g, LinearOrder.search(g), Fabrics.parse("5pp", g.cores().size()), 1e-7);
    // paper.md C: 68,862,592 MACs per image; rows x MVMs summed over layers: 2,552,896
    assertThat(Energy.of(only(0), g, m.fabric()).perImage(m).coreJoules()).isEqualTo(68_862_592);
    assertThat(Energy.of(only(1), g, m.fabric()).perImage(m).coreJoules()).isEqualTo(2_552_896);
  }

  /**
   * ResNet-32 at 256x256: links cost less on 5PP than on the mesh. The same core order lies on the
   * same cells of both (5PP's serpentine is as wide as the 8x8 mesh), so the wire is the same
   * length: a flow that rides one 5PP link is as long as its dimension-order route on the mesh.
   * What the mesh pays more is its extra hops' buffers: without them the two cost the same.
   */
  @Test
  void resnet32At256LinksCostLessOn5ppThanOnTheMeshBecauseOfHops() {
    Network net = Zoo.get("resnet32", 256, 256);
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT);
    int[] order = LinearOrder.search(g);
    Mapping kpp = Mapping.onto(g, order, Fabrics.parse("5pp", g.cores().size()), 1e-7);
    Mapping mesh = Mapping.onto(g, order, Fabrics.parse("mesh", g.cores().size()), 1e-7);
    assertThat(kpp.verdict().homomorphism()).isTrue();
    EnergyModel d = EnergyModel.defaults();
    Energy.Summary k = Energy.summarise(d, kpp);
    Energy.Summary m = Energy.summarise(d, mesh);
    assertThat(k.perImage().linkJoules()).isCloseTo(158.2e-6, within(0.1e-6));
    assertThat(m.perImage().linkJoules()).isCloseTo(195.3e-6, within(0.1e-6));
    assertThat(k.perImage().coreJoules()).isEqualTo(m.perImage().coreJoules());
    assertThat(k.perImage().total()).isLessThan(m.perImage().total());
    EnergyModel noHops = new EnergyModel(d.cellJoules(), d.dacJoules(), d.adcJoules(), d.addJoules(),
        d.activationJoules(), d.poolJoules(), d.lineBufferByteJoules(), d.wireJoulesPerBitMm(), 0, d.coreAreaMm2());
    assertThat(Energy.summarise(noHops, kpp).perImage().linkJoules())
        .isCloseTo(Energy.summarise(noHops, mesh).perImage().linkJoules(), within(1e-12));
    // link power at the pipeline bound: 1 / (65,536 MVMs x 100 ns) = 152.6 images/s
    assertThat(k.linkPowerWatts()).isCloseTo(k.perImage().linkJoules() / (65536 * 1e-7), within(1e-9));
    assertThat(k.areaMm2()).isCloseTo(60 * 0.62, within(1e-9));
    assertThat(m.areaMm2()).isCloseTo(64 * 0.62, within(1e-9));
  }

  @Test
  void aFileMustGiveEveryKeyAsANonNegativeNumberInHocon() throws Exception {
    String good = new String(EnergyModel.class.getClassLoader().getResourceAsStream(EnergyModel.RESOURCE)
        .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    Path ok = Files.writeString(dir.resolve("ok.conf"), good.replace("core.area-mm2 = 0.62", "core.area-mm2 = 1"));
    assertThat(EnergyModel.read(ok).pitchMm()).isEqualTo(1.0);
    assertThat(EnergyModel.read(ok).adcJoules()).isEqualTo(12.5e-12);
    Path missing = Files.writeString(dir.resolve("missing.conf"), good.replace("adc-joules", "#"));
    assertThatThrownBy(() -> EnergyModel.read(missing)).hasMessageContaining("missing.conf")
        .hasMessageContaining("mvm.adc-joules").hasMessageNotContaining("\n");
    Path negative = Files.writeString(dir.resolve("negative.conf"), good.replace("= 0.3125e-12", "= -1"));
    assertThatThrownBy(() -> EnergyModel.read(negative))
        .hasMessage("energy file " + negative + ": link.hop-joules-per-bit = -1.0: give a finite value >= 0");
    Path garbage = Files.writeString(dir.resolve("garbage.conf"), "mvm { cell-joules = [ \n");
    assertThatThrownBy(() -> EnergyModel.read(garbage)).hasMessageContaining("garbage.conf")
        .hasMessageNotContaining("\n");
    Path zeroArea = Files.writeString(dir.resolve("zero.conf"), good.replace("core.area-mm2 = 0.62", "core.area-mm2 = 0"));
    assertThatThrownBy(() -> EnergyModel.read(zeroArea)).hasMessageContaining("core.area-mm2 must be > 0");
    assertThatThrownBy(() -> EnergyModel.read(dir.resolve("absent.conf"))).hasMessageEndingWith("no such file");
    assertThatThrownBy(() -> EnergyModel.read(dir)).hasMessageEndingWith("a folder, not a file; give the HOCON file itself");
  }

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    EnergyModel d = EnergyModel.defaults();
    assertThat(d).isEqualTo(new EnergyModel(14.6e-15, 3.1e-15, 12.5e-12, 0.05e-12, 0.25e-12, 0.05e-12,
        1.25e-12, 0.1e-12, 0.3125e-12, 0.62));
  }
}
