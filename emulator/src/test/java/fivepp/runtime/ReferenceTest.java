package fivepp.runtime;

import fivepp.model.Weights;
import fivepp.model.LayerWeights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import fivepp.model.Activation;
import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.NetworkBuilder;
import fivepp.model.Pool;
import fivepp.model.Shape;
import fivepp.model.Zoo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The oracle against values worked out by hand (comments show the arithmetic). */
class ReferenceTest {

  @Test
  void conv2x2OverA3x3Image() {
    // 1 2 3 / 4 5 6 / 7 8 9, kernel [1 2; 3 4]: 1+4+12+20 = 37, 2+6+15+24 = 47, ...
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(1, 3, 3));
    b.conv("c", 1, 2, 1, 0).add();
    Network n = b.build();
    Weights w = weights(n, "c", lw(f(1, 2, 3, 4), 0.5f));
    assertTensor(Reference.run(n, w, seq(1, 3, 3, 1), "c"), 1, 2, 2, 37.5f, 47.5f, 67.5f, 77.5f);
    assertThat(Reference.logits(n, w, seq(1, 3, 3, 1))).containsExactly(37.5f, 47.5f, 67.5f, 77.5f);
  }

  @Test
  void paddingAndStride2() {
    // 4x4 image 1..16, 3x3 ones, pad 1, stride 2: windows centred on (0,0) (0,2) (2,0) (2,2)
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(1, 4, 4));
    b.conv("c", 1, 3, 2, 1).add();
    Network n = b.build();
    Weights w = weights(n, "c", lw(ones(9), 0));
    // 1+2+5+6, 2+3+4+6+7+8, 5+6+9+10+13+14, 6+7+8+10+11+12+14+15+16
    assertTensor(Reference.run(n, w, seq(1, 4, 4, 1), "c"), 1, 2, 2, 14, 30, 57, 99);
  }

  @Test
  void asymmetricPadding() {
    // 3x3 image 1..9, 2x2 ones, one row of padding on top and one column on the right
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(1, 3, 3));
    b.conv("c", 1, 2, 1, 0).pad(1, 0, 0, 1).add();
    Network n = b.build();
    Tensor out = Reference.run(n, weights(n, "c", lw(ones(4), 0)), seq(1, 3, 3, 1), "c");
    // top row sees image row 0 only: 1+2, 2+3, 3; then full windows, the last column only col 2
    assertTensor(out, 1, 3, 3, 3, 5, 3, 12, 16, 9, 24, 28, 15);
  }

  @Test
  void groupsConnectEachOutputOnlyToItsGroup() {
    // channel 0 = 1 2 3 4, channel 1 = 10 20 30 40; 4 outputs in 2 groups, kernel 2x2 -> 1x1
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(2, 2, 2));
    b.conv("g", 4, 2, 1, 0).groups(2).add();
    Network n = b.build();
    Weights w = weights(n, "g", lw(f(1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0), 0, 0, 0, 0));
    Tensor image = t(2, 2, 2, 1, 2, 3, 4, 10, 20, 30, 40);
    assertThat(Reference.logits(n, w, image)).containsExactly(1, 4, 100, 20);
  }

  @Test
  void dilation2() {
    // 5x5 image v = 5y+x; 2x2 kernel dilated by 2 reads (y,x) (y,x+2) (y+2,x) (y+2,x+2)
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(1, 5, 5));
    b.conv("d", 1, 2, 1, 0).dilation(2, 2).add();
    Network n = b.build();
    Tensor out = Reference.run(n, weights(n, "d", lw(f(1, 10, 100, 1000), 0)), seq(1, 5, 5, 0), "d");
    assertThat(out.shape()).isEqualTo(new Shape(1, 3, 3));
    assertThat(out.get(0, 0, 0)).isEqualTo(0 + 2 * 10 + 10 * 100 + 12 * 1000);
    assertThat(out.get(0, 1, 2)).isEqualTo(7 + 9 * 10 + 17 * 100 + 19 * 1000);
    assertThat(out.get(0, 2, 2)).isEqualTo(12 + 14 * 10 + 22 * 100 + 24 * 1000);
  }

  @Test
  void reluAndRelu6() {
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(1, 1, 4));
    b.conv("r", 1, 1, 1, 0).relu().add();
    b.conv("r6", 1, 1, 1, 0).from(Network.INPUT).relu6().add();
    Network n = b.build();
    Weights w = weights(n, "r", lw(f(1), 0), "r6", lw(f(1), 0));
    Tensor image = t(1, 1, 4, -2, 3, 6.5f, 10);
    assertTensor(Reference.run(n, w, image, "r"), 1, 1, 4, 0, 3, 6.5f, 10);
    assertTensor(Reference.run(n, w, image, "r6"), 1, 1, 4, 0, 3, 6, 6);
  }

  @Test
  void residualIsSubsampledZeroPaddedAndAddedBeforeTheActivation() {
    // a = identity of the 4x4 image 1..16; b: 1x1 stride 2 -> 2 channels (x*1 - 4, x*3),
    // plus a at rows/cols 0 and 2 into channel 0 only, then ReLU
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(1, 4, 4));
    String a = b.conv("a", 1, 1, 1, 0).add();
    b.conv("b", 2, 1, 2, 0).residual(a, 2).relu().add();
    Network n = b.build();
    Weights w = weights(n, "a", lw(f(1), 0), "b", lw(f(1, 3), -4, 0));
    // sampled pixels 1 3 9 11: channel 0 = relu(x - 4 + x) = 0 2 14 18 (relu first: 1 3 14 18)
    assertThat(Reference.logits(n, w, seq(1, 4, 4, 1)))
        .containsExactly(0, 2, 14, 18, 3, 9, 27, 33);
  }

  @Test
  void maxPoolIgnoresPadding() {
    // all negative 4x4 (-1..-16), 3x3/2 pad 1: zero padding would win everywhere
    Network n = identityThen(new Shape(1, 4, 4), Pool.max(3, 2, 1));
    assertThat(Reference.logits(n, identity(n), seq(1, 4, 4, -1, -1))).containsExactly(-1, -2, -5, -6);
  }

  @Test
  void maxPoolCeilModeWindowsHangPastTheEdge() {
    // 6x6 of -(6y+x)-1, 3x3/2 ceil -> 3x3 (floor would give 2x2); a window's max is its
    // top-left in-bounds pixel; the last windows cover rows/cols 4..6, 6 being outside
    Network n = identityThen(new Shape(1, 6, 6), Pool.maxCeil(3, 2, 0));
    assertThat(Reference.logits(n, identity(n), seq(1, 6, 6, -1, -1)))
        .containsExactly(-1, -3, -5, -13, -15, -17, -25, -27, -29);
  }

  @Test
  void avgPoolCountIncludePadOnTheBorder() {
    // 4x4 image 1..16, 3x3/2 pad 1: window sums 14, 30, 57, 99 over 4, 6, 6, 9 pixels
    Pool include = new Pool(Pool.Kind.AVG, 3, 2, 1, false, true);
    Pool exclude = new Pool(Pool.Kind.AVG, 3, 2, 1, false, false);
    Network in = identityThen(new Shape(1, 4, 4), include);
    Network ex = identityThen(new Shape(1, 4, 4), exclude);
    assertThat(Reference.logits(in, identity(in), seq(1, 4, 4, 1)))
        .containsExactly(14f / 9, 30f / 9, 57f / 9, 11);
    assertThat(Reference.logits(ex, identity(ex), seq(1, 4, 4, 1)))
        .containsExactly(3.5f, 5, 9.5f, 11);
  }

  @Test
  void avgPoolCeilModeDividesByTheWindowClippedToThePaddedInput() {
    // PyTorch: with countIncludePad the divisor is the window clipped to the padded input, so a
    // ceil-mode window hanging past it is not divided by kernel^2. 4x4 image 1..16, 3x3/2 ceil:
    // sums 54 (9 pixels), 45 (3x2), 72 (2x3), 54 (2x2)
    Network n = identityThen(new Shape(1, 4, 4), new Pool(Pool.Kind.AVG, 3, 2, 0, true, true));
    assertThat(Reference.logits(n, identity(n), seq(1, 4, 4, 1))).containsExactly(6, 7.5f, 12, 13.5f);
  }

  @Test
  void globalAveragePool() {
    Network n = identityThen(new Shape(2, 2, 3), Pool.globalAvg());
    Tensor image = t(2, 2, 3, 1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60);
    assertThat(Reference.logits(n, identity(n), image)).containsExactly(3.5f, 35);
  }

  @Test
  void prePoolRunsBeforeTheConvolution() {
    // GoogLeNet's pool branch: 3x3/1 pad 1 max pre-pool then a 1x1 conv (x2)
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(1, 3, 3));
    b.conv("p", 1, 1, 1, 0).prePool(Pool.maxCeil(3, 1, 1)).add();
    Network n = b.build();
    assertThat(Reference.logits(n, weights(n, "p", lw(f(2), 0)), seq(1, 3, 3, 1)))
        .containsExactly(10, 12, 12, 16, 18, 18, 16, 18, 18);
  }

  @Test
  void inputActivationScalesShiftsAndRectifiesBeforeTheConv() {
    // channel 0 = (1, -1) * 2 + 0.5 -> (2.5, -1.5 -> 0); channel 1 = (2, 0.5) * -1 + 1 -> (0, 0.5)
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(2, 1, 2));
    b.conv("c", 1, 1, 1, 0).inputActivation(Activation.RELU).add();
    Network n = b.build();
    Weights w = weights(n, "c", new LayerWeights(f(1, 10), f(0), f(2, -1), f(0.5f, 1)));
    assertThat(Reference.logits(n, w, t(2, 1, 2, 1, -1, 2, 0.5f))).containsExactly(2.5f, 5);
  }

  @Test
  void concatenatedInputsAndChannelSlices() {
    // a = 3x, b = (x, -x); c sees [a, b0, b1] with weights 1, 10, 100; d sees only channel 1 of b
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(1, 1, 2));
    b.conv("a", 1, 1, 1, 0).add();
    b.conv("b", 2, 1, 1, 0).from(Network.INPUT).add();
    b.conv("c", 1, 1, 1, 0).from("a", "b").add();
    List<Layer> layers = new ArrayList<>(b.build().layers());
    layers.add(new Layer("d", Layer.Kind.CONV, List.of(new Input("b", 1, 1)), new Shape(1, 1, 2),
        Activation.NONE, null, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, null, Activation.NONE,
        null));
    Network n = new Network("t", "t", new Shape(1, 1, 2), layers);
    Weights w = weights(n, "a", lw(f(3), 0), "b", lw(f(1, -1), 0, 0), "c", lw(f(1, 10, 100), 0),
        "d", lw(f(2), 0));
    Tensor image = t(1, 1, 2, 1, 2);
    assertTensor(Reference.run(n, w, image, "c"), 1, 1, 2, 3 + 10 - 100, 6 + 20 - 200);
    assertThat(Reference.logits(n, w, image)).containsExactly(-2, -4);
  }

  @Test
  void aGateScalesEachInputChannelBeforeTheInputActivation() {
    // a = (x, -x) on 1x1x2 (1, 2); the gate s = mean of a per channel * (1, 10) + (0, 1):
    // (1.5, -14); p sees a * s = (1.5, 3; 14, 28), then ReLU, then weights 1 and 100
    NetworkBuilder b = new NetworkBuilder("se", "t", new Shape(1, 1, 2));
    b.conv("a", 2, 1, 1, 0).add();
    b.conv("s", 2, 1, 1, 0).prePool(Pool.globalAvg()).groups(2).bias(true).add();
    b.conv("p", 1, 1, 1, 0).from("a").gate("s").inputActivation(Activation.RELU).add();
    Network n = b.build();
    Weights w = weights(n, "a", lw(f(1, -1), 0, 0), "s", lw(f(1, 10), 0, 1),
        "p", new LayerWeights(f(1, 100), f(0), f(1, 1), f(0, 0)));
    assertThat(Reference.logits(n, w, t(1, 1, 2, 1, 2))).containsExactly(1.5f + 1400, 3 + 2800);
    assertThat(Reference.run(n, w, t(1, 1, 2, 1, 2), "s").data()).containsExactly(1.5f, -14);
  }

  @Test
  void fcIsADotProduct() {
    // 2x2x2 input 1..8 in CHW order; w0 = 1..8 -> sum of squares 204; w1 = +-1 -> -4
    NetworkBuilder b = new NetworkBuilder("t", "t", new Shape(2, 2, 2));
    b.fc("fc", 2).add();
    Network n = b.build();
    Weights w = weights(n, "fc", lw(f(1, 2, 3, 4, 5, 6, 7, 8, 1, -1, 1, -1, 1, -1, 1, -1), 0.5f, -0.5f));
    assertThat(Reference.logits(n, w, seq(2, 2, 2, 1))).containsExactly(204.5f, -4.5f);
  }

  @Test
  void imageOfTheWrongShapeIsRejected() {
    Network n = identityThen(new Shape(1, 4, 4), Pool.globalAvg());
    assertThatThrownBy(() -> Reference.logits(n, identity(n), seq(1, 4, 5, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("t takes a 1x4x4 image, got 1x4x5");
  }

  @Test
  void resnet32IsFiniteVariedAndDeterministic() {
    Network n = Zoo.get("resnet32");
    Weights w = Weights.he(n, 1);
    Tensor image = random(n.input(), 42);
    float[] a = Reference.logits(n, w, image);
    float[] b = Reference.logits(n, w, image);
    assertThat(a).hasSize(10).isEqualTo(b);
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : a) {
      assertThat(Float.isFinite(v)).isTrue();
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(max - min).isGreaterThan(1e-3f);
    // the fc sees the pooled 64 channels of the last block; run() reaches it alone
    Tensor pooled = Reference.run(n, w, image, "s3b5b");
    assertThat(pooled.shape()).isEqualTo(new Shape(64, 1, 1));
    float fc0 = w.of("fc").bias()[0];
    for (int c = 0; c < 64; c++) {
      fc0 += w.of("fc").weights()[c] * pooled.data()[c];
    }
    assertThat(a[0]).isCloseTo(fc0, within(1e-5f * (1 + Math.abs(fc0))));
  }

  // ---- helpers ----

  private static void assertTensor(Tensor actual, int c, int h, int w, float... values) {
    assertThat(actual.shape()).isEqualTo(new Shape(c, h, w));
    assertThat(actual.data()).containsExactly(values);
  }

  private static Network identityThen(Shape in, Pool pool) {
    NetworkBuilder b = new NetworkBuilder("t", "t", in);
    b.conv("id", in.channels(), 1, 1, 0).postPool(pool).add();
    return b.build();
  }

  /** Weights for {@link #identityThen}: the identity matrix, no bias. */
  private static Weights identity(Network n) {
    int c = n.input().channels();
    float[] k = new float[c * c];
    for (int i = 0; i < c; i++) {
      k[i * c + i] = 1;
    }
    return weights(n, "id", new LayerWeights(k, new float[c], null, null));
  }

  private static Weights weights(Network n, Object... nameThenWeights) {
    Map<String, LayerWeights> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenWeights.length; i += 2) {
      m.put((String) nameThenWeights[i], (LayerWeights) nameThenWeights[i + 1]);
    }
    return Weights.of(n, m);
  }

  private static LayerWeights lw(float[] kernel, float... bias) {
    return new LayerWeights(kernel, bias, null, null);
  }

  private static float[] f(float... v) {
    return v;
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, 1);
    return a;
  }

  private static Tensor t(int c, int h, int w, float... v) {
    return new Tensor(c, h, w, v);
  }

  /** first, first+step, ... in CHW order. */
  private static Tensor seq(int c, int h, int w, float first, float... step) {
    float[] d = new float[c * h * w];
    float s = step.length == 0 ? 1 : step[0];
    for (int i = 0; i < d.length; i++) {
      d[i] = first + s * i;
    }
    return t(c, h, w, d);
  }

  private static Tensor random(Shape s, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] d = new float[(int) s.elements()];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) r.nextDouble(-1, 1);
    }
    return t(s.channels(), s.height(), s.width(), d);
  }
}
