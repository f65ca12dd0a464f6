package fivepp.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The model zoo: well-known CNNs as layer graphs (paper.md B1), each at its native input or at
 * another input size. Batch-norm layers are not weight layers (they fold into the preceding or,
 * for pre-activation, the following layer); weights count convolution and FC kernels, no biases.
 *
 * <pre>{@code
 * Network r32 = Zoo.get("resnet32");          // 3x32x32, 461,872 weights
 * Network r50 = Zoo.get("resnet50", 64, 64);  // a reduced input; the FC layer adapts
 * }</pre>
 */
public final class Zoo {
  private record Model(Shape input, Function<Shape, Network> factory) {}

  private static final Map<String, Model> MODELS = new LinkedHashMap<>();

  static {
    Shape cifar = new Shape(3, 32, 32);
    Shape imageNet = new Shape(3, 224, 224);
    for (int n : new int[] {3, 5, 7, 9, 18}) {
      String name = "resnet" + (6 * n + 2);
      MODELS.put(name, new Model(cifar, in -> resnetCifar(name, n, in)));
    }
    imageNetResnet("resnet18", new int[] {2, 2, 2, 2}, false);
    imageNetResnet("resnet34", new int[] {3, 4, 6, 3}, false);
    imageNetResnet("resnet50", new int[] {3, 4, 6, 3}, true);
    imageNetResnet("resnet101", new int[] {3, 4, 23, 3}, true);
    imageNetResnet("resnet152", new int[] {3, 8, 36, 3}, true);
    MODELS.put("vgg16", new Model(imageNet, Zoo::vgg16));
    MODELS.put("googlenet", new Model(imageNet, Zoo::googlenet));
    MODELS.put("densenet121", new Model(imageNet, Zoo::densenet121));
    MODELS.put("mobilenetv2", new Model(imageNet, Zoo::mobilenetv2));
    MODELS.put("squeezenet1_1", new Model(imageNet, Zoo::squeezenet11));
    MODELS.put("shufflenet_v2_x1_0", new Model(imageNet, Zoo::shufflenetV2));
    MODELS.put("mobilenet_v3_large", new Model(imageNet, Zoo::mobilenetV3Large));
    MODELS.put("efficientnet_b0", new Model(imageNet, Zoo::efficientnetB0));
  }

  private Zoo() {}

  private static void imageNetResnet(String name, int[] blocks, boolean bottleneck) {
    MODELS.put(name, new Model(new Shape(3, 224, 224),
        in -> resnetImageNet(name, blocks, bottleneck, in)));
  }

  /** The model names, CIFAR-10 networks first. */
  public static List<String> names() {
    return List.copyOf(MODELS.keySet());
  }

  /** The native input of a model: 3x32x32 (CIFAR-10) or 3x224x224 (ImageNet). */
  public static Shape input(String name) {
    return model(name).input();
  }

  /** A model at its native input. */
  public static Network get(String name) {
    Shape in = input(name);
    return get(name, in.height(), in.width());
  }

  /**
   * A model at an input of {@code inputH x inputW} pixels (3 channels). Fully connected layers
   * cover their whole pooled input, so they adapt (VGG-16's fc6 grows or shrinks with it).
   *
   * @throws IllegalArgumentException for an unknown name or an input too small for the network
   */
  public static Network get(String name, int inputH, int inputW) {
    Model m = model(name);
    try {
      return m.factory().apply(new Shape(m.input().channels(), inputH, inputW));
    } catch (IllegalArgumentException e) {
      int side = smallestSide(m);
      if (side < 0) {
        throw new IllegalStateException(name + " cannot be built at its native input", e);
      }
      throw new IllegalArgumentException("input " + inputH + "x" + inputW + " is too small for "
          + name + " (" + e.getMessage() + "); the smallest square input it takes is "
          + side + "x" + side);
    }
  }

  private static Model model(String name) {
    Model m = MODELS.get(name);
    if (m == null) {
      throw new IllegalArgumentException("unknown model '" + name + "'; use one of "
          + String.join(", ", MODELS.keySet()));
    }
    return m;
  }

