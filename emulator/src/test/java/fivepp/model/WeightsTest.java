package fivepp.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightsTest {

  @Test
  void sameSeedGivesIdenticalArraysAndAnotherSeedDifferentOnes() {
    Network n = Zoo.get("resnet20");
    Weights a = Weights.he(n, 7);
    Weights b = Weights.he(Zoo.get("resnet20"), 7);
    Weights c = Weights.he(n, 8);
    for (Layer l : n.layers()) {
      LayerWeights la = a.of(l.name());
      assertThat(la.weights()).hasSize((int) l.weights()).isEqualTo(b.of(l.name()).weights());
      assertThat(la.bias()).hasSize(l.outChannels()).isEqualTo(b.of(l.name()).bias());
      assertThat(la.weights()).isNotEqualTo(c.of(l.name()).weights());
      assertThat(la.bias()).isNotEqualTo(c.of(l.name()).bias());
    }
    assertThat(a.network()).isSameAs(n);
  }

  @Test
  void aLayerDependsOnlyOnTheSeedAndItsIndex() {
    // resnet20 and resnet32 share their first 4 layers (same index, same shape), not the fc
    Weights r20 = Weights.he(Zoo.get("resnet20"), 3);
    Weights r32 = Weights.he(Zoo.get("resnet32"), 3);
    for (String l : new String[] {"conv1", "s1b1a", "s1b1b", "s1b2a"}) {
      assertThat(r20.of(l).weights()).isEqualTo(r32.of(l).weights());
      assertThat(r20.of(l).bias()).isEqualTo(r32.of(l).bias());
    }
    assertThat(r20.of("s1b2b").weights()).isEqualTo(r32.of("s1b2b").weights());
    assertThat(r20.of("fc").weights()).isNotEqualTo(r32.of("fc").weights());
  }

  @Test
  void fcWeightsHaveHeStandardDeviationAndNoBatchNorm() {
    NetworkBuilder b = new NetworkBuilder("fc", "one big FC", new Shape(256, 4, 4));
    b.fc("withBias", 256).add();
    b.fc("noBias", 256).from(Network.INPUT).bias(false).add();
    Weights w = Weights.he(b.build(), 11);
    float[] k = w.of("withBias").weights(); // 4096 x 256
    assertThat(k).hasSize(4096 * 256);
    assertThat(mean(k)).isCloseTo(0, within(1e-4));
    assertThat(std(k)).isCloseTo(Math.sqrt(2.0 / 4096), within(0.05 * Math.sqrt(2.0 / 4096)));
    assertThat(std(w.of("withBias").bias())).isCloseTo(0.05, within(0.01));
    assertThat(w.of("noBias").bias()).containsOnly(0f);
  }

  @Test
  void convWeightsFoldABatchNorm() {
    // a = gamma/sqrt(var) with gamma U[0.5,1], var U[0.5,1.5]: a in [0.408, 1.415],
    // E[a^2] = E[gamma^2] E[1/var] = 0.5833 * ln 3 = 0.641, so the folded std is about
    // 0.80 * sqrt(2/576); with only 64 channel scales, allow 0.68..0.92.
    NetworkBuilder b = new NetworkBuilder("c", "3x3x64->64", new Shape(64, 8, 8));
    b.conv("conv", 64, 3, 1, 1).add();
    Weights w = Weights.he(b.build(), 5);
    float[] k = w.of("conv").weights();
    double he = Math.sqrt(2.0 / 576);
    assertThat(std(k) / he).isBetween(0.68, 0.92);
    // no conv bias, so the folded bias is beta - mean*a: small, but not zero
    float[] bias = w.of("conv").bias();
    assertThat(std(bias)).isBetween(0.03, 0.1);
    assertThat(w.of("conv").inScale()).isNull();
    assertThat(w.of("conv").inShift()).isNull();
    // per output channel, the kernel's std lies within the possible range of a * he
    for (int co = 0; co < 64; co++) {
      float[] ch = java.util.Arrays.copyOfRange(k, co * 576, (co + 1) * 576);
      assertThat(std(ch) / he).isBetween(0.35, 1.6);
    }
  }

  @Test
  void aResidualHalvesTheKernelExactly() {
    Network plain = twoConvs(false);
    Network res = twoConvs(true);
    Weights p = Weights.he(plain, 9);
    Weights r = Weights.he(res, 9);
    float[] kp = p.of("b").weights();
    float[] kr = r.of("b").weights();
    for (int i = 0; i < kp.length; i++) {
      assertThat(kr[i]).isEqualTo(kp[i] * 0.5f);
    }
    assertThat(r.of("b").bias()).isEqualTo(p.of("b").bias());
    assertThat(r.of("a").weights()).isEqualTo(p.of("a").weights());
  }

  private static Network twoConvs(boolean residual) {
    NetworkBuilder b = new NetworkBuilder("two", "two convs", new Shape(8, 6, 6));
    String a = b.conv("a", 8, 3, 1, 1).relu().add();
    NetworkBuilder.LayerBuilder l = b.conv("b", 8, 3, 1, 1).relu();
    if (residual) {
      l.residual(a, 1);
    }
    l.add();
    return b.build();
  }

  @Test
  void inputActivationGetsAFoldedBatchNormOverInputChannels() {
    NetworkBuilder b = new NetworkBuilder("pre", "pre-activation", new Shape(12, 4, 4));
    b.conv("conv", 5, 1, 1, 0).inputActivation(Activation.RELU).add();
    LayerWeights lw = Weights.he(b.build(), 1).of("conv");
    assertThat(lw.inScale()).hasSize(12);
    assertThat(lw.inShift()).hasSize(12);
    for (int c = 0; c < 12; c++) {
      assertThat(lw.inScale()[c]).isBetween(0.40f, 1.42f);
      assertThat(Math.abs(lw.inShift()[c])).isLessThan(0.5f);
    }
  }

  @Test
  void unknownLayerIsRejected() {
    Weights w = Weights.he(Zoo.get("resnet20"), 1);
    assertThatThrownBy(() -> w.of("nope")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void givenWeightsAreCheckedLayerByLayer() {
    NetworkBuilder b = new NetworkBuilder("tiny", "tiny", new Shape(4, 3, 3));
    b.conv("grouped", 6, 3, 1, 0).groups(2).add(); // 6 * 2 * 9 = 108 weights
    b.fc("fc", 3).inputActivation(Activation.RELU).add(); // 6 inputs of 1x1
    Network n = b.build();
    LayerWeights grouped = new LayerWeights(new float[108], new float[6], null, null);
    LayerWeights fc = new LayerWeights(new float[18], new float[3], new float[6], new float[6]);

    Weights ok = Weights.of(n, Map.of("grouped", grouped, "fc", fc));
    assertThat(ok.of("grouped")).isSameAs(grouped);

    assertRejected(n, "grouped", new LayerWeights(new float[216], new float[6], null, null),
        "tiny/grouped: weights needs 108 values, got 216");
    assertRejected(n, "grouped", new LayerWeights(new float[108], new float[5], null, null),
        "tiny/grouped: bias needs 6 values, got 5");
    assertRejected(n, "grouped", new LayerWeights(new float[108], new float[6], new float[4], null),
        "tiny/grouped: inScale given but the layer has no input activation");
    assertRejected(n, "fc", new LayerWeights(new float[18], new float[3], new float[6], null),
        "tiny/fc: inShift needs 6 values, got none");
    assertRejected(n, "fc", new LayerWeights(new float[18], new float[3], new float[4], new float[6]),
        "tiny/fc: inScale needs 6 values, got 4");
    assertThatThrownBy(() -> Weights.of(n, Map.of("grouped", grouped)))
        .hasMessage("tiny/fc: no weights given");
    assertThatThrownBy(() -> Weights.of(n, Map.of("grouped", grouped, "fc", fc, "x", fc)))
        .hasMessage("tiny: weights given for unknown layer x");
  }

  private static void assertRejected(Network n, String layer, LayerWeights bad, String message) {
    Weights valid = Weights.he(n, 0);
    Map<String, LayerWeights> m = new HashMap<>();
    n.layers().forEach(l -> m.put(l.name(), valid.of(l.name())));
    m.put(layer, bad);
    assertThatThrownBy(() -> Weights.of(n, m)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  private static double mean(float[] a) {
    double s = 0;
    for (float v : a) {
      s += v;
    }
    return s / a.length;
  }

  private static double std(float[] a) {
    double m = mean(a);
    double s = 0;
    for (float v : a) {
      s += (v - m) * (v - m);
    }
    return Math.sqrt(s / a.length);
  }
}
