package fivepp.model.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
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
import fivepp.onnx.StringStringEntryProto;
import fivepp.onnx.TensorProto;
import fivepp.onnx.TensorShapeProto;
import fivepp.onnx.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX model into a fivepp layer graph with its weights (paper.md B1: only weight layers
 * occupy CM cores; everything else runs in their digital units).
 *
 * <p>Mapping: every Conv, Gemm and MatMul (constant weights) becomes a {@link Layer}. A weightless
 * operation attaches to a weight layer in the order {@link Layer} defines: to the layer producing
 * its operand (BatchNormalization and a constant Add fold into weights and bias, Add of another
 * tensor becomes the {@link Residual}, then the activation, then the post-pool) when that output
 * has no other consumer; otherwise to the consuming weight layer (activation as its input
 * activation, pooling as its pre-pool, spatial zero padding into its padding). An operation
 * neither can take runs in a HOST layer: a 1x1 identity convolution (weights 1, exact in float)
 * whose digital unit runs it; each host is listed in {@link Imported#notes()}. Slice (spatial
 * subsampling from 0) followed by Pad (zero channels appended) feeding an Add is ResNet's option-A
 * shortcut and becomes {@code Residual(source, stride)}. A final Softmax is run by the host on the
 * array's outputs ({@link Imported#output(float[])}).
 *
 * <p>Every failure is one line: {@link IOException} for an unreadable, truncated, corrupt or
 * oversized file; {@link OnnxImportUnsupportedException} (an {@link IllegalArgumentException})
 * for an operator or attribute fivepp cannot place on CM cores; {@link IllegalArgumentException}
 * for an inconsistent model (missing initialiser, non-float32 tensor, shape contradicting its
 * weights).
 */
public final class OnnxImporter {
  /** The operators the importer places. */
  public static final List<String> SUPPORTED = List.of("Add", "AveragePool", "BatchNormalization",
      "Clip", "Concat", "Constant", "Conv", "Dropout", "Flatten", "Gemm", "GlobalAveragePool",
      "GlobalMaxPool", "Identity", "LeakyRelu", "MatMul", "MaxPool", "Mul", "Pad", "Relu", "Reshape",
      "Slice", "Softmax", "Squeeze");

  private OnnxImporter() {}