  /** The smallest square input side up to the native one the model builds at, or -1. */
  private static int smallestSide(Model m) {
    for (int side = 1; side <= m.input().height(); side++) {
      try {
        m.factory().apply(new Shape(m.input().channels(), side, side));
        return side;
      } catch (IllegalArgumentException tooSmall) {
        // try the next size
      }
    }
    return -1;
  }

  /** He et al. 2016 CIFAR-10 ResNet with 6n+2 layers and parameter-free "option A" shortcuts. */
  private static Network resnetCifar(String name, int n, Shape in) {
    NetworkBuilder b = new NetworkBuilder(name, "ResNet-" + (6 * n + 2) + " for CIFAR-10 (He et al."
        + " 2016, 6n+2, n=" + n + "): 3x3 convs without bias, BN folded; option-A shortcuts"
        + " (identity, stride 2 and zero-padded channels at stage changes); global avgpool as the"
        + " last conv's post-pool; fc 64->10", in);
    String x = b.conv("conv1", 16, 3, 1, 1).relu().add();
    for (int stage = 0; stage < 3; stage++) {
      int width = 16 << stage;
      for (int block = 0; block < n; block++) {
        int stride = stage > 0 && block == 0 ? 2 : 1;
        String p = "s" + (stage + 1) + "b" + (block + 1);
        b.conv(p + "a", width, 3, stride, 1).from(x).relu().add();
        NetworkBuilder.LayerBuilder last = b.conv(p + "b", width, 3, 1, 1).residual(x, stride).relu();
        if (stage == 2 && block == n - 1) {
          last.postPool(Pool.globalAvg());
        }
        x = last.add();
      }
    }
    b.fc("fc", 10).add();
    return b.build();
  }

  /** torchvision's ImageNet ResNet; bottleneck blocks carry the stride in the 3x3 conv (v1.5). */
  private static Network resnetImageNet(String name, int[] blocks, boolean bottleneck, Shape in) {
    int expansion = bottleneck ? 4 : 1;
    NetworkBuilder b = new NetworkBuilder(name, name + " (torchvision layout, "
        + (bottleneck ? "bottleneck blocks, stride in the 3x3 conv (v1.5)" : "basic blocks")
        + "): convs without bias, BN folded; downsample shortcuts are 1x1 conv layers added as the"
        + " block's residual; global avgpool as the last conv's post-pool; fc "
        + 512 * expansion + "->1000", in);
    String x = b.conv("conv1", 64, 7, 2, 3).relu().postPool(Pool.max(3, 2, 1)).add();
    int channels = 64;
    for (int stage = 0; stage < blocks.length; stage++) {
      int width = 64 << stage;
      int out = width * expansion;
      for (int block = 0; block < blocks[stage]; block++) {
        int stride = stage > 0 && block == 0 ? 2 : 1;
        String p = "s" + (stage + 1) + "b" + (block + 1);
        if (bottleneck) {
          b.conv(p + "a", width, 1, 1, 0).from(x).relu().add();
          b.conv(p + "b", width, 3, stride, 1).relu().add();
        } else {
          b.conv(p + "a", width, 3, stride, 1).from(x).relu().add();
        }
        String body = b.last();
        String shortcut = x;
        if (stride != 1 || channels != out) {
          shortcut = b.conv(p + "ds", out, 1, stride, 0).from(x).add();
        }
        int k = bottleneck ? 1 : 3;
        NetworkBuilder.LayerBuilder last = b.conv(p + (bottleneck ? "c" : "b"), out, k, 1, k / 2)
            .from(body).residual(shortcut, 1).relu();
        if (stage == blocks.length - 1 && block == blocks[stage] - 1) {
          last.postPool(Pool.globalAvg());
        }
        x = last.add();
        channels = out;
      }
    }
    b.fc("fc", 1000).add();
    return b.build();
  }

