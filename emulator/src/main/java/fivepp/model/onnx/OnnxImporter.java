package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxTensors.toInt;
import static fivepp.model.onnx.OnnxTensors.typeName;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import fivepp.model.Activation;
import fivepp.model.Input;
import fivepp.model.Layer;
import fivepp.model.LayerWeights;
import fivepp.model.Network;
import fivepp.model.Residual;
import fivepp.model.Shape;
import fivepp.model.Weights;
import fivepp.model.onnx.OnnxTensors.Const;
import fivepp.onnx.GraphProto;
import fivepp.onnx.ModelProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.TensorProto;
import fivepp.onnx.TensorShapeProto;
import fivepp.onnx.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
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
 * subsampling from 0) followed by Pad (zero channels appended, or on both sides) feeding an Add is
 * ResNet's option-A shortcut and becomes {@code Residual(source, stride, firstChannel)}. A channel
 * shuffle (Reshape, Transpose, Reshape), Split and Slice of channels reorder the parts of a value
 * ({@link ShuffleRules}); the weight layer reading them takes them in their producers' order, its
 * weight rows permuted to match (a grouped one permutes its groups, and its output with them:
 * {@link Draft#outOrder}), so they add no layer and move no data. A final
 * Softmax or LogSoftmax is run by the host on the array's outputs ({@link Imported#output(float[])}).
 *
 * <p>Every failure is one line: {@link IOException} for an unreadable, truncated, corrupt or
 * oversized file; {@link OnnxImportUnsupportedException} (an {@link IllegalArgumentException})
 * for an operator or attribute fivepp cannot place on CM cores; {@link IllegalArgumentException}
 * for an inconsistent model (missing initialiser, non-float32 tensor, shape contradicting its
 * weights).
 *
 * <p>This class reads the model and walks its graph, node by node, keeping the tables of values
 * and constants. {@link OnnxTensors} and {@link OnnxAttributes} decode tensors and attributes;
 * what each operator becomes is its rule in a subclass of {@link OperatorRules}, one per kind
 * ({@link WeightRules}, {@link ActivationRules}, {@link ArithmeticRules}, {@link PoolRules},
 * {@link ShapeRules}, {@link ShuffleRules}); {@link Drafts} holds the layers under construction.
 */
public final class OnnxImporter {
  /** The operators the importer places, each by its rule in an {@link OperatorRules} subclass. */
  public static final List<String> SUPPORTED = List.of("Add", "AveragePool", "BatchNormalization",
      "Clip", "Concat", "Constant", "Conv", "Dropout", "Elu", "Flatten", "Gemm", "GlobalAveragePool",
      "GlobalMaxPool", "HardSigmoid", "HardSwish", "Identity", "LeakyRelu", "LogSoftmax", "MatMul",
      "MaxPool", "Mul", "PRelu", "Pad", "Relu", "Reshape", "Selu", "Sigmoid", "Slice", "Softmax",
      "Softplus", "Softsign", "Split", "Squeeze", "Tanh", "Transpose");

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
   * @param softmax whether the graph ends in a Softmax (or LogSoftmax) over the features, which
   *     {@link #output(float[])} applies to the network's output
   * @param logSoftmax whether that is a LogSoftmax
   */
  public record Imported(Network network, Weights weights, List<String> notes, String inputName,
      List<Long> inputDims, int batchAxis, String outputName, boolean softmax, boolean logSoftmax) {
    public Imported {
      notes = List.copyOf(notes);
      inputDims = List.copyOf(inputDims);
    }

    /**
     * The graph's output for one image from the network's output (the softmax if any, in double:
     * {@code exp(x - max) / sum}, or {@code x - max - log(sum)} for LogSoftmax).
     */
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
      double logSum = Math.log(sum);
      float[] out = new float[logits.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) (logSoftmax ? logits[i] - max - logSum : e[i] / sum);
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

  /** One import under way: the graph, its value and constant tables, and the walk over its nodes. */
  static final class Build {
    final GraphProto graph;
    final String name;
    final String description;
    final long opset;
    final OnnxImportOptions options;
    final Map<String, TensorProto> initialisers = new HashMap<>();
    final Map<String, Const> constants = new HashMap<>();
    final Map<String, Val> values = new HashMap<>();
    final Map<String, Integer> uses = new HashMap<>();
    final List<String> notes = new ArrayList<>();
    final OnnxTensors tensors;
    final OnnxAttributes attrs;
    final Drafts drafts;
    /** The rule of each supported op_type but Constant, from the *Rules classes. */
    final Map<String, OperatorRules.Rule> rules = new HashMap<>();
    String inputName;
    List<Long> inputDims;
    int batchAxis;
    /** Nodes a rule has already placed with an earlier node (the Mul of {@code x * Sigmoid(x)}). */
    final Set<NodeProto> absorbed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Whether the final host softmax is a LogSoftmax. */
    boolean logSoftmax;

    Build(GraphProto graph, Path dir, String name, String description, long opset,
        OnnxImportOptions options, long bytes) {
      this.graph = graph;
      this.name = name;
      this.description = description;
      this.opset = opset;
      this.options = options;
      tensors = new OnnxTensors(name, dir, options, bytes);
      attrs = new OnnxAttributes(name);
      drafts = new Drafts(uses, notes);
      new ActivationRules(this).register(rules);
      new ArithmeticRules(this).register(rules);
      new PoolRules(this).register(rules);
      new WeightRules(this).register(rules);
      new ShapeRules(this).register(rules);
      new ShuffleRules(this).register(rules); // after ShapeRules, whose rules it extends
    }

    Imported run() throws IOException {
      for (TensorProto t : graph.getInitializerList()) {
        initialisers.put(t.getName(), t);
      }
      initialisers.putAll(options.constants());
      for (NodeProto n : graph.getNodeList()) {
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
          throw attrs.unsupported(n, "operator " + n.getDomain() + "." + n.getOpType());
        }
        if (!SUPPORTED.contains(n.getOpType())) {
          throw attrs.unsupported(n, "operator " + n.getOpType());
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
        apply(n);
      }
      Val out = values.get(outputName);
      if (out == null) {
        throw new IllegalArgumentException(name + ": graph output " + outputName
            + (constants.containsKey(outputName) ? " is a constant" : " is never produced"));
      }
      boolean softmax = out.softmax();
      Draft last = drafts.isEmpty() ? null : drafts.values().stream().reduce((a, b) -> b).get();
      if (!out.plain() || out.parts().size() != 1 || last == null
          || !drafts.wholeOutputOf(out, last)) {
        last = drafts.host(out, "output");
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
        notes.add("the final " + (logSoftmax ? "LogSoftmax" : "Softmax") + " runs on the host over the array's outputs");
      }
      Network net = new Network(name, description, new Shape(inputShape().channels(),
          inputShape().height(), inputShape().width()), layers);
      return new Imported(net, Weights.of(net, weights), notes, inputName, inputDims, batchAxis,
          outputName, softmax, logSoftmax);
    }

    Shape inputShapeCache;

    Shape inputShape() {
      return inputShapeCache;
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
        if (d.gate != null) {
          stack.add(d.gate);
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
        if (n.getOpType().equals("Gemm") && n.getInput(0).equals(inputName) && attrs.attrInt(n, "transA", 0) != 0) {
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

    /** The operators that act on every element alike, whatever the tensor's shape. */
    private static final List<String> ELEMENT_WISE = List.of("Relu", "LeakyRelu", "Clip", "Identity",
        "Dropout", "Constant", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Selu",
        "Softplus", "Softsign");

    boolean elementWiseOnly() {
      for (NodeProto n : graph.getNodeList()) {
        if (!ELEMENT_WISE.contains(n.getOpType())) {
          return false;
        }
      }
      return true;
    }

    // -- operators

    void apply(NodeProto n) throws IOException {
      String op = n.getOpType();
      if (absorbed.remove(n)) {
        return;
      }
      if (op.equals("Constant")) {
        Const c = tensors.constantNode(n);
        if (c == null) {
          throw attrs.unsupported(n, "Constant without a numeric value");
        }
        constants.put(n.getOutput(0), c);
        return;
      }
      for (int i = 1; i < n.getOutputCount() && !op.equals("Split"); i++) {
        if (!n.getOutput(i).isEmpty() && uses.containsKey(n.getOutput(i))) {
          throw attrs.unsupported(n, op + " with its optional output " + n.getOutput(i) + " in use");
        }
      }
      OperatorRules.Rule rule = rules.get(op);
      if (rule == null) {
        throw attrs.unsupported(n, "operator " + op);
      }
      if (!op.equals("Conv")) {
        ungate(n);
      }
      Val r = rule.apply(n);
      if (r != null) {
        values.put(n.getOutput(0), r);
      }
    }

    /**
     * A gated value (squeeze-and-excitation) is taken as it is only by a Conv, whose layer then
     * has the gate; for any other operator it runs through a host layer with the gate first.
     */
    private void ungate(NodeProto n) {
      for (String in : n.getInputList()) {
        Val v = values.get(in);
        if (v != null && v.gate() != null) {
          Draft h = drafts.host(v, "gate");
          notes.add("the gated " + in + " runs through host layer " + h.name + " before "
              + attrs.node(n));
          values.put(in, drafts.outputOf(h, v.rank()));
        }
      }
    }

    /** The tensor input {@code i} of the node (not a constant), not after a Softmax. */
    Val data(NodeProto n, int i) {
      String in = n.getInput(i);
      Val v = values.get(in);
      if (v == null) {
        if (isConst(in)) {
          throw attrs.unsupported(n, n.getOpType() + " on the constant " + in + " (only on the image's tensors)");
        }
        throw new IllegalArgumentException(attrs.where(n) + "input " + in + " is neither produced, an input nor an initialiser");
      }
      if (v.softmax()) {
        throw attrs.unsupported(n, "Softmax or LogSoftmax before " + n.getOpType() + " (only as the last operation)");
      }
      return v;
    }

    /** The op_types of the nodes that read the value {@code name}. */
    List<String> consumers(String name) {
      return graph.getNodeList().stream().filter(c -> c.getInputList().contains(name))
          .map(NodeProto::getOpType).toList();
    }

    Val data4(NodeProto n) {
      Val v = data(n, 0);
      if (v.rank() != 4) {
        throw attrs.unsupported(n, n.getOpType() + " on a rank-" + v.rank() + " tensor (N,C,H,W only)");
      }
      return v;
    }

    // -- constant operands

    boolean isConst(String name) {
      return constants.containsKey(name) || initialisers.containsKey(name);
    }

    Const constant(NodeProto n, int i) throws IOException {
      if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
        throw new IllegalArgumentException(attrs.where(n) + "input " + i + " is missing");
      }
      String in = n.getInput(i);
      Const c = constants.get(in);
      if (c != null) {
        return c;
      }
      TensorProto t = initialisers.get(in);
      if (t == null) {
        if (values.containsKey(in)) {
          throw attrs.unsupported(n, n.getOpType() + " with a computed " + (i == 1 ? "weight" : "operand") + " " + in
              + " (weights must be initialisers)");
        }
        throw new IllegalArgumentException(attrs.where(n) + "missing initialiser " + in);
      }
      c = tensors.decode(t, in);
      constants.put(in, c);
      return c;
    }

    float[] floats(NodeProto n, int i, int count, String what) throws IOException {
      Const c = constant(n, i);
      requireFloat(n, c, what);
      if (c.floats().length != count) {
        throw new IllegalArgumentException(attrs.where(n) + what + " " + c.name() + " has " + c.floats().length
            + " values for " + count + " channels");
      }
      return c.floats();
    }

    long[] ints(NodeProto n, int i) throws IOException {
      Const c = constant(n, i);
      if (c.ints() == null) {
        throw new IllegalArgumentException(attrs.where(n) + c.name() + " must be an integer tensor, is "
            + typeName(c.type()));
      }
      return c.ints();
    }

    float scalar(NodeProto n, int i) throws IOException {
      Const c = constant(n, i);
      requireFloat(n, c, "operand");
      if (c.floats().length != 1) {
        throw new IllegalArgumentException(attrs.where(n) + c.name() + " must be a scalar");
      }
      return c.floats()[0];
    }

    void requireFloat(NodeProto n, Const c, String what) {
      if (c.floats() == null) {
        throw new IllegalArgumentException(attrs.where(n) + what + " " + c.name() + " is of type "
            + typeName(c.type()) + "; fivepp takes float32 tensors only");
      }
    }
  }
}
