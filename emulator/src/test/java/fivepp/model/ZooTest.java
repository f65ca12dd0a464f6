package fivepp.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pins the zoo to published figures. Weights exclude biases and batch-norm; for torchvision
 * models they equal torchvision's num_params minus 2 per BN channel minus the fc bias (1000);
 * the BN channel counts were derived by hand, layer by layer. SqueezeNet 1.1 has no BN, so only its
 * biases are left out. MAC references are torchvision's "_ops" (GMACs at 224x224).
 */
class ZooTest {

  @Test
  void namesInOrder() {
    assertThat(Zoo.names()).containsExactly("resnet20", "resnet32", "resnet44", "resnet56",
        "resnet110", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "vgg16",
        "googlenet", "densenet121", "mobilenetv2", "squeezenet1_1", "shufflenet_v2_x1_0",
        "mobilenet_v3_large", "efficientnet_b0");
  }

  @ParameterizedTest
  @MethodSource("allNames")
  void everyNetworkRoundTripsAndClassifies(String name) {
    Network n = Zoo.get(name);
    assertThat(n.name()).isEqualTo(name);
    assertThat(n.description()).doesNotContain("\n").isNotBlank();
    assertThat(n.input()).isEqualTo(Zoo.input(name));
    int classes = name.matches("resnet(20|32|44|56|110)") ? 10 : 1000;
    // SqueezeNet's classifier is a 1x1 conv with a global avgpool post-pool
    assertThat(n.output().kind())
        .isEqualTo(name.equals("squeezenet1_1") ? Layer.Kind.CONV : Layer.Kind.FC);
    assertThat(n.output().output()).isEqualTo(new Shape(classes, 1, 1));
  }

  static Stream<String> allNames() {
    return Zoo.names().stream();
  }

  // ---- ResNet-32, paper.md part C, layer by layer ----

  @Test
  void resnet32MatchesThePaperTable() {
    Network n = Zoo.get("resnet32");
    assertThat(n.weights()).isEqualTo(461_872);
    assertThat(n.macs()).isEqualTo(68_862_592);
    assertThat(n.layers()).hasSize(32); // 6n+2 weight layers, n = 5
    // row of the table -> {rows, cols, MVMs per image, how many layers}
    Map<String, int[]> table = new LinkedHashMap<>();
    table.put("conv1", new int[] {27, 16, 1024, 1});
    table.put("stage 1", new int[] {144, 16, 1024, 10});
    table.put("stage 2 first", new int[] {144, 32, 256, 1});
    table.put("stage 2 rest", new int[] {288, 32, 256, 9});
    table.put("stage 3 first", new int[] {288, 64, 64, 1});
    table.put("stage 3 rest", new int[] {576, 64, 64, 9});
    table.put("fc", new int[] {64, 10, 1, 1});
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (Layer l : n.layers()) {
      String row = l.name().equals("conv1") || l.name().equals("fc") ? l.name()
          : l.name().startsWith("s1") ? "stage 1"
          : "stage " + l.name().charAt(1) + (l.name().endsWith("b1a") ? " first" : " rest");
      int[] expected = table.get(row);
      assertThat(new long[] {l.rows(), l.cols(), l.mvmsPerImage()}).as(l.name())
          .containsExactly(expected[0], expected[1], expected[2]);
      seen.merge(row, 1, Integer::sum);
    }
    table.forEach((row, e) -> assertThat(seen.get(row)).as(row).isEqualTo(e[3]));
  }

  @Test
  void resnet32ShortcutsAreOptionA() {
    Network n = Zoo.get("resnet32");
    assertThat(n.layer("s1b1b").residual()).isEqualTo(new Residual("conv1", 1));
    assertThat(n.layer("s2b1b").residual()).isEqualTo(new Residual("s1b5b", 2));
    assertThat(n.layer("s3b1b").residual()).isEqualTo(new Residual("s2b5b", 2));
    assertThat(n.layer("s3b2b").residual()).isEqualTo(new Residual("s3b1b", 1));
    assertThat(n.layers()).allSatisfy(l -> assertThat(l.bias()).isEqualTo(l.name().equals("fc")));
    assertThat(n.layer("s3b5b").postPool()).isEqualTo(Pool.globalAvg());
    assertThat(n.layer("fc").input()).isEqualTo(new Shape(64, 1, 1));
  }