  /** VGG-16, configuration D (Simonyan and Zisserman 2015). */
  private static Network vgg16(Shape in) {
    NetworkBuilder b = new NetworkBuilder("vgg16", "VGG-16 (configuration D): 13 3x3 convs with"
        + " bias and ReLU, 2x2 max-pools as post-pools of conv1_2, 2_2, 3_3, 4_3, 5_3; fc6, fc7"
        + " (ReLU), fc8; dropout ignored (inference)", in);
    int[][] stages = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
    for (int s = 0; s < stages.length; s++) {
      for (int i = 0; i < stages[s].length; i++) {
        NetworkBuilder.LayerBuilder conv =
            b.conv("conv" + (s + 1) + "_" + (i + 1), stages[s][i], 3, 1, 1).bias(true).relu();
        if (i == stages[s].length - 1) {
          conv.postPool(Pool.max(2, 2, 0));
        }
        conv.add();
      }
    }
    b.fc("fc6", 4096).relu().add();
    b.fc("fc7", 4096).relu().add();
    b.fc("fc8", 1000).add();
    return b.build();
  }

  /** GoogLeNet (Inception v1) as in Szegedy et al. 2015, 5x5 convs in the third branch. */
  private static Network googlenet(Shape in) {
    NetworkBuilder b = new NetworkBuilder("googlenet", "GoogLeNet (Inception v1, Szegedy et al."
        + " 2015: 5x5 third branch, no LRN, no auxiliary classifiers): convs with bias and ReLU;"
        + " each inception block's output is the concatenation of its 4 branch layers (1x1, 3x3,"
        + " 5x5, pool projection with a 3x3/1 max pre-pool), every consumer listing all 4 (the"
        + " mapping forwards or sends them directly, --concat); stage max-pools"
        + " are post-pools of the 4 producing branches; global avgpool as the fc's pre-pool", in);
    Pool stagePool = Pool.maxCeil(3, 2, 0);
    b.conv("conv1", 64, 7, 2, 3).bias(true).relu().postPool(stagePool).add();
    b.conv("conv2", 64, 1, 1, 0).bias(true).relu().add();
    b.conv("conv3", 192, 3, 1, 1).bias(true).relu().postPool(stagePool).add();
    // block, then 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection
    Object[][] table = {
        {"3a", 64, 96, 128, 16, 32, 32}, {"3b", 128, 128, 192, 32, 96, 64},
        {"4a", 192, 96, 208, 16, 48, 64}, {"4b", 160, 112, 224, 24, 64, 64},
        {"4c", 128, 128, 256, 24, 64, 64}, {"4d", 112, 144, 288, 32, 64, 64},
        {"4e", 256, 160, 320, 32, 128, 128}, {"5a", 256, 160, 320, 32, 128, 128},
        {"5b", 384, 192, 384, 48, 128, 128}};
    List<String> x = List.of("conv3");
    for (Object[] row : table) {
      String p = "inc" + row[0] + "_";
      Pool post = row[0].equals("3b") || row[0].equals("4e") ? stagePool : null;
      String b1 = b.conv(p + "1x1", (int) row[1], 1, 1, 0).from(x).bias(true).relu()
          .postPool(post).add();
      b.conv(p + "3x3r", (int) row[2], 1, 1, 0).from(x).bias(true).relu().add();
      String b2 = b.conv(p + "3x3", (int) row[3], 3, 1, 1).bias(true).relu().postPool(post).add();
      b.conv(p + "5x5r", (int) row[4], 1, 1, 0).from(x).bias(true).relu().add();
      String b3 = b.conv(p + "5x5", (int) row[5], 5, 1, 2).bias(true).relu().postPool(post).add();
      String b4 = b.conv(p + "pool", (int) row[6], 1, 1, 0).from(x).prePool(Pool.maxCeil(3, 1, 1))
          .bias(true).relu().postPool(post).add();
      x = List.of(b1, b2, b3, b4);
    }
    b.fc("fc", 1000).from(x).prePool(Pool.globalAvg()).add();
    return b.build();
  }

