package fivepp.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The parameters of every weight layer of a network, batch-norm folded in (see
 * {@link LayerWeights} for the layout). Either synthetic ({@link #he}) or given ({@link #of(Network,
 * Map)}, e.g. by an importer). Arrays are shared, not copied: do not modify them.
 */
public final class Weights {
  private static final double EPS = 1e-5;
  private static final double SMALL = 0.05;

  private final Network network;
  private final Map<String, LayerWeights> byLayer;

  private Weights(Network network, Map<String, LayerWeights> byLayer) {
    this.network = network;
    this.byLayer = Collections.unmodifiableMap(byLayer);
  }

  /**
   * Synthetic weights, reproducible from {@code (net, seed)} alone; each layer draws from its own
   * generator seeded from {@code (seed, layer index)}, so its values do not depend on other layers.
   *
   * <ul>
   *   <li>kernel ~ N(0, 2/fanIn) (He), fanIn = kernelH*kernelW*inChannels/groups; conv bias
   *       N(0, 0.05^2) when {@link Layer#bias()}, else 0;
   *   <li>a conv layer folds a random batch-norm (gamma U[0.5,1], beta N(0,0.05^2), mean
   *       N(0,0.05^2), var U[0.5,1.5], eps 1e-5): {@code w' = w*a}, {@code b' = beta + (b-mean)*a}
   *       with {@code a = gamma/sqrt(var+eps)}; an FC layer has no batch-norm;
   *   <li>a layer that receives a residual has its kernel scaled by an extra 0.5 (not its bias),
   *       so that deep residual stacks keep activations in a sane range;
   *   <li>a layer with an input activation gets inScale/inShift from another random batch-norm
   *       over its input channels: {@code inScale = a}, {@code inShift = beta - mean*a}.
   * </ul>
   *
   * Draw order per layer: bias, output batch-norm, input batch-norm, kernel; normals come from
   * Marsaglia's polar method over {@link StrictMath}, so values are the same on every JVM.
   */
  public static Weights he(Network net, long seed) {
    return he(net, seed, l -> true);
  }

  /**
   * The weights {@link #he(Network, long)} gives, of the layers {@code wanted} names only (each
   * layer's values depend on the seed and its index alone): what a cluster member draws for the
   * cores it hosts. {@link #of(String)} refuses the other layers.
   */
  public static Weights he(Network net, long seed, java.util.function.Predicate<String> wanted) {
    Map<String, LayerWeights> m = new LinkedHashMap<>();
    for (int i = 0; i < net.layers().size(); i++) {
      Layer l = net.layers().get(i);
      if (wanted.test(l.name())) {
        m.put(l.name(), he(l, new Normal(mix(mix(seed) + 0x9E3779B97F4A7C15L * (i + 1)))));
      }
    }
    return new Weights(net, m);
  }

  private static LayerWeights he(Layer l, Normal r) {
    int rows = l.rows();
    int cout = l.outChannels();
    double[] b = new double[cout];
    if (l.bias()) {
      for (int c = 0; c < cout; c++) {
        b[c] = r.next() * SMALL;
      }
    }
    double[] scale = new double[cout];
    Arrays.fill(scale, 1.0);
    if (l.kind() == Layer.Kind.CONV) {
      double[][] bn = batchNorm(r, cout); // {a, beta - mean*a}
      for (int c = 0; c < cout; c++) {
        scale[c] = bn[0][c];
        b[c] = b[c] * bn[0][c] + bn[1][c]; // beta + (b - mean)*a
      }
    }
    float[] inScale = null;
    float[] inShift = null;
    if (l.inputActivation() != Activation.NONE) {
      double[][] bn = batchNorm(r, l.input().channels());
      inScale = toFloat(bn[0]);
      inShift = toFloat(bn[1]);
    }
    double std = Math.sqrt(2.0 / rows) * (l.residual() != null ? 0.5 : 1.0);
    float[] weights = new float[Math.toIntExact(l.weights())];
    for (int c = 0, j = 0; c < cout; c++) {
      for (int end = j + rows; j < end; j++) {
        weights[j] = (float) (r.next() * std * scale[c]);
      }
    }
    return new LayerWeights(weights, toFloat(b), inScale, inShift);
  }

  /** A random batch-norm over {@code n} channels folded to {scale, shift} per channel. */
  private static double[][] batchNorm(Normal r, int n) {
    double[][] out = new double[2][n];
    for (int c = 0; c < n; c++) {
      double gamma = 0.5 + 0.5 * r.uniform();
      double beta = r.next() * SMALL;
      double mean = r.next() * SMALL;
      double var = 0.5 + r.uniform();
      double a = gamma / Math.sqrt(var + EPS);
      out[0][c] = a;
      out[1][c] = beta - mean * a;
    }
    return out;
  }

  /**
   * Given weights, checked against the network: every layer present, no unknown layer, weights of
   * {@code outChannels*inChannels/groups*kernelH*kernelW}, bias of {@code outChannels},
   * inScale/inShift of the input channels when the layer has an input activation, else null.
   *
   * @throws IllegalArgumentException one line naming the first offending layer
   */
  public static Weights of(Network net, Map<String, LayerWeights> given) {
    Map<String, LayerWeights> m = new LinkedHashMap<>();
    for (Layer l : net.layers()) {
      LayerWeights lw = given.get(l.name());
      String where = net.name() + "/" + l.name() + ": ";
      if (lw == null) {
        throw new IllegalArgumentException(where + "no weights given");
      }
      check(where + "weights", lw.weights(), l.weights());
      check(where + "bias", lw.bias(), l.outChannels());
      boolean pre = l.inputActivation() != Activation.NONE;
      check(where + "inScale", lw.inScale(), pre ? l.input().channels() : -1);
      check(where + "inShift", lw.inShift(), pre ? l.input().channels() : -1);
      m.put(l.name(), lw);
    }
    for (String name : given.keySet()) {
      if (!m.containsKey(name)) {
        throw new IllegalArgumentException(net.name() + ": weights given for unknown layer " + name);
      }
    }
    return new Weights(net, m);
  }

  /** Checks an array's length; {@code expected < 0} means it must be null. */
  private static void check(String what, float[] a, long expected) {
    if (expected < 0 && a != null) {
      throw new IllegalArgumentException(what + " given but the layer has no input activation");
    }
    if (expected >= 0 && (a == null || a.length != expected)) {
      throw new IllegalArgumentException(what + " needs " + expected + " values, got "
          + (a == null ? "none" : a.length));
    }
  }

  /** The parameters of a layer. */
  public LayerWeights of(String layer) {
    LayerWeights lw = byLayer.get(layer);
    if (lw == null) {
      throw new IllegalArgumentException(network.name() + (network.layers().stream().anyMatch(l -> l.name().equals(layer)) ? ": no weights held for layer "
          : " has no layer ") + layer);
    }
    return lw;
  }

  public Network network() {
    return network;
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  /** Stafford's mix13 finaliser: spreads (seed, index) over the generator's seed space. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Standard normals by Marsaglia's polar method, platform-independent (StrictMath). */
  private static final class Normal {
    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    Normal(long seed) {
      random = new SplittableRandom(seed);
    }

    double uniform() {
      return random.nextDouble();
    }

    double next() {
      if (hasSpare) {
        hasSpare = false;
        return spare;
      }
      double u;
      double v;
      double s;
      do {
        u = 2 * random.nextDouble() - 1;
        v = 2 * random.nextDouble() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s == 0);
      double f = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
      spare = v * f;
      hasSpare = true;
      return u * f;
    }
  }
}