  @ParameterizedTest
  @MethodSource("cifarResnets")
  void cifarResnetWeights(String name, long weights, long macs, int layers) {
    Network n = Zoo.get(name);
    assertThat(n.weights()).isEqualTo(weights);
    assertThat(n.macs()).isEqualTo(macs);
    assertThat(n.layers()).hasSize(layers);
  }

  static Stream<Arguments> cifarResnets() {
    // the well-known 0.27M, 0.46M, 0.66M, 0.85M, 1.7M
    return Stream.of(
        Arguments.of("resnet20", 268_336L, 40_551_040L, 20),
        Arguments.of("resnet32", 461_872L, 68_862_592L, 32),
        Arguments.of("resnet44", 655_408L, 97_174_144L, 44),
        Arguments.of("resnet56", 848_944L, 125_485_696L, 56),
        Arguments.of("resnet110", 1_719_856L, 252_887_680L, 110));
  }

  // ---- ImageNet networks against torchvision ----

  @ParameterizedTest
  @MethodSource("imageNetReferences")
  void imageNetWeightsAndMacs(String name, long weights, double gmacs, int layers) {
    Network n = Zoo.get(name);
    assertThat(n.weights()).isEqualTo(weights);
    assertThat((double) n.macs()).isCloseTo(gmacs * 1e9, withinPercentage(1));
    assertThat(n.layers()).hasSize(layers);
  }

  static Stream<Arguments> imageNetReferences() {
    return Stream.of(
        // torchvision num_params - 2 * BN channels - fc bias
        Arguments.of("resnet18", 11_689_512L - 2 * 4_800 - 1000, 1.814, 21),
        Arguments.of("resnet34", 21_797_672L - 2 * 8_512 - 1000, 3.664, 37),
        Arguments.of("resnet50", 25_557_032L - 2 * 26_560 - 1000, 4.089, 54),
        Arguments.of("resnet101", 44_549_160L - 2 * 52_672 - 1000, 7.801, 105),
        Arguments.of("resnet152", 60_192_808L - 2 * 75_712 - 1000, 11.514, 156),
        Arguments.of("vgg16", 138_344_128L, 15.47, 16),
        // the paper's GoogLeNet (5x5 branch, not torchvision's): hand count, 6,998,552 with biases
        Arguments.of("googlenet", 6_990_272L, 1.583, 58),
        Arguments.of("densenet121", 7_978_856L - 2 * 41_824 - 1000, 2.834, 121),
        Arguments.of("mobilenetv2", 3_504_872L - 2 * 17_056 - 1000, 0.301, 53),
        // no BN: torchvision num_params - the biases of its 26 convs
        Arguments.of("squeezenet1_1", 1_235_496L - 3_944, 0.349, 26),
        // 8,090 BN channels; 0.146 G is the ShuffleNetV2 paper's 146 MFLOPs (multiply-adds)
        Arguments.of("shufflenet_v2_x1_0", 2_278_604L - 2 * 8_090 - 1000, 0.146, 57),
        // torchvision num_params - 2 * BN channels - the biases of the SE convs and the Linears
        Arguments.of("mobilenet_v3_large", 5_483_032L - 2 * 12_200 - 7_360, 0.217, 64),
        Arguments.of("efficientnet_b0", 5_288_548L - 2 * 21_008 - 10_340, 0.386, 82));
  }

  @Test
  void exactFiguresOfThePaper() {
    assertThat(Zoo.get("resnet50").weights()).isEqualTo(25_502_912);
    assertThat(Zoo.get("resnet50").macs()).isEqualTo(4_089_184_256L);
    assertThat(Zoo.get("vgg16").weights()).isEqualTo(138_344_128);
    assertThat(Zoo.get("googlenet").macs()).isEqualTo(1_582_671_872L);
    assertThat(Zoo.get("densenet121").macs()).isEqualTo(2_834_161_664L);
    assertThat(Zoo.get("mobilenetv2").macs()).isEqualTo(300_774_272L);
    assertThat(Zoo.get("squeezenet1_1").macs()).isEqualTo(349_151_936L);
    assertThat(Zoo.get("shufflenet_v2_x1_0").macs()).isEqualTo(144_907_992L);
    assertThat(Zoo.get("mobilenet_v3_large").macs()).isEqualTo(216_589_760L);
    assertThat(Zoo.get("efficientnet_b0").macs()).isEqualTo(385_814_752L);
  }