  /** torchvision's DenseNet-121: growth 32, bn_size 4, blocks [6, 12, 24, 16]. */
  private static Network densenet121(Shape in) {
    NetworkBuilder b = new NetworkBuilder("densenet121", "DenseNet-121 (torchvision: growth 32,"
        + " bn_size 4, blocks 6/12/24/16): convs without bias; each dense layer is a 1x1 conv"
        + " (BN-ReLU pre-activation as input activation, BN folded, ReLU) then a 3x3 conv; a"
        + " block's concatenation lists every producer (the mapping forwards it or sends it"
        + " directly, --concat); transitions 1x1 with BN-ReLU pre-activation and 2x2 avgpool;"
        + " fc with norm5-ReLU pre-activation and global avgpool pre-pool", in);
    List<String> concat = new ArrayList<>(List.of(
        b.conv("conv0", 64, 7, 2, 3).relu().postPool(Pool.max(3, 2, 1)).add()));
    int channels = 64;
    int[] blocks = {6, 12, 24, 16};
    for (int block = 0; block < blocks.length; block++) {
      for (int l = 0; l < blocks[block]; l++) {
        String p = "b" + (block + 1) + "l" + (l + 1);
        b.conv(p + "a", 4 * 32, 1, 1, 0).from(concat).inputActivation(Activation.RELU).relu().add();
        concat.add(b.conv(p + "b", 32, 3, 1, 1).add());
        channels += 32;
      }
      if (block < blocks.length - 1) {
        channels /= 2;
        concat = new ArrayList<>(List.of(b.conv("t" + (block + 1), channels, 1, 1, 0).from(concat)
            .inputActivation(Activation.RELU).postPool(Pool.avg(2, 2)).add()));
      }
    }
    b.fc("fc", 1000).from(concat).inputActivation(Activation.RELU).prePool(Pool.globalAvg()).add();
    return b.build();
  }