  /**
   * An imported model.
   *
   * @param network the layer graph; its last layer's output (flat CHW) is the graph's output
   * @param weights its parameters, batch-norm folded
   * @param notes one line per decision worth knowing (folds, host layers, host softmax)
   * @param inputName the graph input the network's image comes from
   * @param inputDims that input's dimensions as imported (batch included)
   * @param batchAxis the input axis that indexes images: 0, 1 for a Gemm with transA=1, or -1
   *     when the whole input is one image (a graph of element-wise operators on a tensor of
   *     another rank, mapped as a 1x1xN image)
   * @param outputName the graph output
   * @param softmax whether the graph ends in a Softmax over the features, which
   *     {@link #output(float[])} applies to the network's output
   */
  public record Imported(Network network, Weights weights, List<String> notes, String inputName,
      List<Long> inputDims, int batchAxis, String outputName, boolean softmax) {
    public Imported {
      notes = List.copyOf(notes);
      inputDims = List.copyOf(inputDims);
    }

    /** The graph's output for one image from the network's output (the softmax if any). */
    public float[] output(float[] logits) {
      if (!softmax) {
        return logits;
      }
      float max = Float.NEGATIVE_INFINITY;
      for (float v : logits) {
        max = Math.max(max, v);
      }
      double[] e = new double[logits.length];
      double sum = 0;
      for (int i = 0; i < logits.length; i++) {
        e[i] = Math.exp(logits[i] - max);
        sum += e[i];
      }
      float[] out = new float[logits.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) (e[i] / sum);
      }
      return out;
    }
  }

  /** Reads {@code file} (and external data next to it). */
  public static Imported read(Path file, OnnxImportOptions options) throws IOException {
    String where = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    if (Files.isDirectory(file)) {
      throw new IOException(file + ": a folder, not an ONNX file; give the .onnx file itself");
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such file");
    }
    long size = Files.size(file);
    if (size > options.maxBytes()) {
      throw new IOException(where + ": " + size + " bytes, over the model size limit of "
          + options.maxBytes() + " bytes");
    }
    ModelProto model;
    try (InputStream in = Files.newInputStream(file)) {
      CodedInputStream cis = CodedInputStream.newInstance(in);
      cis.setSizeLimit(Integer.MAX_VALUE);
      model = ModelProto.parseFrom(cis);
      cis.checkLastTagWas(0);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(where + ": not a valid ONNX model (truncated or corrupt: "
          + oneLine(e.getMessage()) + ")");
    }
    return read(model, file.toAbsolutePath().getParent(), stem(where), options, size);
  }

  /** Imports a parsed model; external data is looked up in {@code dir} (may be null). */
  public static Imported read(ModelProto model, Path dir, String name, OnnxImportOptions options)
      throws IOException {
    return read(model, dir, name, options, 0);
  }

  private static Imported read(ModelProto model, Path dir, String name, OnnxImportOptions options,
      long bytes) throws IOException {
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
      throw new IOException(name + ": not a valid ONNX model (no graph, or a graph without nodes)");
    }
    long opset = 0;
    for (var o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = o.getVersion();
      }
    }
    String description = "imported from ONNX " + name + (model.getProducerName().isEmpty() ? ""
        : " (" + model.getProducerName() + " " + model.getProducerVersion() + ")") + ", opset " + opset;
    return new Build(model.getGraph(), dir, name, description, opset, options, bytes).run();
  }

  private static String stem(String file) {
    int dot = file.lastIndexOf('.');
    return dot > 0 ? file.substring(0, dot) : file;
  }

  static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").trim();
  }

  // ---------------------------------------------------------------------------------------------

  /** A constant tensor: float32 values, or integers (shape operands). */
  record Const(String name, long[] dims, float[] floats, long[] ints, int type) {
    long count() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  /** One weight layer under construction. */
  static final class Draft {
    String name;
    Layer.Kind kind = Layer.Kind.CONV;
    List<Input> inputs;
    Shape input;
    Activation inputAct = Activation.NONE;
    float[] inScale;
    float[] inShift;
    Pool prePool;
    int out;
    int kh = 1, kw = 1, sh = 1, sw = 1, pt, pl, pb, pr, dh = 1, dw = 1, groups = 1;
    boolean bias;
    Residual residual;
    Activation act = Activation.NONE;
    Pool postPool;
    float[] w;
    float[] b;
    boolean host;

    Layer layer() {
      return new Layer(name, kind, inputs, input, inputAct, prePool, out, kh, kw, sh, sw, pt, pl,
          pb, pr, dh, dw, groups, bias, residual, act, postPool);
    }

    /** Nothing after the convolution yet: weights, bias and residual may still change. */
    boolean convStage() {
      return residual == null && act == Activation.NONE && postPool == null;
    }
  }

  /**
   * A tensor of the graph as the layer graph sees it: the concatenation of {@code parts}, then
   * {@code pending} operations a consumer must run (activation, pooling, zero padding, in that
   * order), then the markers of the option-A shortcut (subsampling by {@code strideH x strideW},
   * channels zero-padded to {@code padTo}).
   */
  record Val(List<Input> parts, Shape base, int rank, Activation act, Pool pool, int[] pad,
      int strideH, int strideW, int padTo, boolean softmax, float[] scale, float[] shift) {
    static Val of(List<Input> parts, Shape base, int rank) {
      return new Val(parts, base, rank, Activation.NONE, null, null, 1, 1, base.channels(), false,
          null, null);
    }

    boolean plain() {
      return act == Activation.NONE && pool == null && pad == null && !marked() && scale == null;
    }

    /** The same value with a pending per-channel affine x * scale + shift before the rest. */
    Val withAffine(float[] s, float[] t) {
      return new Val(parts, base, rank, act, pool, pad, strideH, strideW, padTo, softmax, s, t);
    }

    boolean marked() {
      return strideH != 1 || strideW != 1 || padTo != base.channels();
    }

    Shape shape() {
      Shape s = pool == null ? base : pool.apply(base);
      if (pad != null) {
        s = new Shape(s.channels(), s.height() + pad[0] + pad[2], s.width() + pad[1] + pad[3]);
      }
      return new Shape(padTo, (s.height() + strideH - 1) / strideH, (s.width() + strideW - 1) / strideW);
    }

    Val withRank(int r) {
      return new Val(parts, base, r, act, pool, pad, strideH, strideW, padTo, softmax, scale, shift);
    }
  }

  private static final class Build {
    final GraphProto graph;
    final Path dir;
    final String name;
    final String description;
    final long opset;
    final OnnxImportOptions options;
    long bytes;
    final Map<String, TensorProto> initialisers = new HashMap<>();
    final Map<String, Const> constants = new HashMap<>();
    final Map<String, Val> values = new HashMap<>();
    final Map<String, Integer> uses = new HashMap<>();
    final LinkedHashMap<String, Draft> drafts = new LinkedHashMap<>();
    final Set<String> names = new HashSet<>();
    final List<String> notes = new ArrayList<>();
    NodeProto node;
    String inputName;
    List<Long> inputDims;
    int batchAxis;

    Build(GraphProto graph, Path dir, String name, String description, long opset,
        OnnxImportOptions options, long bytes) {
      this.graph = graph;
      this.dir = dir;
      this.name = name;
      this.description = description;
      this.opset = opset;
      this.options = options;
      this.bytes = bytes;
      names.add(Network.INPUT);
    }

    Imported run() throws IOException {
      for (TensorProto t : graph.getInitializerList()) {
        initialisers.put(t.getName(), t);
      }
      initialisers.putAll(options.constants());
      for (NodeProto n : graph.getNodeList()) {
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
          throw unsupported(n, "operator " + n.getDomain() + "." + n.getOpType());
        }
        if (!SUPPORTED.contains(n.getOpType())) {
          throw unsupported(n, "operator " + n.getOpType());
        }
        for (String i : n.getInputList()) {
          if (!i.isEmpty()) {
            uses.merge(i, 1, Integer::sum);
          }
        }
      }
      if (graph.getOutputCount() != 1) {
        throw new OnnxImportUnsupportedException(name + ": the graph has " + graph.getOutputCount()
            + " outputs; fivepp maps graphs with one output");
      }
      String outputName = graph.getOutput(0).getName();
      uses.merge(outputName, 1, Integer::sum);
      readInput();
      for (NodeProto n : graph.getNodeList()) {
        node = n;
        apply(n);
      }
      node = null;
      Val out = values.get(outputName);
      if (out == null) {
        throw new IllegalArgumentException(name + ": graph output " + outputName
            + (constants.containsKey(outputName) ? " is a constant" : " is never produced"));
      }
      boolean softmax = out.softmax();
      Draft last = drafts.isEmpty() ? null : drafts.values().stream().reduce((a, b) -> b).get();
      if (!out.plain() || out.parts().size() != 1 || last == null
          || !wholeOutputOf(out, last)) {
        last = host(out, "output");
        notes.add("the graph output " + outputName + " is produced by host layer " + last.name);
      }
      checkDeclaredOutput(graph.getOutput(0), last);
      List<Draft> kept = prune(last);
      List<Layer> layers = new ArrayList<>();
      Map<String, LayerWeights> weights = new LinkedHashMap<>();
      for (Draft d : kept) {
        Layer l = d.layer();
        layers.add(l);
        boolean pre = d.inputAct != Activation.NONE;
        float[] scale = null;
        float[] shift = null;
        if (pre) {
          scale = d.inScale;
          shift = d.inShift;
          if (scale == null) {
            scale = new float[l.input().channels()];
            Arrays.fill(scale, 1f);
            shift = new float[l.input().channels()];
          }
        }
        weights.put(d.name, new LayerWeights(d.w, d.b, scale, shift));
      }
      if (softmax) {
        notes.add("the final Softmax runs on the host over the array's outputs");
      }
      Network net = new Network(name, description, new Shape(inputShape().channels(),
          inputShape().height(), inputShape().width()), layers);
      return new Imported(net, Weights.of(net, weights), notes, inputName, inputDims, batchAxis,
          outputName, softmax);
    }

    Shape inputShapeCache;

    Shape inputShape() {
      return inputShapeCache;
    }

    boolean wholeOutputOf(Val v, Draft d) {
      Input p = v.parts().get(0);
      return p.from().equals(d.name) && p.firstChannel() == 0 && p.channels() == d.layer().output().channels();
    }

    /** The layers the output depends on, in creation (topological) order. */
    List<Draft> prune(Draft last) {
      Set<String> need = new HashSet<>();
      List<String> stack = new ArrayList<>(List.of(last.name));
      while (!stack.isEmpty()) {
        String n = stack.remove(stack.size() - 1);
        if (n.equals(Network.INPUT) || !need.add(n)) {
          continue;
        }
        Draft d = drafts.get(n);
        d.inputs.forEach(i -> stack.add(i.from()));
        if (d.residual != null) {
          stack.add(d.residual.from());
        }
      }
      List<Draft> kept = new ArrayList<>();
      for (Draft d : drafts.values()) {
        if (need.contains(d.name)) {
          kept.add(d);
        } else {
          notes.add("layer " + d.name + " does not contribute to the output and is dropped");
        }
      }
      return kept;
    }

    void checkDeclaredOutput(ValueInfoProto vi, Draft last) {
      if (!vi.hasType() || !vi.getType().hasTensorType() || !vi.getType().getTensorType().hasShape()) {
        return;
      }
      long declared = 1;
      List<TensorShapeProto.Dimension> dims = vi.getType().getTensorType().getShape().getDimList();
      for (int i = 0; i < dims.size(); i++) {
        if (i == 0 && batchAxis != -1) {
          continue; // the batch
        }
        if (!dims.get(i).hasDimValue() || dims.get(i).getDimValue() <= 0) {
          return;
        }
        declared *= dims.get(i).getDimValue();
      }
      if (dims.size() < 2 && batchAxis != -1) {
        return;
      }
      long got = last.layer().output().elements();
      if (declared != got) {
        throw new IllegalArgumentException(name + ": graph output " + vi.getName() + " is declared with "
            + declared + " values per image, but the weights give " + last.layer().output());
      }
    }

    // -- the input

    void readInput() {
      List<ValueInfoProto> data = new ArrayList<>();
      for (ValueInfoProto vi : graph.getInputList()) {
        if (!initialisers.containsKey(vi.getName())) {
          data.add(vi);
        }
      }
      if (data.size() != 1) {
        throw new OnnxImportUnsupportedException(name + ": the graph has " + data.size()
            + " inputs that are not initialisers " + data.stream().map(ValueInfoProto::getName).toList()
            + "; fivepp maps graphs with one input");
      }
      ValueInfoProto vi = data.get(0);
      inputName = vi.getName();
      var tt = vi.getType().getTensorType();
      if (tt.getElemType() != TensorProto.DataType.FLOAT_VALUE) {
        throw new IllegalArgumentException(name + ": input " + inputName + " is of type "
            + typeName(tt.getElemType()) + "; fivepp takes float32 tensors only");
      }
      List<Long> dims = new ArrayList<>();
      if (options.inputShape() != null) {
        for (int d : options.inputShape()) {
          dims.add((long) d);
        }
      } else {
        for (var d : tt.getShape().getDimList()) {
          if (!d.hasDimValue() || d.getDimValue() <= 0) {
            if (dims.isEmpty()) {
              dims.add(1L); // a symbolic batch
              continue;
            }
            throw new IllegalArgumentException(name + ": input " + inputName + " has the symbolic dimension '"
                + d.getDimParam() + "'; give the input shape (--input-shape N,C,H,W)");
          }
          dims.add(d.getDimValue());
        }
      }
      inputDims = dims;
      // a Gemm with transA=1 straight on the input reads images along axis 1
      for (NodeProto n : graph.getNodeList()) {
        if (n.getOpType().equals("Gemm") && n.getInput(0).equals(inputName) && attrInt(n, "transA", 0) != 0) {
          batchAxis = 1;
        }
      }
      Shape s;
      if (dims.size() == 4) {
        s = new Shape(toInt(dims.get(1)), toInt(dims.get(2)), toInt(dims.get(3)));
      } else if (dims.size() == 2) {
        s = new Shape(toInt(dims.get(1 - batchAxis)), 1, 1);
      } else if (elementWiseOnly() && !dims.isEmpty()) {
        long total = dims.stream().reduce(1L, (x, y) -> x * y);
        s = new Shape(1, 1, toInt(total));
        batchAxis = -1;
        notes.add("input " + inputName + " of shape " + dims + " feeds only element-wise operators:"
            + " mapped as one 1x1x" + total + " image");
      } else {
        throw new OnnxImportUnsupportedException(name + ": input " + inputName + " has shape " + dims
            + "; fivepp takes N,C,H,W images or N,features vectors");
      }
      inputShapeCache = s;
      values.put(inputName, Val.of(List.of(new Input(Network.INPUT, 0, s.channels())), s, dims.size()));
    }

    boolean elementWiseOnly() {
      for (NodeProto n : graph.getNodeList()) {
        if (!List.of("Relu", "LeakyRelu", "Clip", "Identity", "Dropout", "Constant").contains(n.getOpType())) {
          return false;
        }
      }
      return true;
    }

    // -- operators

    void apply(NodeProto n) throws IOException {
      String op = n.getOpType();
      if (op.equals("Constant")) {
        constants.put(n.getOutput(0), constantNode(n));
        return;
      }
      for (int i = 1; i < n.getOutputCount(); i++) {
        if (!n.getOutput(i).isEmpty() && uses.containsKey(n.getOutput(i))) {
          throw unsupported(n, op + " with its optional output " + n.getOutput(i) + " in use");
        }
      }
      Val r = switch (op) {
        case "Identity" -> data(n, 0);
        case "Dropout" -> dropout(n);
        case "Relu" -> activation(n, Activation.RELU);
        case "LeakyRelu" -> activation(n, Activation.leakyRelu(attrFloat(n, "alpha", 0.01f)));
        case "Clip" -> activation(n, clip(n));
        case "BatchNormalization" -> batchNorm(n);
        case "MaxPool", "AveragePool" -> pool(n);
        case "GlobalAveragePool" -> pool(n, data4(n), Pool.globalAvg());
        case "GlobalMaxPool" -> globalMax(n);
        case "Conv" -> conv(n);
        case "Gemm" -> gemm(n);
        case "MatMul" -> matmul(n);
        case "Add" -> add(n);
        case "Mul" -> mul(n);
        case "Concat" -> concat(n);
        case "Flatten" -> flatten(n);
        case "Reshape" -> reshape(n);
        case "Squeeze" -> squeeze(n);
        case "Softmax" -> softmax(n);
        case "Slice" -> slice(n);
        case "Pad" -> pad(n);
        default -> throw unsupported(n, "operator " + op);
      };
      values.put(n.getOutput(0), r);
    }

    /** The tensor input {@code i} of the node (not a constant), not after a Softmax. */
    Val data(NodeProto n, int i) {
      String in = n.getInput(i);
      Val v = values.get(in);
      if (v == null) {
        if (isConst(in)) {
          throw unsupported(n, n.getOpType() + " on the constant " + in + " (only on the image's tensors)");
        }
        throw new IllegalArgumentException(where(n) + "input " + in + " is neither produced, an input nor an initialiser");
      }
      if (v.softmax()) {
        throw unsupported(n, "Softmax before " + n.getOpType() + " (Softmax only as the last operation)");
      }
      return v;
    }

    Val data4(NodeProto n) {
      Val v = data(n, 0);
      if (v.rank() != 4) {
        throw unsupported(n, n.getOpType() + " on a rank-" + v.rank() + " tensor (N,C,H,W only)");
      }
      return v;
    }

    Val dropout(NodeProto n) throws IOException {
      if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
        Const t = constant(n, 2);
        if (t.ints() == null || t.ints().length != 1 || t.ints()[0] != 0) {
          throw unsupported(n, "Dropout in training mode");
        }
      }
      return data(n, 0);
    }

    Activation clip(NodeProto n) throws IOException {
      float min = Float.NEGATIVE_INFINITY;
      float max = Float.POSITIVE_INFINITY;
      if (opset < 11) {
        min = attrFloat(n, "min", -Float.MAX_VALUE);
        max = attrFloat(n, "max", Float.MAX_VALUE);
      } else {
        if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
          min = scalar(n, 1);
        }
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
          max = scalar(n, 2);
        }
      }
      if (min > max) {
        throw unsupported(n, "Clip with min " + min + " > max " + max);
      }
      return Activation.clip(min, max);
    }

    Val activation(NodeProto n, Activation a) {
      String in = n.getInput(0);
      Val v = data(n, 0);
      Draft d = attachable(in, v);
      if (d != null && d.act == Activation.NONE && d.postPool == null) {
        d.act = a;
        return outputOf(d, v.rank());
      }
      if (v.act() == Activation.NONE && v.pool() == null && v.pad() == null && !v.marked()) {
        return new Val(v.parts(), v.base(), v.rank(), a, null, null, 1, 1, v.base().channels(), false,
            v.scale(), v.shift());
      }
      Draft h = host(v, n.getName().isEmpty() ? n.getOpType() : n.getName());
      notes.add(node(n) + " runs in host layer " + h.name);
      h.act = a;
      return outputOf(h, v.rank());
    }

    Val batchNorm(NodeProto n) throws IOException {
      if (attrInt(n, "training_mode", 0) != 0) {
        throw unsupported(n, "BatchNormalization in training mode");
      }
      Val v = data(n, 0);
      int c = v.shape().channels();
      float[] gamma = floats(n, 1, c, "scale");
      float[] beta = floats(n, 2, c, "bias");
      float[] mean = floats(n, 3, c, "mean");
      float[] var = floats(n, 4, c, "var");
      float eps = attrFloat(n, "epsilon", 1e-5f);
      float[] s = new float[c];
      float[] t = new float[c];
      for (int i = 0; i < c; i++) {
        s[i] = (float) (gamma[i] / Math.sqrt((double) var[i] + eps));
        t[i] = (float) (beta[i] - (double) mean[i] * s[i]);
      }
      return affine(n, v, s, t);
    }

    /**
     * y = x * s + t per channel: folded into the producing layer's weights when it can take it,
     * else left pending for the consumer's digital unit (a pre-activation, as in BN-ReLU-Conv).
     */
    Val affine(NodeProto n, Val v, float[] s, float[] t) {
      Draft d = attachable(n.getInput(0), v);
      if (d != null && d.convStage()) {
        notes.add(node(n) + " folded into " + d.name);
        scale(d, s, t);
        return outputOf(d, v.rank());
      }
      if (v.plain() && v.rank() == 4) {
        return v.withAffine(s, t);
      }
      if (v.scale() != null && v.act() == Activation.NONE && v.pool() == null && v.pad() == null
          && !v.marked()) {
        float[] s2 = new float[s.length];
        float[] t2 = new float[s.length];
        for (int i = 0; i < s.length; i++) {
          s2[i] = v.scale()[i] * s[i];
          t2[i] = v.shift()[i] * s[i] + t[i];
        }
        return v.withAffine(s2, t2);
      }
      d = host(v, n.getName().isEmpty() ? "affine" : n.getName());
      notes.add(node(n) + " folded into host layer " + d.name);
      scale(d, s, t);
      return outputOf(d, v.rank());
    }

    /** Mul by a per-channel constant. */
    Val mul(NodeProto n) throws IOException {
      String a = n.getInput(0);
      String b = n.getInput(1);
      boolean ca = !values.containsKey(a) && isConst(a);
      boolean cb = !values.containsKey(b) && isConst(b);
      if (ca == cb) {
        throw unsupported(n, "Mul of " + (ca ? "two constants" : "two tensors") + " (only by a per-channel constant)");
      }
      int i = ca ? 1 : 0;
      Val v = data(n, i);
      float[] s = channelVector(n, ca ? 0 : 1, v);
      return affine(n.toBuilder().setInput(0, n.getInput(i)).build(), v, s, new float[s.length]);
    }

    /** w' = w * s[co], b' = b * s[co] + t[co]. */
    void scale(Draft d, float[] s, float[] t) {
      int per = d.w.length / d.out;
      for (int co = 0; co < d.out; co++) {
        for (int j = co * per; j < (co + 1) * per; j++) {
          d.w[j] *= s[co];
        }
        d.b[co] = d.b[co] * s[co] + t[co];
      }
      d.bias = true;
    }

    Val pool(NodeProto n) {
      Val v = data4(n);
      boolean max = n.getOpType().equals("MaxPool");
      int[] k = attrInts(n, "kernel_shape", null);
      if (k == null || k.length != 2) {
        throw unsupported(n, n.getOpType() + " with kernel_shape " + Arrays.toString(k) + " (2-D only)");
      }
      int[] s = attrInts(n, "strides", new int[] {1, 1});
      int[] dil = attrInts(n, "dilations", new int[] {1, 1});
      if (k[0] != k[1] || s[0] != s[1] || dil[0] != 1 || dil[1] != 1) {
        throw unsupported(n, n.getOpType() + " with kernel " + Arrays.toString(k) + ", strides "
            + Arrays.toString(s) + ", dilations " + Arrays.toString(dil) + " (square, undilated only)");
      }
      if (attrInt(n, "storage_order", 0) != 0) {
        throw unsupported(n, "MaxPool with storage_order 1");
      }
      Shape in = v.shape();
      int[] p = pads(n, in.height(), in.width(), k[0], k[1], s[0], s[1], 1, 1);
      if (p[0] != p[1] || p[0] != p[2] || p[0] != p[3]) {
        throw unsupported(n, n.getOpType() + " with pads " + Arrays.toString(p) + " (equal pads only)");
      }
      boolean ceil = attrInt(n, "ceil_mode", 0) != 0;
      boolean include = attrInt(n, "count_include_pad", 0) != 0;
      Pool pool = new Pool(max ? Pool.Kind.MAX : Pool.Kind.AVG, k[0], s[0], p[0], ceil, include);
      if (!max && ceil && p[0] > 0) {
        throw unsupported(n, "AveragePool with ceil_mode and pads");
      }
      try {
        pool.apply(in);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where(n) + oneLine(e.getMessage()));
      }
      return pool(n, v, pool);
    }

    Val globalMax(NodeProto n) {
      Val v = data4(n);
      Shape s = v.shape();
      if (s.height() != s.width()) {
        throw unsupported(n, "GlobalMaxPool over a non-square " + s);
      }
      return pool(n, v, Pool.max(s.height(), 1, 0));
    }

    Val pool(NodeProto n, Val v, Pool p) {
      Draft d = attachable(n.getInput(0), v);
      if (d != null && d.postPool == null) {
        d.postPool = p;
        return outputOf(d, 4);
      }
      if (v.pool() == null && v.pad() == null && !v.marked()) {
        return new Val(v.parts(), v.base(), 4, v.act(), p, null, 1, 1, v.base().channels(), false,
            v.scale(), v.shift());
      }
      Draft h = host(v, n.getName().isEmpty() ? n.getOpType() : n.getName());
      notes.add(node(n) + " runs in host layer " + h.name);
      h.postPool = p;
      return outputOf(h, 4);
    }

    Val conv(NodeProto n) throws IOException {
      Val v = data4(n);
      Const wt = constant(n, 1);
      requireFloat(n, wt, "weight");
      if (wt.dims().length != 4) {
        throw unsupported(n, "Conv with a rank-" + wt.dims().length + " kernel (2-D convolutions only)");
      }
      int cout = toInt(wt.dims()[0]);
      int cig = toInt(wt.dims()[1]);
      int kh = toInt(wt.dims()[2]);
      int kw = toInt(wt.dims()[3]);
      int g = attrInt(n, "group", 1);
      int[] ks = attrInts(n, "kernel_shape", null);
      if (ks != null && (ks.length != 2 || ks[0] != kh || ks[1] != kw)) {
        throw new IllegalArgumentException(where(n) + "kernel_shape " + Arrays.toString(ks)
            + " contradicts the weight " + wt.name() + " of shape " + Arrays.toString(wt.dims()));
      }
      if (v.marked()) {
        v = outputOf(host(v, "shortcut"), 4);
      }
      int cin = v.shape().channels();
      if (g <= 0 || cig * g != cin || cout % g != 0) {
        throw new IllegalArgumentException(where(n) + "weight " + wt.name() + " of shape "
            + Arrays.toString(wt.dims()) + " with group " + g + " does not fit an input of " + cin + " channels");
      }
      float[] b = new float[cout];
      boolean hasBias = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
      if (hasBias) {
        b = floats(n, 2, cout, "bias").clone();
      }
      int[] s = attrInts(n, "strides", new int[] {1, 1});
      int[] dil = attrInts(n, "dilations", new int[] {1, 1});
      if (s.length != 2 || dil.length != 2) {
        throw unsupported(n, "Conv with strides/dilations of rank " + s.length);
      }
      // the input after the consumer-side pending ops (activation, pool), before the pending pad
      Shape pooled = v.pool() == null ? v.base() : v.pool().apply(v.base());
      int[] extra = v.pad() == null ? new int[4] : v.pad();
      int[] p = pads(n, pooled.height() + extra[0] + extra[2], pooled.width() + extra[1] + extra[3],
          kh, kw, s[0], s[1], dil[0], dil[1]);
      Draft d = newDraft(n, Layer.Kind.CONV, v);
      d.out = cout;
      d.kh = kh;
      d.kw = kw;
      d.sh = s[0];
      d.sw = s[1];
      d.dh = dil[0];
      d.dw = dil[1];
      d.pt = p[0] + extra[0];
      d.pl = p[1] + extra[1];
      d.pb = p[2] + extra[2];
      d.pr = p[3] + extra[3];
      d.groups = g;
      d.bias = hasBias;
      d.w = wt.floats().clone();
      d.b = b;
      try {
        d.layer().convOutput();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where(n) + oneLine(e.getMessage()));
      }
      add(d);
      return outputOf(d, 4);
    }

    /** Explicit pads {top, left, bottom, right} from pads or auto_pad. */
    int[] pads(NodeProto n, int h, int w, int kh, int kw, int sh, int sw, int dh, int dw) {
      String auto = attrString(n, "auto_pad", "NOTSET");
      switch (auto) {
        case "NOTSET" -> {
          int[] p = attrInts(n, "pads", new int[4]);
          if (p.length != 4) {
            throw unsupported(n, n.getOpType() + " with pads " + Arrays.toString(p) + " (2-D only)");
          }
          for (int x : p) {
            if (x < 0) {
              throw unsupported(n, n.getOpType() + " with negative pads " + Arrays.toString(p));
            }
          }
          return new int[] {p[0], p[1], p[2], p[3]};
        }
        case "VALID" -> {
          return new int[4];
        }
        case "SAME_UPPER", "SAME_LOWER" -> {
          int th = same(h, kh, sh, dh);
          int tw = same(w, kw, sw, dw);
          boolean upper = auto.equals("SAME_UPPER");
          int top = upper ? th / 2 : th - th / 2;
          int left = upper ? tw / 2 : tw - tw / 2;
          return new int[] {top, left, th - top, tw - left};
        }
        default -> throw unsupported(n, n.getOpType() + " with auto_pad " + auto);
      }
    }

    static int same(int in, int k, int s, int d) {
      int out = (in + s - 1) / s;
      return Math.max(0, (out - 1) * s + (k - 1) * d + 1 - in);
    }

    Val gemm(NodeProto n) throws IOException {
      float alpha = attrFloat(n, "alpha", 1f);
      float beta = attrFloat(n, "beta", 1f);
      boolean transA = attrInt(n, "transA", 0) != 0;
      boolean transB = attrInt(n, "transB", 0) != 0;
      Val v = data(n, 0);
      if (transA && !(n.getInput(0).equals(inputName) && batchAxis == 1 && v.plain())) {
        throw unsupported(n, "Gemm with transA=1 on anything but the graph input");
      }
      float[] c = null;
      if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
        c = biasVector(n, 2, gemmOut(n, transB));
      }
      Val r = fc(n, v, 1, transB, alpha);
      Draft d = drafts.get(r.parts().get(0).from());
      if (c != null) {
        for (int i = 0; i < d.out; i++) {
          d.b[i] = beta * c[i];
        }
        d.bias = true;
      }
      return r;
    }

    int gemmOut(NodeProto n, boolean transB) throws IOException {
      Const b = constant(n, 1);
      if (b.dims().length != 2) {
        throw unsupported(n, n.getOpType() + " with a rank-" + b.dims().length + " weight");
      }
      return toInt(b.dims()[transB ? 0 : 1]);
    }

    Val matmul(NodeProto n) throws IOException {
      if (!values.containsKey(n.getInput(0)) && isConst(n.getInput(0))) {
        throw unsupported(n, "MatMul with a constant first operand (only x @ W)");
      }
      return fc(n, data(n, 0), 1, false, 1f);
    }

    /** A fully connected layer y = alpha * x B (B^T with transB). */
    Val fc(NodeProto n, Val v, int bIndex, boolean transB, float alpha) throws IOException {
      if (v.rank() != 2) {
        throw unsupported(n, n.getOpType() + " on a rank-" + v.rank() + " tensor (N,features only)");
      }
      Const b = constant(n, bIndex);
      requireFloat(n, b, "weight");
      if (b.dims().length != 2) {
        throw unsupported(n, n.getOpType() + " with a rank-" + b.dims().length + " weight (2-D only)");
      }
      if (v.pad() != null || v.marked()) {
        v = outputOf(host(v, "pre_" + n.getOpType()), 2);
      }
      int k = toInt(b.dims()[transB ? 1 : 0]);
      int out = toInt(b.dims()[transB ? 0 : 1]);
      Shape pooled = v.pool() == null ? v.base() : v.pool().apply(v.base());
      if (pooled.elements() != k) {
        throw new IllegalArgumentException(where(n) + "weight " + b.name() + " of shape "
            + Arrays.toString(b.dims()) + " does not fit an input of " + pooled.elements() + " features");
      }
      Draft d = newDraft(n, Layer.Kind.FC, v);
      d.out = out;
      d.kh = pooled.height();
      d.kw = pooled.width();
      d.w = new float[out * k];
      float[] bf = b.floats();
      for (int o = 0; o < out; o++) {
        for (int i = 0; i < k; i++) {
          d.w[o * k + i] = alpha * (transB ? bf[o * k + i] : bf[i * out + o]);
        }
      }
      d.b = new float[out];
      add(d);
      return outputOf(d, 2);
    }

    Val add(NodeProto n) throws IOException {
      String a = n.getInput(0);
      String b = n.getInput(1);
      boolean ca = !values.containsKey(a) && isConst(a);
      boolean cb = !values.containsKey(b) && isConst(b);
      if (ca && cb) {
        throw unsupported(n, "Add of two constants");
      }
      if (ca || cb) {
        int i = ca ? 1 : 0;
        Val v = data(n, i);
        if (v.marked()) {
          v = outputOf(host(v, "shortcut"), v.rank());
        }
        float[] c = channelVector(n, ca ? 0 : 1, v);
        if (v.scale() != null) {
          float[] ones = new float[c.length];
          Arrays.fill(ones, 1f);
          return affine(n.toBuilder().setInput(0, n.getInput(i)).build(), v, ones, c);
        }
        Draft d = attachable(n.getInput(i), v);
        if (d == null || !d.convStage()) {
          d = host(v, n.getName().isEmpty() ? "bias" : n.getName());
          notes.add(node(n) + " (a constant) runs as the bias of host layer " + d.name);
        }
        for (int j = 0; j < d.out; j++) {
          d.b[j] += c[j];
        }
        d.bias = true;
        return outputOf(d, v.rank());
      }
      Val va = data(n, 0);
      Val vb = data(n, 1);
      for (int order = 0; order < 2; order++) {
        String xn = order == 0 ? a : b;
        Val x = order == 0 ? va : vb;
        Val r = order == 0 ? vb : va;
        Draft d = attachable(xn, x);
        if (d != null && d.convStage() && residualFits(r, d)) {
          d.residual = residual(r);
          return outputOf(d, x.rank());
        }
      }
      if (!va.shape().equals(vb.shape())) {
        throw unsupported(n, "Add of " + va.shape() + " and " + vb.shape() + " (no broadcasting)");
      }
      Val r = vb;
      if (!r.plain() && !shortcut(r) || r.parts().size() != 1 || !whole(r)) {
        r = outputOf(host(r, "residual"), r.rank());
      }
      Draft h = host(va, n.getName().isEmpty() ? "add" : n.getName());
      notes.add(node(n) + " runs in host layer " + h.name);
      if (!residualFits(r, h)) {
        throw unsupported(n, "Add of " + va.shape() + " and " + vb.shape());
      }
      h.residual = residual(r);
      return outputOf(h, va.rank());
    }

    /** A value usable as a residual source: one whole producer output, maybe subsampled/padded. */
    boolean shortcut(Val r) {
      return r.act() == Activation.NONE && r.pool() == null && r.pad() == null && r.scale() == null
          && r.strideH() == r.strideW();
    }

    boolean whole(Val r) {
      Input p = r.parts().get(0);
      Shape full = p.from().equals(Network.INPUT) ? inputShape() : drafts.get(p.from()).layer().output();
      return p.firstChannel() == 0 && p.channels() == full.channels();
    }

    boolean residualFits(Val r, Draft d) {
      if (r.parts().size() != 1 || !shortcut(r) || !whole(r)) {
        return false;
      }
      if (!r.parts().get(0).from().equals(Network.INPUT) && r.parts().get(0).from().equals(d.name)) {
        return false;
      }
      return r.shape().equals(d.layer().convOutput());
    }

    Residual residual(Val r) {
      return new Residual(r.parts().get(0).from(), r.strideH());
    }

    Val concat(NodeProto n) {
      List<Val> vs = new ArrayList<>();
      for (int i = 0; i < n.getInputCount(); i++) {
        vs.add(data(n, i));
      }
      int rank = vs.get(0).rank();
      int axis = attrInt(n, "axis", 1);
      axis = axis < 0 ? axis + rank : axis;
      if (axis != 1) {
        throw unsupported(n, "Concat along axis " + attrInt(n, "axis", 1) + " (channels only)");
      }
      List<Input> parts = new ArrayList<>();
      Shape first = null;
      int channels = 0;
      for (Val v : vs) {
        if (v.rank() != rank) {
          throw unsupported(n, "Concat of tensors of different ranks");
        }
        if (!v.plain()) {
          v = outputOf(host(v, "concat_in"), rank);
        }
        Shape s = v.shape();
        if (first != null && (s.height() != first.height() || s.width() != first.width())) {
          throw new IllegalArgumentException(where(n) + "cannot concatenate " + first + " and " + s);
        }
        if (rank == 2 && s.pixels() != 1) {
          throw unsupported(n, "Concat of flattened feature maps");
        }
        first = first == null ? s : first;
        parts.addAll(v.parts());
        channels += s.channels();
      }
      return Val.of(parts, first.withChannels(channels), rank);
    }

    Val flatten(NodeProto n) {
      Val v = data(n, 0);
      int axis = attrInt(n, "axis", 1);
      axis = axis < 0 ? axis + v.rank() : axis;
      if (axis != 1) {
        throw unsupported(n, "Flatten with axis " + attrInt(n, "axis", 1) + " (only 1, which keeps the batch)");
      }
      return v.withRank(2);
    }

    Val reshape(NodeProto n) throws IOException {
      Val v = data(n, 0);
      Const shape = constant(n, 1);
      long[] t = shape.ints();
      if (t == null) {
        throw new IllegalArgumentException(where(n) + "shape " + shape.name() + " is not int64");
      }
      Shape s = v.shape();
      if (t.length == 2 && (t[0] == 0 || t[0] == -1 || t[0] == 1 || t[0] == inputDims.get(0))
          && (t[1] == s.elements() || (t[1] == -1 && t[0] != -1))) {
        return v.withRank(2);
      }
      if (t.length == 4 && (t[0] == 0 || t[0] == -1 || t[0] == inputDims.get(0)) && v.rank() == 4
          && (t[1] == 0 || t[1] == s.channels()) && (t[2] == 0 || t[2] == s.height())
          && (t[3] == 0 || t[3] == s.width())) {
        return v;
      }
      throw unsupported(n, "Reshape of " + s + " to " + Arrays.toString(t) + " (only flattening to N,features)");
    }

    Val squeeze(NodeProto n) throws IOException {
      Val v = data(n, 0);
      int[] axes;
      if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
        long[] a = constant(n, 1).ints();
        axes = a == null ? null : Arrays.stream(a).mapToInt(x -> (int) x).toArray();
      } else {
        axes = attrInts(n, "axes", null);
      }
      Shape s = v.shape();
      if (v.rank() == 4 && s.pixels() == 1 && axes != null) {
        int[] norm = Arrays.stream(axes).map(x -> x < 0 ? x + 4 : x).sorted().toArray();
        if (Arrays.equals(norm, new int[] {2, 3})) {
          return v.withRank(2);
        }
      }
      throw unsupported(n, "Squeeze of " + s + " along " + Arrays.toString(axes) + " (only 1x1 maps to N,features)");
    }

    Val softmax(NodeProto n) {
      Val v = data(n, 0);
      int axis = attrInt(n, "axis", opset >= 13 ? -1 : 1);
      axis = axis < 0 ? axis + v.rank() : axis;
      boolean overFeatures = v.rank() == 2 ? axis == 1 : opset < 13 ? axis == 1 : axis == 1 && v.shape().pixels() == 1;
      if (!overFeatures) {
        throw unsupported(n, "Softmax along axis " + attrInt(n, "axis", 0) + " of a rank-" + v.rank() + " tensor");
      }
      if (uses.getOrDefault(n.getInput(0), 0) != 1 || !graph.getOutput(0).getName().equals(n.getOutput(0))) {
        throw unsupported(n, "Softmax that is not the last operation");
      }
      return new Val(v.parts(), v.base(), v.rank(), v.act(), v.pool(), v.pad(), v.strideH(), v.strideW(),
          v.padTo(), true, v.scale(), v.shift());
    }

    Val slice(NodeProto n) throws IOException {
      Val v = data4(n);
      long[] starts;
      long[] ends;
      long[] axes;
      long[] steps;
      if (opset < 10) {
        starts = longs(attrInts(n, "starts", null));
        ends = longs(attrInts(n, "ends", null));
        axes = longs(attrInts(n, "axes", null));
        steps = null;
      } else {
        starts = ints(n, 1);
        ends = ints(n, 2);
        axes = n.getInputCount() > 3 && !n.getInput(3).isEmpty() ? ints(n, 3) : null;
        steps = n.getInputCount() > 4 && !n.getInput(4).isEmpty() ? ints(n, 4) : null;
      }
      if (starts == null || ends == null || starts.length != ends.length) {
        throw new IllegalArgumentException(where(n) + "Slice without matching starts and ends");
      }
      Shape s = v.shape();
      int sh = 1;
      int sw = 1;
      for (int i = 0; i < starts.length; i++) {
        long ax = axes == null ? i : axes[i];
        ax = ax < 0 ? ax + 4 : ax;
        long step = steps == null ? 1 : steps[i];
        int dim = ax == 2 ? s.height() : ax == 3 ? s.width() : -1;
        if (dim < 0 || starts[i] != 0 || ends[i] < dim || step < 1) {
          throw unsupported(n, "Slice other than a spatial subsampling x[:, :, ::s, ::s] (axis " + ax
              + ", start " + starts[i] + ", end " + ends[i] + ", step " + step + ")");
        }
        if (ax == 2) {
          sh = toInt(step);
        } else {
          sw = toInt(step);
        }
      }
      if (!v.plain()) {
        v = outputOf(host(v, "slice_in"), 4);
      }
      return new Val(v.parts(), v.base(), 4, Activation.NONE, null, null, sh, sw, v.base().channels(), false,
          null, null);
    }

    Val pad(NodeProto n) throws IOException {
      Val v = data4(n);
      String mode = attrString(n, "mode", "constant");
      long[] p;
      float value = 0;
      if (opset < 11) {
        p = longs(attrInts(n, "pads", null));
        value = attrFloat(n, "value", 0f);
      } else {
        p = ints(n, 1);
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
          value = scalar(n, 2);
        }
        if (n.getInputCount() > 3 && !n.getInput(3).isEmpty()) {
          throw unsupported(n, "Pad with axes");
        }
      }
      if (!mode.equals("constant") || value != 0) {
        throw unsupported(n, "Pad in mode " + mode + " with value " + value + " (zero padding only)");
      }
      if (p == null || p.length != 8 || p[0] != 0 || p[4] != 0 || p[1] != 0) {
        throw unsupported(n, "Pad " + Arrays.toString(p) + " (zeros around H,W or appended channels only)");
      }
      for (long x : p) {
        if (x < 0) {
          throw unsupported(n, "Pad with negative pads " + Arrays.toString(p));
        }
      }
      boolean spatial = p[2] != 0 || p[3] != 0 || p[6] != 0 || p[7] != 0;
      if (p[5] != 0 && spatial) {
        throw unsupported(n, "Pad of channels and space at once " + Arrays.toString(p));
      }
      if (p[5] != 0) {
        // channels appended: the option-A shortcut (after an optional Slice)
        if (v.act() != Activation.NONE || v.pool() != null || v.pad() != null || v.padTo() != v.base().channels()) {
          v = outputOf(host(v, "pad_in"), 4);
        }
        return new Val(v.parts(), v.base(), 4, Activation.NONE, null, null, v.strideH(), v.strideW(),
            toInt(v.base().channels() + p[5]), false, null, null);
      }
      if (v.pad() != null || v.marked()) {
        v = outputOf(host(v, "pad_in"), 4);
      }
      int[] pad = {toInt(p[2]), toInt(p[3]), toInt(p[6]), toInt(p[7])};
      return new Val(v.parts(), v.base(), 4, v.act(), v.pool(), pad, 1, 1, v.base().channels(), false,
          v.scale(), v.shift());
    }

    // -- layers

    /** The draft whose current whole output {@code v} is, if only one consumer takes it. */
    Draft attachable(String valueName, Val v) {
      if (!v.plain() || v.parts().size() != 1 || uses.getOrDefault(valueName, 0) != 1) {
        return null;
      }
      Draft d = drafts.get(v.parts().get(0).from());
      if (d == null || !wholeOutputOf(v, d)) {
        return null;
      }
      // it must be the draft's latest output, and no one else may have consumed it
      for (Draft o : drafts.values()) {
        if (o != d && (o.inputs.stream().anyMatch(i -> i.from().equals(d.name))
            || (o.residual != null && o.residual.from().equals(d.name)))) {
          return null;
        }
      }
      return d;
    }

    Val outputOf(Draft d, int rank) {
      Shape s = d.layer().output();
      return Val.of(List.of(new Input(d.name, 0, s.channels())), s, rank);
    }

    /** A draft consuming {@code v}: its pending activation, pool and pad become the layer's. */
    Draft newDraft(NodeProto n, Layer.Kind kind, Val v) {
      v = affineOnly(v);
      Draft d = new Draft();
      d.name = unique(n.getName().isEmpty() ? n.getOpType().toLowerCase() : n.getName());
      d.kind = kind;
      d.inputs = v.parts();
      d.input = v.base();
      d.inputAct = v.act();
      d.inScale = v.scale();
      d.inShift = v.shift();
      d.prePool = v.pool();
      return d;
    }

    /**
     * A pending affine runs in a consumer's digital unit only together with its input activation
     * (Layer's pre-activation); alone it becomes a host layer whose depthwise weights and bias
     * are the affine itself.
     */
    Val affineOnly(Val v) {
      if (v.scale() == null || v.act() != Activation.NONE) {
        return v;
      }
      Val out = outputOf(affineHost(v, "affine"), v.rank());
      return new Val(out.parts(), out.base(), v.rank(), v.act(), v.pool(), v.pad(), v.strideH(),
          v.strideW(), v.padTo(), v.softmax(), null, null);
    }

    void add(Draft d) {
      drafts.put(d.name, d);
    }

    /** A host layer: a 1x1 identity convolution running {@code v}'s pending operations. */
    /** A host layer whose depthwise weights and bias are v's pending affine. */
    Draft affineHost(Val v, String label) {
      Val bare = new Val(v.parts(), v.base(), v.rank(), Activation.NONE, null, null, 1, 1,
          v.base().channels(), false, null, null);
      Draft h = host(bare, label);
      notes.add("a per-channel scale and shift with no activation after it runs in host layer " + h.name);
      for (int c = 0; c < h.out; c++) {
        h.w[c] = v.scale()[c];
        h.b[c] = v.shift()[c];
      }
      h.bias = true;
      return h;
    }

    Draft host(Val v, String label) {
      if (v.scale() != null && v.act() == Activation.NONE && v.pool() == null && v.pad() == null
          && !v.marked()) {
        return affineHost(v, label);
      }
      v = affineOnly(v);
      Draft d = new Draft();
      d.name = unique("host_" + label);
      d.host = true;
      d.inputs = v.parts();
      d.input = v.base();
      d.inputAct = v.act();
      d.inScale = v.scale();
      d.inShift = v.shift();
      d.prePool = v.pool();
      int c = v.base().channels();
      d.out = v.padTo();
      d.sh = v.strideH();
      d.sw = v.strideW();
      if (v.pad() != null) {
        d.pt = v.pad()[0];
        d.pl = v.pad()[1];
        d.pb = v.pad()[2];
        d.pr = v.pad()[3];
      }
      if (d.out == c) {
        d.groups = c; // depthwise: one weight 1 per channel
        d.w = new float[c];
        Arrays.fill(d.w, 1f);
      } else {
        d.w = new float[d.out * c];
        for (int i = 0; i < c; i++) {
          d.w[i * c + i] = 1f;
        }
      }
      d.b = new float[d.out];
      add(d);
      return d;
    }

    String unique(String base) {
      String s = base.replaceAll("[^A-Za-z0-9_.\\-/]", "_");
      if (s.isEmpty()) {
        s = "layer";
      }
      String u = s;
      for (int i = 2; !names.add(u); i++) {
        u = s + "_" + i;
      }
      return u;
    }

    // -- constants

    boolean isConst(String name) {
      return constants.containsKey(name) || initialisers.containsKey(name);
    }

    Const constant(NodeProto n, int i) throws IOException {
      if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
        throw new IllegalArgumentException(where(n) + "input " + i + " is missing");
      }
      String in = n.getInput(i);
      Const c = constants.get(in);
      if (c != null) {
        return c;
      }
      TensorProto t = initialisers.get(in);
      if (t == null) {
        if (values.containsKey(in)) {
          throw unsupported(n, n.getOpType() + " with a computed " + (i == 1 ? "weight" : "operand") + " " + in
              + " (weights must be initialisers)");
        }
        throw new IllegalArgumentException(where(n) + "missing initialiser " + in);
      }
      c = decode(t, in);
      constants.put(in, c);
      return c;
    }

    float[] floats(NodeProto n, int i, int count, String what) throws IOException {
      Const c = constant(n, i);
      requireFloat(n, c, what);
      if (c.floats().length != count) {
        throw new IllegalArgumentException(where(n) + what + " " + c.name() + " has " + c.floats().length
            + " values for " + count + " channels");
      }
      return c.floats();
    }

    long[] ints(NodeProto n, int i) throws IOException {
      Const c = constant(n, i);
      if (c.ints() == null) {
        throw new IllegalArgumentException(where(n) + c.name() + " must be an integer tensor, is "
            + typeName(c.type()));
      }
      return c.ints();
    }

    float scalar(NodeProto n, int i) throws IOException {
      Const c = constant(n, i);
      requireFloat(n, c, "operand");
      if (c.floats().length != 1) {
        throw new IllegalArgumentException(where(n) + c.name() + " must be a scalar");
      }
      return c.floats()[0];
    }

    /** A per-channel constant (bias) for {@code v}: scalar, [C], [1,C], [C,1,1] or [1,C,1,1]. */
    float[] channelVector(NodeProto n, int i, Val v) throws IOException {
      Const c = constant(n, i);
      requireFloat(n, c, "operand");
      Shape s = v.shape();
      int ch = s.channels();
      List<Long> dims = new ArrayList<>();
      for (long d : c.dims()) {
        dims.add(d);
      }
      while (!dims.isEmpty() && dims.get(0) == 1 && dims.size() > (v.rank() == 4 ? 3 : 1)) {
        dims.remove(0);
      }
      long count = c.count();
      boolean ok;
      if (count == 1) {
        ok = dims.size() <= v.rank();
      } else if (v.rank() == 4) {
        ok = dims.equals(List.of((long) ch, 1L, 1L));
      } else {
        ok = s.pixels() == 1 && dims.equals(List.of((long) ch));
      }
      if (!ok) {
        throw unsupported(n, "Add of a constant of shape " + Arrays.toString(c.dims())
            + " to " + s + " (only a per-channel bias)");
      }
      float[] out = new float[ch];
      for (int k = 0; k < ch; k++) {
        out[k] = c.floats()[count == 1 ? 0 : k];
      }
      return out;
    }

    /** Gemm's C for {@code out} outputs: scalar, [N], [1,N], or [M,N] with equal rows. */
    float[] biasVector(NodeProto n, int i, int out) throws IOException {
      Const c = constant(n, i);
      requireFloat(n, c, "bias");
      float[] f = c.floats();
      float[] r = new float[out];
      if (f.length == 1) {
        Arrays.fill(r, f[0]);
        return r;
      }
      long[] d = c.dims();
      if (d.length >= 1 && d[d.length - 1] == out && f.length % out == 0) {
        for (int row = 1; row < f.length / out; row++) {
          for (int k = 0; k < out; k++) {
            if (f[row * out + k] != f[k]) {
              throw unsupported(n, "Gemm with a bias C of shape " + Arrays.toString(d) + " that varies per row");
            }
          }
        }
        System.arraycopy(f, 0, r, 0, out);
        return r;
      }
      throw new IllegalArgumentException(where(n) + "bias " + c.name() + " of shape " + Arrays.toString(d)
          + " does not fit " + out + " outputs");
    }

    void requireFloat(NodeProto n, Const c, String what) {
      if (c.floats() == null) {
        throw new IllegalArgumentException(where(n) + what + " " + c.name() + " is of type "
            + typeName(c.type()) + "; fivepp takes float32 tensors only");
      }
    }

    Const constantNode(NodeProto n) throws IOException {
      String out = n.getOutput(0);
      for (AttributeProto a : n.getAttributeList()) {
        switch (a.getName()) {
          case "value" -> {
            return decode(a.getT(), out);
          }
          case "value_float" -> {
            return new Const(out, new long[0], new float[] {a.getF()}, null, 1);
          }
          case "value_floats" -> {
            float[] f = new float[a.getFloatsCount()];
            for (int i = 0; i < f.length; i++) {
              f[i] = a.getFloats(i);
            }
            return new Const(out, new long[] {f.length}, f, null, 1);
          }
          case "value_int" -> {
            return new Const(out, new long[0], null, new long[] {a.getI()}, 7);
          }
          case "value_ints" -> {
            long[] l = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            return new Const(out, new long[] {l.length}, null, l, 7);
          }
          default -> { }
        }
      }
      throw unsupported(n, "Constant without a numeric value");
    }

    /** float32 (raw, float_data or external) or int32/int64 (shape operands). */
    Const decode(TensorProto t, String name) throws IOException {
      long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
      long count = 1;
      for (long d : dims) {
        if (d < 0) {
          throw new IllegalArgumentException(this.name + ": tensor " + name + " has a negative dimension");
        }
        count *= d;
      }
      if (count > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(this.name + ": tensor " + name + " is too large");
      }
      int n = (int) count;
      int type = t.getDataType();
      ByteBuffer raw = null;
      if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
        raw = external(t, name);
      } else if (!t.getRawData().isEmpty()) {
        raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      }
      switch (type) {
        case TensorProto.DataType.FLOAT_VALUE -> {
          float[] f = new float[n];
          if (raw != null) {
            check(name, raw.remaining(), 4L * n, "bytes");
            raw.asFloatBuffer().get(f);
          } else {
            check(name, t.getFloatDataCount(), n, "values");
            for (int i = 0; i < n; i++) {
              f[i] = t.getFloatData(i);
            }
          }
          finite(name, f);
          return new Const(name, dims, f, null, type);
        }
        case TensorProto.DataType.INT64_VALUE -> {
          long[] l = new long[n];
          if (raw != null) {
            check(name, raw.remaining(), 8L * n, "bytes");
            raw.asLongBuffer().get(l);
          } else {
            check(name, t.getInt64DataCount(), n, "values");
            for (int i = 0; i < n; i++) {
              l[i] = t.getInt64Data(i);
            }
          }
          return new Const(name, dims, null, l, type);
        }
        case TensorProto.DataType.BOOL_VALUE -> {
          long[] l = new long[n];
          if (raw != null) {
            check(name, raw.remaining(), n, "bytes");
            for (int i = 0; i < n; i++) {
              l[i] = raw.get(raw.position() + i);
            }
          } else {
            check(name, t.getInt32DataCount(), n, "values");
            for (int i = 0; i < n; i++) {
              l[i] = t.getInt32Data(i);
            }
          }
          return new Const(name, dims, null, l, type);
        }
        case TensorProto.DataType.INT32_VALUE -> {
          long[] l = new long[n];
          if (raw != null) {
            check(name, raw.remaining(), 4L * n, "bytes");
            for (int i = 0; i < n; i++) {
              l[i] = raw.getInt(raw.position() + 4 * i);
            }
          } else {
            check(name, t.getInt32DataCount(), n, "values");
            for (int i = 0; i < n; i++) {
              l[i] = t.getInt32Data(i);
            }
          }
          return new Const(name, dims, null, l, type);
        }
        default -> {
          return new Const(name, dims, null, null, type);
        }
      }
    }

    /** Weights that hold NaN or an infinity would make every output meaningless: refused. */
    void finite(String tensor, float[] f) {
      for (int i = 0; i < f.length; i++) {
        if (!Float.isFinite(f[i])) {
          throw new IllegalArgumentException(name + ": tensor " + tensor + " holds " + f[i] + " at index " + i
              + "; weights and constants must be finite numbers");
        }
      }
    }

    void check(String tensor, long got, long want, String what) {
      if (got != want) {
        throw new IllegalArgumentException(name + ": tensor " + tensor + " holds " + got + " " + what
            + " where its dimensions need " + want);
      }
    }

    /** An external-data offset or length: a whole number >= 0, else the model's mistake. */
    long externalNumber(String tensor, String key, String value) throws IOException {
      try {
        long v = Long.parseLong(value.trim());
        if (v >= 0) {
          return v;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IOException(name + ": tensor " + tensor + " has external data " + key + " '" + value
          + "'; it must be a whole number of bytes >= 0");
    }

    ByteBuffer external(TensorProto t, String tensor) throws IOException {
      String location = null;
      long offset = 0;
      long length = -1;
      for (StringStringEntryProto e : t.getExternalDataList()) {
        switch (e.getKey()) {
          case "location" -> location = e.getValue();
          case "offset" -> offset = externalNumber(tensor, "offset", e.getValue());
          case "length" -> length = externalNumber(tensor, "length", e.getValue());
          default -> { }
        }
      }
      if (location == null || dir == null) {
        throw new IOException(name + ": tensor " + tensor + " has external data without a location");
      }
      Path f = dir.resolve(location).normalize();
      if (!f.startsWith(dir.normalize()) || !Files.isRegularFile(f)) {
        throw new IOException(name + ": external data file " + location + " of tensor " + tensor
            + " is missing (it must be next to the model)");
      }
      // a symbolic link may lead out of the model's folder: what counts is where the bytes really are
      Path real = f.toRealPath();
      if (!real.startsWith(dir.toRealPath())) {
        throw new IOException(name + ": external data file " + location + " of tensor " + tensor
            + " leads outside the model's folder (to " + real + "); external data must lie in "
            + dir.toRealPath());
      }
      f = real;
      long size = Files.size(f);
      if (length < 0) {
        length = size - offset;
      }
      if (offset < 0 || offset + length > size) {
        throw new IOException(name + ": external data of tensor " + tensor + " (offset " + offset
            + ", length " + length + ") lies beyond the end of " + location + " (" + size + " bytes)");
      }
      bytes += length;
      if (bytes > options.maxBytes()) {
        throw new IOException(name + ": model and external data exceed the size limit of "
            + options.maxBytes() + " bytes");
      }
      if (length > Integer.MAX_VALUE) {
        throw new IOException(name + ": tensor " + tensor + " is too large");
      }
      byte[] b = new byte[(int) length];
      try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
        r.seek(offset);
        r.readFully(b);
      }
      return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    // -- attributes and messages

    static AttributeProto attr(NodeProto n, String name) {
      for (AttributeProto a : n.getAttributeList()) {
        if (a.getName().equals(name)) {
          return a;
        }
      }
      return null;
    }

    int attrInt(NodeProto n, String name, int dflt) {
      AttributeProto a = attr(n, name);
      return a == null ? dflt : attrValue(n, name, a.getI());
    }

    static float attrFloat(NodeProto n, String name, float dflt) {
      AttributeProto a = attr(n, name);
      return a == null ? dflt : a.getF();
    }

    static String attrString(NodeProto n, String name, String dflt) {
      AttributeProto a = attr(n, name);
      return a == null ? dflt : a.getS().toStringUtf8();
    }

    int[] attrInts(NodeProto n, String name, int[] dflt) {
      AttributeProto a = attr(n, name);
      return a == null ? dflt : a.getIntsList().stream().mapToInt(v -> attrValue(n, name, v)).toArray();
    }

    /** An integer attribute's value as an int; one that does not fit is the model's mistake. */
    private int attrValue(NodeProto n, String name, long v) {
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(where(n) + "attribute " + name + " = " + v + " is out of range (at most "
            + Integer.MAX_VALUE + ")");
      }
      return (int) v;
    }

    static long[] longs(int[] a) {
      return a == null ? null : Arrays.stream(a).mapToLong(x -> x).toArray();
    }

    static int toInt(long v) {
      if (v <= 0 || v > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("dimension " + v + " out of range");
      }
      return (int) v;
    }

    String node(NodeProto n) {
      return "node " + (n.getName().isEmpty() ? n.getOutput(0) : n.getName()) + " (" + n.getOpType() + ")";
    }

    String where(NodeProto n) {
      return name + ": " + node(n) + ": ";
    }

    OnnxImportUnsupportedException unsupported(NodeProto n, String what) {
      return new OnnxImportUnsupportedException(name + ": " + what + " in " + node(n)
          + " cannot be placed on CM cores; supported operators: " + String.join(", ", SUPPORTED));
    }
  }

  static String typeName(int type) {
    TensorProto.DataType t = TensorProto.DataType.forNumber(type);
    return t == null ? "type " + type : t.name();
  }
}