  /**
   * The squeeze-and-excitation networks against torchvision's parameter counts, exactly.
   * MobileNetV3-Large, 5,483,032: 5,451,272 conv and Linear weights, gamma and beta of 12,200 BN
   * channels (24,400), and 7,360 biases (the 8 SE blocks' two 1x1 convs, 6,080, and the
   * classifier's Linears, 1,280 + 1,000). EfficientNet-B0, 5,288,548: 5,236,192 weights, 21,008
   * BN channels (42,016), 10,340 biases (the 16 SE blocks' 9,340 and the classifier's 1,000).
   * Folding the BN leaves the weights as they are and turns each BN channel's 2 parameters into
   * 1 bias of its conv: 5,470,832 and 5,267,540 parameters folded. MACs 216,589,760 (1.5% under
   * the 0.22 G torchvision states) and 385,814,752 (1.1% under 0.39 G); the gate's products and
   * the global averages are not MACs of a crossbar.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
      "mobilenet_v3_large, 12200, 7360, 5451272, 5483032, 5470832, 216589760, 0.22, 8",
      "efficientnet_b0, 21008, 10340, 5236192, 5288548, 5267540, 385814752, 0.39, 16"})
  void squeezeAndExcitationFigures(String name, long bn, long biases, long weights,
      long torchvision, long folded, long macs, double gmacs, int gates) {
    Network n = Zoo.get(name);
    // BN follows every conv but the SE's, which have biases, as the Linears do
    long bnChannels = n.layers().stream().filter(l -> !l.bias()).mapToLong(Layer::outChannels).sum();
    long biasCount = n.layers().stream().filter(Layer::bias).mapToLong(Layer::outChannels).sum();
    assertThat(new long[] {bnChannels, biasCount, n.weights()}).containsExactly(bn, biases, weights);
    assertThat(n.weights() + 2 * bnChannels + biasCount).isEqualTo(torchvision);
    assertThat(n.weights() + bnChannels + biasCount).isEqualTo(folded);
    assertThat(n.macs()).isEqualTo(macs);
    assertThat((double) n.macs()).isCloseTo(gmacs * 1e9, withinPercentage(2));
    assertThat(n.hasGates()).isTrue();
    assertThat(n.layers().stream().filter(l -> l.gate() != null)).hasSize(gates);
  }

  @Test
  void mobilenetV3LargeLayout() {
    Network n = Zoo.get("mobilenet_v3_large");
    assertThat(n.layers().stream().filter(l -> l.gate() != null).map(Layer::name))
        .containsExactly("b4p", "b5p", "b6p", "b11p", "b12p", "b13p", "b14p", "b15p");
    // b4: 24 -> 72 expanded, 5x5/2 depthwise, squeeze _make_divisible(72 // 4, 8) = 24
    assertThat(n.layer("b4d").convOutput()).isEqualTo(new Shape(72, 28, 28));
    assertThat(n.layer("b4s1").input()).isEqualTo(new Shape(72, 28, 28));
    assertThat(n.layer("b4s1").prePool()).isEqualTo(Pool.globalAvg());
    assertThat(n.layer("b4s1").outChannels()).isEqualTo(24);
    assertThat(n.layer("b4s1").activation()).isEqualTo(Activation.RELU);
    assertThat(n.layer("b4s2").output()).isEqualTo(new Shape(72, 1, 1));
    assertThat(n.layer("b4s2").activation()).isEqualTo(Activation.hardSigmoid(1f / 6, 0.5f));
    assertThat(n.layer("b4p").gate()).isEqualTo(new Gate("b4s2"));
    assertThat(n.layer("b4p").producers()).containsExactly("b4d", "b4s2");
    assertThat(n.layer("b15s1").outChannels()).isEqualTo(240);
    assertThat(n.layer("b15p").residual()).isEqualTo(new Residual("b14p", 1));
    assertThat(n.layer("b1d").producers()).containsExactly("conv1"); // expansion 1: no b1e
    assertThat(n.layer("b7d").activation()).isEqualTo(Activation.HARD_SWISH);
    assertThat(n.layer("conv2").output()).isEqualTo(new Shape(960, 1, 1));
    assertThat(n.layer("fc1").activation()).isEqualTo(Activation.HARD_SWISH);
    assertThat(n.layer("fc2").rows()).isEqualTo(1280);
  }

  @Test
  void efficientnetB0Layout() {
    Network n = Zoo.get("efficientnet_b0");
    // b1: expansion 1, squeeze max(1, 32 // 4) = 8; b2: 16 -> 96, squeeze 16 // 4 = 4
    assertThat(n.layer("b1d").producers()).containsExactly("conv1");
    assertThat(n.layer("b1s1").outChannels()).isEqualTo(8);
    assertThat(n.layer("b2s1").outChannels()).isEqualTo(4);
    assertThat(n.layer("b2s1").activation()).isEqualTo(Activation.SILU);
    assertThat(n.layer("b2s2").activation()).isEqualTo(Activation.SIGMOID);
    assertThat(n.layer("b2p").gate()).isEqualTo(new Gate("b2s2"));
    assertThat(n.layer("b3p").residual()).isEqualTo(new Residual("b2p", 1));
    assertThat(n.layer("b16d").convOutput()).isEqualTo(new Shape(1152, 7, 7));
    assertThat(n.layer("b16s1").outChannels()).isEqualTo(48);
    assertThat(n.layer("conv2").output()).isEqualTo(new Shape(1280, 1, 1));
    assertThat(n.layer("fc").rows()).isEqualTo(1280);
  }

  @Test
  void aGateMustBeOneValuePerInputChannel() {
    NetworkBuilder b = new NetworkBuilder("se", "test", new Shape(4, 8, 8));
    b.conv("a", 6, 3, 1, 1).add();
    b.conv("s", 6, 1, 1, 0).prePool(Pool.globalAvg()).bias(true).add();
    b.conv("t", 5, 1, 1, 0).bias(true).add();
    assertThatThrownBy(() -> b.conv("p", 2, 1, 1, 0).from("a").gate("t").add())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("se/p: gate t gives 5x1x1, not the 6x1x1 its input of 6x8x8 needs");
    assertThatThrownBy(() -> b.conv("q", 2, 1, 1, 0).from("a").gate("a").add())
        .hasMessage("se/q: gate a gives 6x8x8, not the 6x1x1 its input of 6x8x8 needs");
    b.conv("p", 2, 1, 1, 0).from("a").gate("s").add();
    Network n = b.build();
    assertThat(n.layer("p").gate()).isEqualTo(new Gate("s"));
    assertThat(n.layer("p").producers()).containsExactly("a", "s");
    assertThat(n.hasGates()).isTrue();
    assertThat(Zoo.get("mobilenetv2").hasGates()).isFalse();
  }

  @Test
  void resnet50Layout() {
    Network n = Zoo.get("resnet50");
    Layer last = n.layer("s4b3c");
    assertThat(last.convOutput()).isEqualTo(new Shape(2048, 7, 7));
    assertThat(last.output()).isEqualTo(new Shape(2048, 1, 1));
    assertThat(n.layer("conv1").output()).isEqualTo(new Shape(64, 56, 56));
    // v1.5: the stride sits in the 3x3 conv
    assertThat(n.layer("s2b1a").strideH()).isEqualTo(1);
    assertThat(n.layer("s2b1b").strideH()).isEqualTo(2);
    assertThat(n.layers().stream().filter(l -> l.name().endsWith("ds")).map(Layer::name))
        .containsExactly("s1b1ds", "s2b1ds", "s3b1ds", "s4b1ds");
    assertThat(n.layer("s2b1ds").activation()).isEqualTo(Activation.NONE);
    assertThat(n.layer("s2b1c").residual()).isEqualTo(new Residual("s2b1ds", 1));
    assertThat(n.layer("s2b2c").residual()).isEqualTo(new Residual("s2b1c", 1));
    assertThat(n.layer("fc").rows()).isEqualTo(2048);
  }

  @Test
  void resnet18HasNoDownsampleInStageOne() {
    Network n = Zoo.get("resnet18");
    assertThat(n.layers().stream().filter(l -> l.name().endsWith("ds")).map(Layer::name))
        .containsExactly("s2b1ds", "s3b1ds", "s4b1ds");
    assertThat(n.layer("s1b1b").residual()).isEqualTo(new Residual("conv1", 1));
  }

  @Test
  void googlenetShapes() {
    Network n = Zoo.get("googlenet");
    assertThat(n.layer("inc3a_1x1").input()).isEqualTo(new Shape(192, 28, 28));
    assertThat(n.layer("inc4a_1x1").input()).isEqualTo(new Shape(480, 14, 14));
    assertThat(n.layer("inc5a_1x1").input()).isEqualTo(new Shape(832, 7, 7));
    assertThat(n.layer("inc3a_5x5").rows()).isEqualTo(5 * 5 * 16);
    assertThat(n.layer("inc4a_pool").prePool()).isEqualTo(Pool.maxCeil(3, 1, 1));
    assertThat(n.layer("inc4a_pool").convInput()).isEqualTo(new Shape(480, 14, 14));
    Layer fc = n.layer("fc");
    assertThat(fc.producers())
        .containsExactly("inc5b_1x1", "inc5b_3x3", "inc5b_5x5", "inc5b_pool");
    assertThat(fc.input()).isEqualTo(new Shape(1024, 7, 7));
    assertThat(fc.rows()).isEqualTo(1024);
  }

  @Test
  void densenetShapes() {
    Network n = Zoo.get("densenet121");
    assertThat(n.layer("t1").input()).isEqualTo(new Shape(256, 56, 56));
    assertThat(n.layer("t1").output()).isEqualTo(new Shape(128, 28, 28));
    assertThat(n.layer("t1").inputActivation()).isEqualTo(Activation.RELU);
    assertThat(n.layer("b1l6a").producers())
        .containsExactly("conv0", "b1l1b", "b1l2b", "b1l3b", "b1l4b", "b1l5b");
    assertThat(n.layer("b1l6a").input()).isEqualTo(new Shape(224, 56, 56));
    assertThat(n.layer("b2l1a").producers()).containsExactly("t1");
    Layer fc = n.layer("fc");
    assertThat(fc.input()).isEqualTo(new Shape(1024, 7, 7));
    assertThat(fc.producers()).hasSize(17).startsWith("t3").endsWith("b4l16b");
    assertThat(fc.inputActivation()).isEqualTo(Activation.RELU);
  }

  @Test
  void mobilenetv2Shapes() {
    Network n = Zoo.get("mobilenetv2");
    assertThat(n.layer("conv2").convOutput()).isEqualTo(new Shape(1280, 7, 7));
    assertThat(n.layer("fc").input()).isEqualTo(new Shape(1280, 1, 1));
    assertThat(n.layer("b2d").groups()).isEqualTo(96);
    assertThat(n.layer("b2d").rows()).isEqualTo(9);
    assertThat(n.layer("b1d").producers()).containsExactly("conv1"); // t = 1: no expansion
    assertThat(n.layers().stream().filter(l -> l.residual() != null)).hasSize(10);
    assertThat(n.layer("b3p").residual()).isEqualTo(new Residual("b2p", 1));
  }

  @Test
  void squeezenetShapes() {
    Network n = Zoo.get("squeezenet1_1");
    long biases = n.layers().stream().mapToLong(Layer::outChannels).sum();
    assertThat(biases).isEqualTo(3_944);
    assertThat(n.weights() + biases).isEqualTo(1_235_496); // torchvision's num_params, exactly
    assertThat((double) n.macs()).isCloseTo(0.35e9, withinPercentage(2));
    assertThat(n.layers()).allSatisfy(l -> {
      assertThat(l.bias()).as(l.name()).isTrue();
      assertThat(l.activation()).as(l.name()).isEqualTo(Activation.RELU);
    });
    assertThat(n.layer("conv1").convOutput()).isEqualTo(new Shape(64, 111, 111));
    assertThat(n.layer("conv1").output()).isEqualTo(new Shape(64, 55, 55));
    assertThat(n.layer("f2e3").producers()).containsExactly("f2s");
    assertThat(n.layer("f2e3").padTop()).isEqualTo(1);
    assertThat(n.layer("f3s").producers()).containsExactly("f2e1", "f2e3");
    assertThat(n.layer("f3s").input()).isEqualTo(new Shape(128, 55, 55));
    assertThat(n.layer("f3e1").postPool()).isEqualTo(Pool.maxCeil(3, 2, 0));
    assertThat(n.layer("f3e3").output()).isEqualTo(new Shape(64, 27, 27));
    assertThat(n.layer("f6s").input()).isEqualTo(new Shape(256, 13, 13));
    Layer conv10 = n.layer("conv10");
    assertThat(conv10.producers()).containsExactly("f9e1", "f9e3");
    assertThat(conv10.convOutput()).isEqualTo(new Shape(1000, 13, 13));
    assertThat(conv10.postPool()).isEqualTo(Pool.globalAvg());
    // ceil mode counts: at 68x68 conv1 gives 33x33, then 16, then 8 (floor: 7), then 4 (floor: 3)
    Network small = Zoo.get("squeezenet1_1", 68, 68);
    assertThat(small.layer("f3e1").output()).isEqualTo(new Shape(64, 8, 8));
    assertThat(small.layer("f5e3").output()).isEqualTo(new Shape(128, 4, 4));
  }

  /**
   * ShuffleNetV2 x1.0 against torchvision's 2,278,604 parameters: 2,261,424 conv and fc weights,
   * gamma and beta of 8,090 BN channels (16,180) and the fc's 1,000 biases. Folding the BN leaves
   * the weights' count as it is and turns each BN channel's 2 parameters into 1 bias of its conv:
   * 2,270,514 parameters folded. MACs: 144,907,992, within 2% (0.75% under) of the 146 M of the
   * ShuffleNetV2 paper (Ma et al. 2018, Table 5, 1x: 146 MFLOPs counted as multiply-adds), which
   * the 0.15 G rounds; torchvision states 0.14 GFLOPS.
   */
  @Test
  void shufflenetV2Figures() {
    Network n = Zoo.get("shufflenet_v2_x1_0");
    long bnChannels = n.layers().stream().filter(l -> l.kind() == Layer.Kind.CONV)
        .mapToLong(Layer::outChannels).sum();
    assertThat(bnChannels).isEqualTo(8_090);
    assertThat(n.weights()).isEqualTo(2_261_424);
    assertThat(n.weights() + 2 * bnChannels + 1000).isEqualTo(2_278_604); // torchvision, exactly
    assertThat(n.weights() + bnChannels + 1000).isEqualTo(2_270_514); // folded: one bias per BN channel
    assertThat(n.macs()).isEqualTo(144_907_992L);
    assertThat((double) n.macs()).isCloseTo(146e6, withinPercentage(2));
    assertThat(n.layers()).allSatisfy(l -> assertThat(l.bias()).as(l.name()).isEqualTo(l.name().equals("fc")));
  }

