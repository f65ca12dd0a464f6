package fivepp.runtime.onnx;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.model.Shape;
import fivepp.model.onnx.OnnxImportOptions;
import fivepp.model.onnx.OnnxImporter;
import fivepp.onnx.ModelProto;
import fivepp.onnx.TensorProto;
import fivepp.onnx.ValueInfoProto;
import fivepp.runtime.Emulator;
import fivepp.runtime.RunOptions;
import fivepp.runtime.RunReport;
import fivepp.runtime.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * ONNX's own backend tests (Debian's libonnx-testdata) run through the importer and the emulator
 * (5PP fabric, 256x256 crossbars): every test under {@code node/} and {@code pytorch-converted/}
 * whose model the importer maps is run on each {@code test_data_set_*} and compared with its
 * {@code output_0.pb} like numpy's allclose (relative 1e-3, absolute 1e-5).
 *
 * <p>Graph inputs after the first that are not initialisers (ONNX's node tests pass a Conv's or
 * Gemm's weights that way) are bound to their test values as constants; the first is the image
 * batch, run image by image (batch along axis 0, or axis 1 under Gemm's transA). A test the
 * importer refuses (an operator, an attribute, a rank or an element type fivepp does not map) is
 * counted unsupported with the importer's reason; a test that imports but does not run or does not
 * match is failed.
 */
public final class Conformance {
  public static final Path DEFAULT_DIR = Path.of("/usr/share/libonnx-testdata/data");
  static final double RTOL = 1e-3;
  static final double ATOL = 1e-5;

  private Conformance() {}

  /** Counts and names; {@code unsupported} entries are "suite/test: reason". */
  public record Result(int passed, int failed, int unsupported, List<String> passedTests,
      List<String> failedTests, List<String> unsupportedTests, double seconds) {
    public String summary() {
      return String.format("ONNX backend tests: %d passed, %d failed, %d unsupported (%.1f s)",
          passed, failed, unsupported, seconds);
    }
  }

  /**
   * Walks {@code dir/node} and {@code dir/pytorch-converted}, one line per test to {@code log}.
   *
   * @throws IOException when {@code dir} does not hold the test data
   */
  public static Result run(Path dir, PrintWriter log) throws IOException {
    long t0 = System.nanoTime();
    if (!Files.isDirectory(dir.resolve("node")) || !Files.isDirectory(dir.resolve("pytorch-converted"))) {
      throw new IOException(dir + " does not hold ONNX's backend tests (node/, pytorch-converted/);"
          + " install them with: apt-get install -y libonnx-testdata");
    }
    List<String> passed = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<String> unsupported = new ArrayList<>();
    for (String suite : List.of("node", "pytorch-converted")) {
      List<Path> tests;
      try (Stream<Path> s = Files.list(dir.resolve(suite))) {
        tests = s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
      }
      for (Path test : tests) {
        String id = suite + "/" + test.getFileName();
        String outcome;
        try {
          outcome = runTest(test);
        } catch (Unsupported e) {
          unsupported.add(id + ": " + e.getMessage());
          log.println("UNSUPPORTED " + id + ": " + e.getMessage());
          log.flush();
          continue;
        } catch (Exception | AssertionError e) {
          failed.add(id + ": " + oneLine(String.valueOf(e.getMessage())));
          log.println("FAIL " + id + ": " + e.getClass().getSimpleName() + ": "
              + oneLine(String.valueOf(e.getMessage())));
          log.flush();
          continue;
        }
        passed.add(id);
        log.println("PASS " + id + " " + outcome);
        log.flush();
      }
    }
    Result r = new Result(passed.size(), failed.size(), unsupported.size(), passed, failed,
        unsupported, (System.nanoTime() - t0) / 1e9);
    log.println(r.summary());
    log.flush();
    return r;
  }

  /** A test the importer does not map. */
  static final class Unsupported extends Exception {
    Unsupported(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Runs one test; returns a short description, throws on a mismatch. */
  static String runTest(Path test) throws Exception {
    ModelProto model;
    try (InputStream in = Files.newInputStream(test.resolve("model.onnx"))) {
      model = ModelProto.parseFrom(in);
    }
    List<Path> sets;
    try (Stream<Path> s = Files.list(test)) {
      sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")
          && Files.isDirectory(p)).sorted().toList();
    }
    if (sets.isEmpty()) {
      throw new Unsupported("no test_data_set");
    }
    Set<String> inits = new HashSet<>();
    model.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
    List<String> dataInputs = new ArrayList<>();
    for (ValueInfoProto vi : model.getGraph().getInputList()) {
      if (!inits.contains(vi.getName())) {
        dataInputs.add(vi.getName());
      }
    }
    if (dataInputs.isEmpty()) {
      throw new Unsupported("the graph has no input");
    }
    if (model.getGraph().getOutputCount() != 1) {
      throw new Unsupported("the graph has " + model.getGraph().getOutputCount() + " outputs");
    }
    int images = 0;
    int layers = 0;
    for (Path set : sets) {
      List<TensorProto> ins = new ArrayList<>();
      for (int i = 0; Files.exists(set.resolve("input_" + i + ".pb")); i++) {
        ins.add(readTensor(set.resolve("input_" + i + ".pb")));
      }
      if (ins.size() != dataInputs.size()) {
        throw new Unsupported(set.getFileName() + " has " + ins.size() + " inputs for "
            + dataInputs.size() + " graph inputs");
      }
      Map<String, TensorProto> bound = new LinkedHashMap<>();
      for (int i = 1; i < ins.size(); i++) {
        bound.put(dataInputs.get(i), ins.get(i).toBuilder().setName(dataInputs.get(i)).build());
      }
      OnnxImporter.Imported imp;
      try {
        imp = OnnxImporter.read(model, test, test.getFileName().toString(),
            OnnxImportOptions.DEFAULT.withConstants(bound));
      } catch (IllegalArgumentException | IOException e) {
        throw new Unsupported(oneLine(e.getMessage()));
      }
      TensorProto x = ins.get(0);
      if (x.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
        throw new Unsupported("input of type " + typeName(x.getDataType()));
      }
      List<Tensor> batch = split(floats(x), x.getDimsList(), imp.batchAxis(), imp.network().input());
      float[] want = floats(readTensor(set.resolve("output_0.pb")));
      float[] got = run(imp, batch);
      compare(got, want);
      images += batch.size();
      layers = imp.network().layers().size();
    }
    return "(" + sets.size() + " data set" + (sets.size() == 1 ? "" : "s") + ", " + images
        + " image" + (images == 1 ? "" : "s") + ", " + layers + " layer" + (layers == 1 ? "" : "s") + ")";
  }

  /** The emulator's outputs for each image, concatenated (the graph's output, batch-major). */
  static float[] run(OnnxImporter.Imported imp, List<Tensor> batch) throws IOException {
    CoreGraph g = CoreGraph.of(imp.network(), Tiling.DEFAULT);
    Fabric f = Fabrics.parse("5pp", g.cores().size());
    Placement p = Placement.along(LinearOrder.search(g), f);
    RunReport r = Emulator.run(g, imp.weights(), f, p, new OnnxImportSource(batch, imp.network().name()),
        RunOptions.DEFAULT, i -> { });
    int per = (int) imp.network().output().output().elements();
    float[] out = new float[per * batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      float[] y = imp.output(r.logits()[i]);
      if (y.length != per) {
        throw new IllegalStateException("image " + i + ": " + y.length + " outputs, expected " + per);
      }
      System.arraycopy(y, 0, out, i * per, per);
    }
    return out;
  }

  /** The batch as images of {@code shape}, taken along {@code axis} (0, or 1 for a matrix). */
  static List<Tensor> split(float[] data, List<Long> dims, int axis, Shape shape) throws Unsupported {
    int per = (int) shape.elements();
    List<Tensor> out = new ArrayList<>();
    if (axis == 1) {
      if (dims.size() != 2 || dims.get(0) != per) {
        throw new Unsupported("input " + dims + " does not fit " + shape + " images along axis 1");
      }
      int n = Math.toIntExact(dims.get(1));
      for (int m = 0; m < n; m++) {
        float[] v = new float[per];
        for (int k = 0; k < per; k++) {
          v[k] = data[k * n + m];
        }
        out.add(new Tensor(shape.channels(), shape.height(), shape.width(), v));
      }
      return out;
    }
    if (data.length == 0 || data.length % per != 0) {
      throw new Unsupported("input " + dims + " does not split into " + shape + " images");
    }
    for (int i = 0; i < data.length / per; i++) {
      float[] v = java.util.Arrays.copyOfRange(data, i * per, (i + 1) * per);
      out.add(new Tensor(shape.channels(), shape.height(), shape.width(), v));
    }
    return out;
  }

  /** numpy.allclose(got, want, rtol=1e-3, atol=1e-5), with one line naming the worst element. */
  static void compare(float[] got, float[] want) {
    if (got.length != want.length) {
      throw new AssertionError(got.length + " outputs, expected " + want.length);
    }
    int bad = 0;
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < got.length; i++) {
      double diff = Math.abs((double) got[i] - want[i]);
      double allowed = ATOL + RTOL * Math.abs(want[i]);
      if (!(diff <= allowed) && !(Float.isNaN(got[i]) && Float.isNaN(want[i]))
          && !(got[i] == want[i])) {
        bad++;
        if (worst < 0 || diff - allowed > worstExcess || Double.isNaN(diff)) {
          worst = i;
          worstExcess = diff - allowed;
        }
      }
    }
    if (bad > 0) {
      throw new AssertionError(bad + " of " + got.length + " outputs differ; worst at " + worst
          + ": got " + got[worst] + ", expected " + want[worst]);
    }
  }

  static TensorProto readTensor(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return TensorProto.parseFrom(in);
    }
  }

  /** The float32 values of a test tensor (raw_data or float_data). */
  static float[] floats(TensorProto t) throws Unsupported {
    if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
      throw new Unsupported("a tensor of type " + typeName(t.getDataType()));
    }
    if (!t.getRawData().isEmpty()) {
      float[] f = new float[t.getRawData().size() / 4];
      t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
      return f;
    }
    float[] f = new float[t.getFloatDataCount()];
    for (int i = 0; i < f.length; i++) {
      f[i] = t.getFloatData(i);
    }
    return f;
  }

  /** A message on one line, for the log and the lists. */
  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").trim();
  }

  /** An ONNX element type's name ({@code FLOAT16}, ...), or its number when unknown. */
  private static String typeName(int type) {
    TensorProto.DataType t = TensorProto.DataType.forNumber(type);
    return t == null ? "type " + type : t.name();
  }

  /** {@code fivepp conformance [DIR]} without the CLI: prints the walk and exits 1 on a failure. */
  public static void main(String[] args) throws IOException {
    PrintWriter out = new PrintWriter(System.out, true);
    Result r = run(args.length > 0 ? Path.of(args[0]) : DEFAULT_DIR, out);
    System.exit(r.failed() == 0 ? 0 : 1);
  }
}
