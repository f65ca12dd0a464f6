package fivepp.model.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import fivepp.model.Activation;
import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.LayerWeights;
import fivepp.model.Network;
import fivepp.model.Pool;
import fivepp.model.Residual;
import fivepp.model.Shape;
import fivepp.model.Weights;
import fivepp.onnx.AttributeProto;
import fivepp.onnx.GraphProto;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.OperatorSetIdProto;
import fivepp.onnx.TensorProto;
import fivepp.onnx.TensorShapeProto;
import fivepp.onnx.TypeProto;
import fivepp.onnx.ValueInfoProto;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a network of the layer graph with its weights as an ONNX model (IR version 8, opset 13,
 * producer "fivepp") that ONNX Runtime and other tools open and run.
 *
 * <p>The graph input is {@code input}, float {@code [1, C, H, W]}; the graph output is
 * {@code logits}, float {@code [1, classes]} (the last layer's output flattened). Each layer
 * becomes the operators of its definition in {@link Layer}, in that order:
 *
 * <ul>
 *   <li>inputs: the producers' values ({@code Slice} on axis 1 for a part of a producer's
 *       channels), {@code Concat} on axis 1 when there are several;
 *   <li>input activation: {@code Mul} by inScale and {@code Add} of inShift, both {@code [C,1,1]},
 *       then the activation;
 *   <li>pre-pool: {@code MaxPool} / {@code AveragePool} (ceil_mode, count_include_pad) /
 *       {@code GlobalAveragePool};
 *   <li>the weights: {@code Conv} (weight {@code [Cout, Cin/groups, kh, kw]}, bias {@code [Cout]});
 *       a fully connected layer ({@link Layer.Kind#FC} whose kernel covers its whole unpadded
 *       input, groups 1, dilation 1) becomes {@code Flatten} (axis 1) + {@code Gemm}
 *       (transB 1, weight {@code [Cout, C*kh*kw]}, bias {@code [Cout]}), as PyTorch exports a
 *       Linear layer: ONNX's flatten order (c, h, w) is the crossbar rows' order (ci, ky, kx);
 *   <li>residual: {@code Add}; a strided source is subsampled first by a {@code Slice}
 *       (starts 0, ends INT64_MAX, axes [2, 3], steps [s, s]) and a source with fewer channels is
 *       zero-padded at the end of the channel axis by a {@code Pad} (mode constant, pads as an
 *       input): the pair PyTorch emits for ResNet's parameter-free "option A" shortcut;
 *   <li>activation: {@code Relu}, {@code Clip} (min and max as inputs; ReLU6 is 0 and 6),
 *       {@code LeakyRelu}, {@code Sigmoid}, {@code Tanh}, {@code HardSigmoid}, {@code Elu},
 *       {@code Selu}, {@code Softplus}, {@code Softsign}, {@code PRelu} (slope {@code [C,1,1]},
 *       {@code [C]} after a Gemm), SiLU as {@code Mul(x, Sigmoid(x))} and HardSwish as
 *       {@code Mul(x, HardSigmoid(x))} with alpha 1/6 and beta 1/2 (HardSwish itself is opset 14),
 *       as PyTorch exports them;
 *   <li>post-pool as the pre-pool.
 * </ul>
 *
 * A {@code [1, C]} value (a Gemm's output) that feeds something needing a feature map is
 * reshaped to {@code [1, C, 1, 1]}. Every float tensor is stored as little-endian float32 in
 * {@code raw_data}, every int64 constant likewise; identical int64/scalar constants are shared.
 * Each layer's final value is named after the layer and declared in {@code value_info} with its
 * shape; its nodes are named {@code layer/Op}.
 */
public final class OnnxExporter {
  /** The IR version written: 8, read by ONNX 1.10 and every ONNX Runtime since 1.10. */
  public static final int IR_VERSION = 8;
  /** The opset of the default domain the graph is written against. */
  public static final int OPSET = 13;
  public static final String PRODUCER = "fivepp";
  public static final String PRODUCER_VERSION = "0.1.0";
  /** Name of the graph input (the image). */
  public static final String INPUT = "input";
  /** Name of the graph output. */
  public static final String OUTPUT = "logits";

  private OnnxExporter() {}

  /** The model as ONNX bytes. */
  public static byte[] export(Network net, Weights w) {
    return model(net, w).toByteArray();
  }

  /**
   * Writes the model to {@code file} atomically: into a temporary file in the same folder, then
   * moved over {@code file}. On failure nothing is left behind and an existing {@code file} is
   * untouched.
   *
   * @throws IOException e.g. when the folder does not exist or is not writable
   */
  public static void write(Network net, Weights w, Path file) throws IOException {
    ModelProto m = model(net, w);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null) {
      throw new IOException(file + " is not a file name");
    }
    // not Files.createTempFile: its owner-only permissions would stay with the moved file
    Path tmp = null;
    OutputStream stream = null;
    for (int attempt = 0; stream == null; attempt++) {
      tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime() + attempt)
          + ".tmp");
      try {
        stream = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 100) {
          throw e;
        }
      }
    }
    boolean moved = false;
    try {
      try (OutputStream out = new BufferedOutputStream(stream, 1 << 16)) {
        m.writeTo(out);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** The model as a protobuf message. */
  public static ModelProto model(Network net, Weights w) {
    if (w.network() != net && !w.network().layers().equals(net.layers())) {
      throw new IllegalArgumentException("weights of " + w.network().name() + " do not fit network "
          + net.name());
    }
    GraphProto graph = new Builder(net, w).build();
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName(PRODUCER)
        .setProducerVersion(PRODUCER_VERSION)
        .setDomain("fivepp")
        .setModelVersion(1)
        .setDocString(net.description())
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph)
        .build();
  }

  /** A value of the graph: its name and shape; {@code flat} when it is {@code [1, C]}. */
  private record Value(String name, Shape shape, boolean flat) {}

  /** Builds the graph one layer at a time. */
  private static final class Builder {
    private final Network net;
    private final Weights weights;
    private final GraphProto.Builder g = GraphProto.newBuilder();
    private final Map<String, Value> outputs = new HashMap<>();
    private final Map<String, String> constants = new LinkedHashMap<>();
    private final Map<String, Integer> opCount = new HashMap<>();
    private String layer;

    Builder(Network net, Weights weights) {
      this.net = net;
      this.weights = weights;
    }

    GraphProto build() {
      g.setName(net.name());
      g.addInput(valueInfo(INPUT, List.of(1L, (long) net.input().channels(),
          (long) net.input().height(), (long) net.input().width())));
      outputs.put(Network.INPUT, new Value(INPUT, net.input(), false));
      List<Layer> layers = net.layers();
      for (int i = 0; i < layers.size(); i++) {
        Layer l = layers.get(i);
        layer = l.name();
        Value v = layer(l, weights.of(l.name()), i == layers.size() - 1);
        outputs.put(l.name(), v);
      }
      Value last = outputs.get(net.output().name());
      g.addOutput(valueInfo(OUTPUT, List.of(1L, last.shape().elements())));
      return g.build();
    }

    /** Emits a layer's operators; the last layer's final value is the graph output. */
    private Value layer(Layer l, LayerWeights lw, boolean last) {
      boolean gemm = isGemm(l);
      boolean simpleFc = gemm && l.inputs().size() == 1 && l.inputActivation() == Activation.NONE
          && l.prePool() == null && l.gate() == null;
      Value x;
      if (simpleFc) {
        x = part(l.inputs().get(0));
      } else {
        List<Value> parts = new ArrayList<>();
        for (Input in : l.inputs()) {
          parts.add(spatial(part(in)));
        }
        x = parts.size() == 1 ? parts.get(0) : concat(parts, l.input());
      }
      if (!x.shape().equals(l.input())) {
        throw new IllegalStateException(l.name() + ": input " + x.shape() + " but the layer takes "
            + l.input());
      }
      if (l.gate() != null) {
        Value gate = spatial(outputs.get(l.gate().from()));
        x = new Value(node("Mul", List.of(gate.name(), x.name()), List.of()), x.shape(), false);
      }
      if (l.inputActivation() != Activation.NONE) {
        int c = l.input().channels();
        List<Long> dims = List.of((long) c, 1L, 1L);
        String scale = floats(l.name() + ".in_scale", dims, lw.inScale());
        String shift = floats(l.name() + ".in_shift", dims, lw.inShift());
        x = new Value(node("Mul", List.of(x.name(), scale), List.of()), x.shape(), false);
        x = new Value(node("Add", List.of(x.name(), shift), List.of()), x.shape(), false);
        x = activation(x, l.inputActivation(), l.name() + ".in_slope");
      }
      if (l.prePool() != null) {
        x = pool(x, l.prePool());
      }
      Shape convOut = l.convOutput();
      if (gemm) {
        if (!x.flat()) {
          x = new Value(node("Flatten", List.of(x.name()), List.of(intAttr("axis", 1))),
              x.shape(), true);
        }
        String wt = floats(l.name() + ".weight", List.of((long) l.outChannels(), (long) l.rows()),
            lw.weights());
        String b = floats(l.name() + ".bias", List.of((long) l.outChannels()), lw.bias());
        x = new Value(node("Gemm", List.of(x.name(), wt, b), List.of(intAttr("transB", 1))),
            convOut, true);
      } else {
        String wt = floats(l.name() + ".weight", List.of((long) l.outChannels(),
            (long) (l.input().channels() / l.groups()), (long) l.kernelH(), (long) l.kernelW()),
            lw.weights());
        String b = floats(l.name() + ".bias", List.of((long) l.outChannels()), lw.bias());
        x = new Value(node("Conv", List.of(x.name(), wt, b), List.of(
            intsAttr("kernel_shape", l.kernelH(), l.kernelW()),
            intsAttr("strides", l.strideH(), l.strideW()),
            intsAttr("pads", l.padTop(), l.padLeft(), l.padBottom(), l.padRight()),
            intsAttr("dilations", l.dilationH(), l.dilationW()),
            intAttr("group", l.groups()))), convOut, false);
      }
      if (l.residual() != null) {
        x = spatial(x);
        x = new Value(node("Add", List.of(x.name(), residual(l.residual(), convOut)), List.of()),
            convOut, false);
      }
      x = activation(x, l.activation(), l.name() + ".slope");
      if (l.postPool() != null) {
        x = pool(spatial(x), l.postPool());
      }
      if (!x.shape().equals(l.output())) {
        throw new IllegalStateException(l.name() + ": exported " + x.shape() + " but the layer gives "
            + l.output());
      }
      if (last) {
        return rename(x.flat() ? x
            : new Value(node("Flatten", List.of(x.name()), List.of(intAttr("axis", 1))), x.shape(),
                true), OUTPUT);
      }
      x = rename(x, l.name());
      g.addValueInfo(valueInfo(x.name(), dims(x)));
      return x;
    }

    /** An FC layer whose kernel covers its whole unpadded input: a Flatten + Gemm. */
    private static boolean isGemm(Layer l) {
      Shape in = l.convInput();
      return l.kind() == Layer.Kind.FC && l.groups() == 1 && l.dilationH() == 1
          && l.dilationW() == 1 && l.padTop() == 0 && l.padLeft() == 0 && l.padBottom() == 0
          && l.padRight() == 0 && l.kernelH() == in.height() && l.kernelW() == in.width();
    }

    /** A producer's value, sliced on the channel axis when only part of it is taken. */
    private Value part(Input in) {
      Value src = outputs.get(in.from());
      int c = src.shape().channels();
      if (in.firstChannel() == 0 && in.channels() == c) {
        return src;
      }
      String name = node("Slice", List.of(src.name(),
          int64s(in.firstChannel()), int64s(in.firstChannel() + in.channels()), int64s(1)), List.of());
      return new Value(name, src.shape().withChannels(in.channels()), src.flat());
    }

    /** A [1, C] value reshaped to [1, C, 1, 1]; a feature map as it is. */
    private Value spatial(Value v) {
      if (!v.flat()) {
        return v;
      }
      if (v.shape().pixels() != 1) {
        throw new IllegalStateException(layer + ": a flattened " + v.shape() + " cannot be reshaped");
      }
      String name = node("Reshape", List.of(v.name(), int64s(1, v.shape().channels(), 1, 1)), List.of());
      return new Value(name, v.shape(), false);
    }

    private Value concat(List<Value> parts, Shape shape) {
      List<String> names = parts.stream().map(Value::name).toList();
      return new Value(node("Concat", names, List.of(intAttr("axis", 1))), shape, false);
    }

    /** {@code a} of {@code x}; a per-channel slope becomes the initialiser {@code slopeName}. */
    private Value activation(Value x, Activation a, String slopeName) {
      return switch (a.kind()) {
        case NONE -> x;
        case RELU -> op("Relu", x);
        case RELU6 -> op("Clip", x, List.of(), scalar(0f), scalar(6f));
        case LEAKY_RELU -> op("LeakyRelu", x, List.of(floatAttr("alpha", a.alpha())));
        case CLIP -> op("Clip", x, List.of(), scalar(a.min()), scalar(a.max()));
        case SIGMOID -> op("Sigmoid", x);
        case TANH -> op("Tanh", x);
        case HARD_SIGMOID -> op("HardSigmoid", x, List.of(floatAttr("alpha", a.alpha()),
            floatAttr("beta", a.beta())));
        case ELU -> op("Elu", x, List.of(floatAttr("alpha", a.alpha())));
        case SELU -> op("Selu", x, List.of(floatAttr("alpha", a.alpha()), floatAttr("gamma", a.beta())));
        case SOFTPLUS -> op("Softplus", x);
        case SOFTSIGN -> op("Softsign", x);
        case PRELU -> op("PRelu", x, List.of(), floats(slopeName, x.flat() ? List.of((long) a.channels())
            : List.of((long) a.channels(), 1L, 1L), a.slopes()));
        case SILU -> op("Mul", x, List.of(), op("Sigmoid", x).name());
        case HARD_SWISH -> op("Mul", x, List.of(), op("HardSigmoid", x, List.of(
            floatAttr("alpha", 1f / 6), floatAttr("beta", 0.5f))).name());
      };
    }

    /** An element-wise operator on {@code x}, with constant or further inputs after it. */
    private Value op(String type, Value x, List<AttributeProto> attributes, String... more) {
      List<String> inputs = new ArrayList<>(List.of(x.name()));
      inputs.addAll(List.of(more));
      return new Value(node(type, inputs, attributes), x.shape(), x.flat());
    }

    private Value op(String type, Value x) {
      return op(type, x, List.of());
    }

    private Value pool(Value x, Pool p) {
      Shape out = p.apply(x.shape());
      String name = switch (p.kind()) {
        case GLOBAL_AVG -> node("GlobalAveragePool", List.of(x.name()), List.of());
        case MAX -> node("MaxPool", List.of(x.name()), List.of(
            intsAttr("kernel_shape", p.kernel(), p.kernel()), intsAttr("strides", p.stride(), p.stride()),
            intsAttr("pads", p.padTop(), p.padLeft(), p.padBottom(), p.padRight()),
            intAttr("ceil_mode", p.ceil() ? 1 : 0)));
        case AVG -> node("AveragePool", List.of(x.name()), List.of(
            intsAttr("kernel_shape", p.kernel(), p.kernel()), intsAttr("strides", p.stride(), p.stride()),
            intsAttr("pads", p.padTop(), p.padLeft(), p.padBottom(), p.padRight()),
            intAttr("ceil_mode", p.ceil() ? 1 : 0),
            intAttr("count_include_pad", p.countIncludePad() ? 1 : 0)));
      };
      return new Value(name, out, false);
    }

    /**
     * The residual source as the layer adds it: subsampled by the stride (rows and columns 0, s,
     * 2s, ...), then zero-padded in channels to the layer's channels: firstChannel zeros before,
     * the rest after.
     */
    private String residual(Residual r, Shape out) {
      Value src = spatial(outputs.get(r.from()));
      Shape s = src.shape();
      int stride = r.stride();
      int first = r.firstChannel();
      if (first + s.channels() > out.channels() || (out.height() - 1) * stride >= s.height()
          || (out.width() - 1) * stride >= s.width()) {
        throw new IllegalStateException(layer + ": residual " + s + " /" + stride + " does not fit " + out);
      }
      String name = src.name();
      int h = (s.height() + stride - 1) / stride;
      int w = (s.width() + stride - 1) / stride;
      if (stride != 1 || h != out.height() || w != out.width()) {
        // PyTorch's x[:, :, ::s, ::s] has ends INT64_MAX; exact ends when the source is larger
        long endH = h == out.height() ? Long.MAX_VALUE : (long) (out.height() - 1) * stride + 1;
        long endW = w == out.width() ? Long.MAX_VALUE : (long) (out.width() - 1) * stride + 1;
        name = node("Slice", List.of(name, int64s(0, 0), int64s(endH, endW), int64s(2, 3),
            int64s(stride, stride)), List.of());
      }
      if (s.channels() < out.channels()) {
        name = node("Pad", List.of(name, int64s(0, first, 0, 0, 0, out.channels() - s.channels() - first, 0, 0)),
            List.of(stringAttr("mode", "constant")));
      }
      return name;
    }

    /** Renames the output of the node that produced {@code v} (always the latest node). */
    private Value rename(Value v, String name) {
      int i = g.getNodeCount() - 1;
      NodeProto.Builder n = g.getNodeBuilder(i);
      if (!n.getOutput(0).equals(v.name())) {
        // the value is not the latest node's (a layer that is only a pass-through): add Identity
        node("Identity", List.of(v.name()), List.of());
        n = g.getNodeBuilder(g.getNodeCount() - 1);
      }
      n.setOutput(0, name);
      return new Value(name, v.shape(), v.flat());
    }

    /** Adds a node named {@code layer/Op[k]} whose one output has the same name; returns it. */
    private String node(String op, List<String> inputs, List<AttributeProto> attributes) {
      String base = layer + "/" + op;
      int k = opCount.merge(base, 1, Integer::sum);
      String name = k == 1 ? base : base + "_" + k;
      g.addNode(NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs)
          .addOutput(name).addAllAttribute(attributes));
      return name;
    }

    private String floats(String name, List<Long> dims, float[] data) {
      long n = dims.stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
      if (data == null || data.length != n) {
        throw new IllegalArgumentException(name + ": expected " + n + " values, got "
            + (data == null ? "none" : data.length));
      }
      ByteBuffer b = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(data);
      g.addInitializer(tensor(name, TensorProto.DataType.FLOAT, dims, b.array()));
      return name;
    }

    /** A shared float scalar constant (Clip's bounds). */
    private String scalar(float v) {
      String key = "const.f32." + (v == (long) v ? Long.toString((long) v) : Float.toString(v));
      return constants.computeIfAbsent(key, name -> {
        byte[] bytes = ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array();
        g.addInitializer(tensor(name, TensorProto.DataType.FLOAT, List.of(), bytes));
        return name;
      });
    }

    /** A shared 1-D int64 constant. */
    private String int64s(long... v) {
      StringBuilder key = new StringBuilder("const.i64");
      for (long x : v) {
        key.append('.').append(x == Long.MAX_VALUE ? "max" : Long.toString(x));
      }
      return constants.computeIfAbsent(key.toString(), name -> {
        ByteBuffer b = ByteBuffer.allocate(v.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        g.addInitializer(tensor(name, TensorProto.DataType.INT64, List.of((long) v.length), b.array()));
        return name;
      });
    }

    private static TensorProto tensor(String name, TensorProto.DataType type, List<Long> dims, byte[] raw) {
      ByteString data = UnsafeByteOperations.unsafeWrap(raw); // raw is never touched again
      return TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).addAllDims(dims)
          .setRawData(data).build();
    }

    private static List<Long> dims(Value v) {
      Shape s = v.shape();
      return v.flat() ? List.of(1L, (long) s.channels())
          : List.of(1L, (long) s.channels(), (long) s.height(), (long) s.width());
    }

    private static ValueInfoProto valueInfo(String name, List<Long> dims) {
      TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
      for (long d : dims) {
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
      }
      return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
          .setTensorType(TypeProto.Tensor.newBuilder()
              .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    private static AttributeProto intAttr(String name, long v) {
      return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT)
          .setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
      return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
          .setF(v).build();
    }

    private static AttributeProto intsAttr(String name, long... v) {
      AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
          .setType(AttributeProto.AttributeType.INTS);
      for (long x : v) {
        a.addInts(x);
      }
      return a.build();
    }

    private static AttributeProto stringAttr(String name, String v) {
      return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
          .setS(ByteString.copyFromUtf8(v)).build();
    }
  }
}