  /**
   * A split, a shuffle and a concatenation add no layer: 1 + 3 x 5 (stride-2 units) + 13 x 3
   * (stride-1 units) + conv5 + fc = 57 layers, and a layer reads the parts of its producers.
   */
  @Test
  void shufflenetV2Layout() {
    Network n = Zoo.get("shufflenet_v2_x1_0");
    assertThat(n.layers()).hasSize(57);
    assertThat(n.layer("conv1").output()).isEqualTo(new Shape(24, 56, 56));
    Layer dw = n.layer("s2u1b1d");
    assertThat(dw.groups()).isEqualTo(24);
    assertThat(dw.convOutput()).isEqualTo(new Shape(24, 28, 28));
    assertThat(dw.activation()).isEqualTo(Activation.NONE);
    assertThat(n.layer("s2u1b2a").producers()).containsExactly("conv1");
    assertThat(n.layer("s2u1b2d").activation()).isEqualTo(Activation.NONE);
    assertThat(n.layer("s2u1b2p").activation()).isEqualTo(Activation.RELU);
    // unit 1 ends in cat(b1p, b2p) shuffled: b1p0, b2p0, b1p1, b2p1, ...; unit 2's split takes
    // the second half, channels 58..115 of each, read producer by producer
    assertThat(n.layer("s3u2a").inputs()).containsExactly(new Input("s3u1b1p", 58, 58),
        new Input("s3u1b2p", 58, 58));
    assertThat(n.layer("s3u2a").input()).isEqualTo(new Shape(116, 14, 14));
    // unit 3's second half: a quarter of each of unit 1's branches, half of unit 2's output
    assertThat(n.layer("s3u3a").inputs()).containsExactly(new Input("s3u1b1p", 29, 29),
        new Input("s3u2p", 58, 58), new Input("s3u1b2p", 29, 29));
    Layer conv5 = n.layer("conv5");
    assertThat(conv5.input()).isEqualTo(new Shape(464, 7, 7));
    assertThat(conv5.producers()).containsExactlyInAnyOrder("s4u1b1p", "s4u1b2p", "s4u2p", "s4u3p", "s4u4p");
    assertThat(conv5.output()).isEqualTo(new Shape(1024, 1, 1));
    assertThat(n.layer("fc").rows()).isEqualTo(1024);
    // every channel of every layer is read: the halves passed unchanged reach conv5
    for (Layer l : n.layers().subList(0, n.layers().size() - 1)) {
      boolean[] read = new boolean[l.outChannels()];
      for (Layer c : n.layers()) {
        for (Input in : c.inputs()) {
          if (in.from().equals(l.name())) {
            java.util.Arrays.fill(read, in.firstChannel(), in.firstChannel() + in.channels(), true);
          }
        }
      }
      for (int ch = 0; ch < read.length; ch++) {
        assertThat(read[ch]).as(l.name() + " channel " + ch).isTrue();
      }
    }
  }