  /** torchvision's MobileNet-v2, width multiplier 1.0. */
  private static Network mobilenetv2(Shape in) {
    NetworkBuilder b = new NetworkBuilder("mobilenetv2", "MobileNet-v2 (torchvision, width 1.0):"
        + " convs without bias, BN folded, ReLU6; inverted residual blocks bNe (1x1 expand, absent"
        + " when t=1), bNd (3x3 depthwise), bNp (1x1 linear projection, identity residual when"
        + " stride 1 and channels unchanged); conv2 1x1 ->1280 with global avgpool post-pool;"
        + " fc 1280->1000", in);
    String x = b.conv("conv1", 32, 3, 2, 1).relu6().add();
    int channels = 32;
    int block = 0;
    int[][] table = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1},
        {6, 160, 3, 2}, {6, 320, 1, 1}}; // expansion t, channels c, repeats n, first stride s
    for (int[] row : table) {
      for (int i = 0; i < row[2]; i++) {
        x = invertedResidual(b, "b" + ++block, x, 3, channels * row[0], row[1], i == 0 ? row[3] : 1,
            Activation.RELU6, 0, null, null);
        channels = row[1];
      }
    }
    b.conv("conv2", 1280, 1, 1, 0).relu6().postPool(Pool.globalAvg()).add();
    b.fc("fc", 1000).add();
    return b.build();
  }

  /** torchvision's SqueezeNet 1.1: 8 fire modules, no BN, no FC (the classifier is a 1x1 conv). */
  private static Network squeezenet11(Shape in) {
    NetworkBuilder b = new NetworkBuilder("squeezenet1_1", "SqueezeNet 1.1 (torchvision): convs"
        + " with bias and ReLU, no batch-norm; conv1 3x3/2 with a 3x3/2 ceil-mode max post-pool;"
        + " fire modules fNs (1x1 squeeze) then fNe1 (1x1 expand) and fNe3 (3x3 expand), both"
        + " reading fNs, every consumer listing both (the concatenation); the ceil-mode max-pools"
        + " after fire 2 and 4 are post-pools of both expands; dropout ignored (inference); the"
        + " classifier is conv10, 1x1 ->1000 with ReLU and a global avgpool post-pool", in);
    Pool pool = Pool.maxCeil(3, 2, 0);
    List<String> x = List.of(b.conv("conv1", 64, 3, 2, 0).bias(true).relu().postPool(pool).add());
    // squeeze, expand (each of the 1x1 and the 3x3), whether the max-pool follows
    int[][] table = {{16, 64, 0}, {16, 64, 1}, {32, 128, 0}, {32, 128, 1}, {48, 192, 0},
        {48, 192, 0}, {64, 256, 0}, {64, 256, 0}};
    for (int f = 0; f < table.length; f++) {
      String p = "f" + (f + 2);
      Pool post = table[f][2] == 1 ? pool : null;
      String s = b.conv(p + "s", table[f][0], 1, 1, 0).from(x).bias(true).relu().add();
      String e1 = b.conv(p + "e1", table[f][1], 1, 1, 0).from(s).bias(true).relu().postPool(post)
          .add();
      String e3 = b.conv(p + "e3", table[f][1], 3, 1, 1).from(s).bias(true).relu().postPool(post)
          .add();
      x = List.of(e1, e3);
    }
    b.conv("conv10", 1000, 1, 1, 0).from(x).bias(true).relu().postPool(Pool.globalAvg()).add();
    return b.build();
  }

  /**
   * torchvision's ShuffleNetV2 x1.0: stages of 4, 8 and 4 units, channels 24, 116, 232, 464, 1024.
   * A shuffle, a split and a concatenation add no layer: a value is a list of one-channel parts of
   * its producers (channel {@code i} of the value is part {@code i}), and the layer that reads it
   * takes each producer's channels together, ascending ({@link #read}); that is torchvision's
   * network with the reading layer's weight rows permuted, as the ONNX importer folds a shuffle.
   */
  private static Network shufflenetV2(Shape in) {
    NetworkBuilder b = new NetworkBuilder("shufflenet_v2_x1_0", "ShuffleNetV2 x1.0 (torchvision):"
        + " convs without bias, BN folded; conv1 3x3/2 ->24 with ReLU and a 3x3/2 max post-pool;"
        + " stages of 4, 8, 4 units (116, 232, 464 channels); a stride-2 unit has two branches,"
        + " sNu1b1d (3x3/2 depthwise) then sNu1b1p (1x1, ReLU), and sNu1b2a (1x1, ReLU), sNu1b2d"
        + " (3x3/2 depthwise), sNu1b2p (1x1, ReLU); a stride-1 unit splits its input in halves,"
        + " the first passes unchanged, the second goes through sNuMa, sNuMd, sNuMp; each unit's"
        + " concatenation is shuffled in 2 groups, which adds no layer: the layers reading it take"
        + " each producer's channels together, their weight rows permuted to match; conv5 1x1"
        + " ->1024 with ReLU and a global avgpool post-pool; fc 1024->1000", in);
    b.conv("conv1", 24, 3, 2, 1).relu().postPool(Pool.max(3, 2, 1)).add();
    List<Input> x = channels("conv1", 24);
    int[] repeats = {4, 8, 4};
    int[] widths = {116, 232, 464};
    for (int stage = 0; stage < repeats.length; stage++) {
      int half = widths[stage] / 2;
      for (int unit = 0; unit < repeats[stage]; unit++) {
        String p = "s" + (stage + 2) + "u" + (unit + 1);
        List<Input> kept;
        List<Input> branch;
        int stride;
        if (unit == 0) {
          stride = 2;
          b.conv(p + "b1d", x.size(), 3, 2, 1).fromParts(read(x)).depthwise().add();
          kept = channels(b.conv(p + "b1p", half, 1, 1, 0).relu().add(), half);
          branch = x;
          p += "b2";
        } else {
          stride = 1;
          kept = x.subList(0, x.size() / 2);
          branch = x.subList(x.size() / 2, x.size());
        }
        b.conv(p + "a", half, 1, 1, 0).fromParts(read(branch)).relu().add();
        b.conv(p + "d", half, 3, stride, 1).depthwise().add();
        List<Input> concat = new ArrayList<>(kept);
        concat.addAll(channels(b.conv(p + "p", half, 1, 1, 0).relu().add(), half));
        x = shuffle(concat, 2);
      }
    }
    b.conv("conv5", 1024, 1, 1, 0).fromParts(read(x)).relu().postPool(Pool.globalAvg()).add();
    b.fc("fc", 1000).add();
    return b.build();
  }

  /** torchvision's {@code _make_divisible(v, 8)}: v rounded to a multiple of 8, at most 10% down. */
  private static int divisible8(int v) {
    int r = Math.max(8, (v + 4) / 8 * 8);
    return r < 0.9 * v ? r + 8 : r;
  }

  /**
   * A squeeze-and-excitation block on {@code x} (torchvision's SqueezeExcitation): {@code p}s1, a
   * 1x1 conv with bias to {@code squeeze} channels reading x through a global average pre-pool,
   * then {@code p}s2, a 1x1 conv with bias back to x's channels; returns s2, the gate.
   */
  private static String squeezeExcite(NetworkBuilder b, String p, String x, int squeeze,
      Activation act, Activation scale) {
    int channels = b.shapeOf(x).channels();
    b.conv(p + "s1", squeeze, 1, 1, 0).from(x).prePool(Pool.globalAvg()).bias(true).activation(act)
        .add();
    return b.conv(p + "s2", channels, 1, 1, 0).bias(true).activation(scale).add();
  }

  /**
   * An inverted residual block (MobileNetV3's and EfficientNet's MBConv): {@code p}e (1x1
   * expand, absent when {@code expanded} equals the input's channels), {@code p}d (kxk
   * depthwise), the optional squeeze-and-excitation gate on {@code p}p (1x1 linear projection,
   * identity residual when stride 1 and channels unchanged). Returns the projection.
   */
  private static String invertedResidual(NetworkBuilder b, String p, String x, int kernel,
      int expanded, int out, int stride, Activation act, int squeeze, Activation act1,
      Activation scale) {
    int in = b.shapeOf(x).channels();
    String e = x;
    if (expanded != in) {
      e = b.conv(p + "e", expanded, 1, 1, 0).from(x).activation(act).add();
    }
    String d = b.conv(p + "d", expanded, kernel, stride, (kernel - 1) / 2).from(e).depthwise()
        .activation(act).add();
    String gate = squeeze > 0 ? squeezeExcite(b, p, d, squeeze, act1, scale) : null;
    NetworkBuilder.LayerBuilder project = b.conv(p + "p", out, 1, 1, 0).from(d);
    if (gate != null) {
      project.gate(gate);
    }
    if (stride == 1 && in == out) {
      project.residual(x, 1);
    }
    return project.add();
  }

  /**
   * torchvision's MobileNetV3-Large (width 1.0): its _mobilenet_v3_conf inverted residual
   * settings, squeeze channels _make_divisible(expanded // 4, 8), Hardsigmoid (relu6(x + 3) / 6,
   * ONNX's HardSigmoid with alpha 1/6, beta 1/2) on the gate.
   */
  private static Network mobilenetV3Large(Shape in) {
    NetworkBuilder b = new NetworkBuilder("mobilenet_v3_large", "MobileNetV3-Large (torchvision,"
        + " width 1.0): convs without bias, BN folded; conv1 3x3/2 ->16 with Hardswish; 15"
        + " inverted residual blocks bNe (1x1 expand, absent when the expansion is 1), bNd (kxk"
        + " depthwise, ReLU or Hardswish), bNp (1x1 linear projection, identity residual when"
        + " stride 1 and channels unchanged); in 8 blocks squeeze-and-excitation: bNs1 (1x1 with"
        + " bias and ReLU over bNd's global average, a pre-pool) and bNs2 (1x1 with bias and"
        + " Hardsigmoid), whose output gates bNp's input channel by channel; conv2 1x1 ->960"
        + " Hardswish with global avgpool post-pool; fc1 960->1280 Hardswish, fc2 1280->1000;"
        + " dropout ignored (inference)", in);
    Activation hs = Activation.HARD_SWISH;
    Activation hsig = Activation.hardSigmoid(1f / 6, 0.5f);
    String x = b.conv("conv1", 16, 3, 2, 1).activation(hs).add();
    // kernel, expanded, out, SE (1/0), Hardswish (1) or ReLU (0), stride
    int[][] table = {{3, 16, 16, 0, 0, 1}, {3, 64, 24, 0, 0, 2}, {3, 72, 24, 0, 0, 1},
        {5, 72, 40, 1, 0, 2}, {5, 120, 40, 1, 0, 1}, {5, 120, 40, 1, 0, 1}, {3, 240, 80, 0, 1, 2},
        {3, 200, 80, 0, 1, 1}, {3, 184, 80, 0, 1, 1}, {3, 184, 80, 0, 1, 1},
        {3, 480, 112, 1, 1, 1}, {3, 672, 112, 1, 1, 1}, {5, 672, 160, 1, 1, 2},
        {5, 960, 160, 1, 1, 1}, {5, 960, 160, 1, 1, 1}};
    for (int i = 0; i < table.length; i++) {
      int[] r = table[i];
      x = invertedResidual(b, "b" + (i + 1), x, r[0], r[1], r[2], r[5],
          r[4] == 1 ? hs : Activation.RELU, r[3] == 1 ? divisible8(r[1] / 4) : 0, Activation.RELU,
          hsig);
    }
    b.conv("conv2", 960, 1, 1, 0).from(x).activation(hs).postPool(Pool.globalAvg()).add();
    b.fc("fc1", 1280).activation(hs).add();
    b.fc("fc2", 1000).add();
    return b.build();
  }

  /**
   * torchvision's EfficientNet-B0: its MBConv settings, SiLU, squeeze channels
   * max(1, input_channels // 4), Sigmoid on the gate.
   */
  private static Network efficientnetB0(Shape in) {
    NetworkBuilder b = new NetworkBuilder("efficientnet_b0", "EfficientNet-B0 (torchvision):"
        + " convs without bias, BN folded, SiLU; conv1 3x3/2 ->32; 16 MBConv blocks bNe (1x1"
        + " expand, absent when the expansion is 1), bNd (kxk depthwise), squeeze-and-excitation"
        + " bNs1 (1x1 with bias and SiLU over bNd's global average, a pre-pool, to a quarter of the"
        + " block's input channels) and bNs2 (1x1 with bias and Sigmoid), whose output gates bNp"
        + " (1x1 linear projection, identity residual when stride 1 and channels unchanged) channel"
        + " by channel; conv2 1x1 ->1280 SiLU with global avgpool post-pool; fc 1280->1000;"
        + " stochastic depth and dropout ignored (inference)", in);
    Activation silu = Activation.SILU;
    String x = b.conv("conv1", 32, 3, 2, 1).activation(silu).add();
    // expansion, kernel, first stride, out channels, repeats
    int[][] table = {{1, 3, 1, 16, 1}, {6, 3, 2, 24, 2}, {6, 5, 2, 40, 2}, {6, 3, 2, 80, 3},
        {6, 5, 1, 112, 3}, {6, 5, 2, 192, 4}, {6, 3, 1, 320, 1}};
    int block = 0;
    for (int[] r : table) {
      for (int i = 0; i < r[4]; i++) {
        int channels = b.shapeOf(x).channels();
        x = invertedResidual(b, "b" + ++block, x, r[1], channels * r[0], r[3], i == 0 ? r[2] : 1,
            silu, Math.max(1, channels / 4), silu, Activation.SIGMOID);
      }
    }
    b.conv("conv2", 1280, 1, 1, 0).from(x).activation(silu).postPool(Pool.globalAvg()).add();
    b.fc("fc", 1000).add();
    return b.build();
  }

  /** The channels of a producer, one part each. */
  private static List<Input> channels(String producer, int count) {
    List<Input> r = new ArrayList<>();
    for (int c = 0; c < count; c++) {
      r.add(new Input(producer, c, 1));
    }
    return r;
  }

  /** A channel shuffle of {@code groups}: [g, C/g] transposed to [C/g, g], flattened. */
  private static List<Input> shuffle(List<Input> value, int groups) {
    int per = value.size() / groups;
    List<Input> r = new ArrayList<>();
    for (int i = 0; i < per; i++) {
      for (int g = 0; g < groups; g++) {
        r.add(value.get(g * per + i));
      }
    }
    return r;
  }

  /**
   * The parts a layer reads a value in: each producer's channels together, producers in the order
   * they first appear, channels ascending, consecutive channels merged into one part.
   */
  private static List<Input> read(List<Input> value) {
    List<String> producers = value.stream().map(Input::from).distinct().toList();
    List<Input> sorted = new ArrayList<>(value);
    sorted.sort(Comparator.<Input>comparingInt(i -> producers.indexOf(i.from()))
        .thenComparingInt(Input::firstChannel));
    return Input.merged(sorted);
  }
}
