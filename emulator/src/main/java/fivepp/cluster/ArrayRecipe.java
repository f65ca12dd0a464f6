package fivepp.cluster;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Crossbar;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.model.Zoo;
import fivepp.model.onnx.OnnxImportOptions;
import fivepp.model.onnx.OnnxImporter;
import fivepp.runtime.CorePlan;
import fivepp.runtime.RunOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Everything a member needs to rebuild an array from the model, so weights never travel and no
 * member holds what another cannot recreate: the network (a zoo name with its seed, or an ONNX
 * file every member reads at the same path, checked by its SHA-256), the tiling, the fabric, the
 * placement of cores on vertices and the run's hardware model.
 *
 * @param model a zoo network, or null with {@code onnx}
 * @param input HxW for a resized zoo network, or null
 * @param onnx an ONNX file, or null
 * @param onnxSha256 the file's SHA-256 in hex, checked by every member
 * @param inputShape NxCxHxW for an ONNX model with symbolic dimensions, or null
 * @param vertexOf the fabric vertex of every core
 * @param coreBudget with N > 0, the layers that bound the pipeline are copied within N cores
 *     ({@code --replicate auto --core-budget N}, the same choice on every member); 0 for no copies
 */
public record ArrayRecipe(String model, String input, String onnx, String onnxSha256, String inputShape,
    long maxModelBytes, long seed, String crossbar, Tiling.Concat concat, int actBits, int psumBits,
    String fabric, int[] vertexOf, RunOptions options, int coreBudget) {

  /** An array without weight replication. */
  public ArrayRecipe(String model, String input, String onnx, String onnxSha256, String inputShape,
      long maxModelBytes, long seed, String crossbar, Tiling.Concat concat, int actBits, int psumBits,
      String fabric, int[] vertexOf, RunOptions options) {
    this(model, input, onnx, onnxSha256, inputShape, maxModelBytes, seed, crossbar, concat, actBits, psumBits,
        fabric, vertexOf, options, 0);
  }

  /**
   * The array as a member rebuilds it: the whole structure, and the plans (with their weight
   * tiles) of the cores it hosts only.
   */
  public record Built(Network network, CoreGraph graph, Fabric fabric, List<CorePlan> plans) {}

  /** Rebuilds network, core graph, fabric and every core's plan. */
  public Built build() throws IOException {
    return build(null);
  }

  /**
   * Rebuilds network, core graph and fabric, and the plans of the cores on {@code vertices} (all
   * cores when null): a zoo network's weights are drawn for their layers only, an ONNX model's
   * are read whole and dropped once the plans have their tiles.
   */
  public Built build(int[] vertices) throws IOException {
    java.util.BitSet hosted = new java.util.BitSet();
    for (int v : vertices == null ? new int[0] : vertices) {
      hosted.set(v);
    }
    Network net;
    Weights w = null;
    if (onnx != null) {
      Path file = Path.of(onnx);
      String sum = sha256(file);
      if (!sum.equals(onnxSha256)) {
        throw new IOException(onnx + " on this member differs from the coordinator's (SHA-256 " + sum
            + ", expected " + onnxSha256 + ")");
      }
      OnnxImportOptions o = OnnxImportOptions.DEFAULT.withMaxBytes(maxModelBytes);
      if (inputShape != null) {
        String[] parts = inputShape.toLowerCase(Locale.ROOT).split("x", -1);
        int[] dims = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
          dims[i] = Integer.parseInt(parts[i].trim());
        }
        o = o.withInputShape(dims);
      }
      OnnxImporter.Imported m = OnnxImporter.read(file, o);
      net = m.network();
      w = m.weights();
    } else {
      if (input != null) {
        String[] hw = input.toLowerCase(Locale.ROOT).split("x", -1);
        net = Zoo.get(model, Integer.parseInt(hw[0].trim()), Integer.parseInt(hw[1].trim()));
      } else {
        net = Zoo.get(model);
      }
    }
    CoreGraph g = CoreGraph.of(net, new Tiling(Crossbar.parse(crossbar), actBits, psumBits, concat));
    if (coreBudget > 0) {
      g = CoreGraph.of(net, g.tiling(), fivepp.mapping.Replication.auto(g, coreBudget));
    }
    Fabric f = Fabrics.parse(fabric, g.cores().size());
    if (vertexOf.length != g.cores().size()) {
      throw new IOException("the placement has " + vertexOf.length + " cores, the network " + g.cores().size());
    }
    java.util.function.IntPredicate wanted = c -> vertices == null || hosted.get(vertexOf[c]);
    if (w == null) {
      java.util.Set<String> layers = new java.util.HashSet<>();
      for (fivepp.mapping.Core c : g.cores()) {
        if (wanted.test(c.id())) {
          layers.add(c.layer());
        }
      }
      w = Weights.he(net, seed, layers::contains);
    }
    return new Built(net, g, f, CorePlan.of(g, w, vertexOf, f::route, wanted));
  }

  /** The SHA-256 of a file, in hex. */
  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ArrayRecipe s && toString().equals(s.toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  @Override
  public String toString() {
    return String.join("|", String.valueOf(model), String.valueOf(input), String.valueOf(onnx),
        String.valueOf(onnxSha256), String.valueOf(inputShape), Long.toString(maxModelBytes),
        Long.toString(seed), crossbar, concat.name(), Integer.toString(actBits), Integer.toString(psumBits),
        fabric, java.util.Arrays.toString(vertexOf), options.toString())
        + (coreBudget > 0 ? "|copies within " + coreBudget : "");
  }
}