  @Test
  void aLayerReadsChannelRangesAndARangeBeyondItsProducerIsRefused() {
    NetworkBuilder b = new NetworkBuilder("parts", "test", new Shape(3, 8, 8));
    b.conv("a", 4, 1, 1, 0).add();
    b.conv("b", 6, 1, 1, 0).add();
    b.conv("c", 2, 1, 1, 0).fromParts(List.of(new Input("b", 2, 3), new Input("a", 0, 1))).add();
    Layer c = b.build().layer("c");
    assertThat(c.input()).isEqualTo(new Shape(4, 8, 8));
    assertThat(c.producers()).containsExactly("b", "a");
    assertThatThrownBy(() -> b.conv("d", 2, 1, 1, 0).fromParts(List.of(new Input("a", 3, 2))).add())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("parts/d: channels 3 to 5 of a, whose output is 4x8x8");
  }

  // ---- other input sizes and mistakes ----

  @ParameterizedTest
  @ValueSource(strings = {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "vgg16",
      "googlenet", "densenet121", "mobilenetv2", "squeezenet1_1", "shufflenet_v2_x1_0",
      "mobilenet_v3_large", "efficientnet_b0"})
  void reducedInputKeepsThousandClasses(String name) {
    Network small = Zoo.get(name, 64, 64);
    assertThat(small.input()).isEqualTo(new Shape(3, 64, 64));
    assertThat(small.output().output()).isEqualTo(new Shape(1000, 1, 1));
    assertThat(small.macs()).isLessThan(Zoo.get(name).macs() / 10);
  }

  @Test
  void vgg16Fc6FollowsTheInput() {
    assertThat(Zoo.get("vgg16").layer("fc6").rows()).isEqualTo(25088);
    assertThat(Zoo.get("vgg16", 64, 64).layer("fc6").rows()).isEqualTo(512 * 2 * 2);
  }

  @Test
  void unknownModelIsOneLine() {
    assertThatThrownBy(() -> Zoo.get("alexnet"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown model 'alexnet'; use one of resnet20, resnet32,")
        .hasMessageEndingWith("shufflenet_v2_x1_0, mobilenet_v3_large, efficientnet_b0")
        .hasMessageNotContaining("\n");
  }

  @Test
  void tooSmallInputIsOneLine() {
    assertThatThrownBy(() -> Zoo.get("vgg16", 16, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("input 16x16 is too small for vgg16 (")
        .hasMessageEndingWith("the smallest square input it takes is 32x32")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> Zoo.get("googlenet", 0, 64))
        .hasMessageStartingWith("input 0x64 is too small for googlenet");
  }

  @Test
  void smallestAdvertisedInputWorks() {
    assertThat(Zoo.get("vgg16", 32, 32).layer("fc6").rows()).isEqualTo(512);
  }

  @Test
  void namesAreAnUnmodifiableCopy() {
    List<String> names = Zoo.names();
    assertThatThrownBy(() -> names.add("x")).isInstanceOf(UnsupportedOperationException.class);
  }
}
