package fivepp.stress;

import java.util.SplittableRandom;

/**
 * Where and when packets are created. The simulator calls {@link #generate} once per cycle while
 * traffic runs (warm-up, measurement, drain), in cycle order, for the sources of its region; every
 * source node draws from its own seeded random stream, so a run is deterministic from its seed and
 * the same however the network is cut into regions (see {@link Simulator}).
 */
public interface Traffic {

  /** Receives the packets one cycle creates. */
  @FunctionalInterface
  interface PacketSink {
    void packet(int src, int dst);
  }

  /** One line for reports, e.g. {@code uniform, 0.200 flits/node/cycle, Bernoulli}. */
  String describe();

  /**
   * Creates this cycle's packets at the sources {@code mine} marks, each source drawing from
   * {@code rng[source]} only.
   */
  void generate(int cycle, boolean[] mine, SplittableRandom[] rng, PacketSink sink);

  /** The nodes that send at all: throughput is averaged over them. */
  int[] sources();

  /** The flits per node per cycle each source offers on average. */
  double offeredRate();

  /** Packets per cycle drawn from a per-source process of mean {@code lambda}. */
  enum Injection {
    /** One packet with probability lambda (plus floor(lambda) for lambda above 1). */
    BERNOULLI,
    /** A Poisson number of packets with mean lambda. */
    POISSON,
    /** Evenly spaced packets, one every 1/lambda cycles, each source at its own phase (a steady pipeline). */
    PERIODIC;

    /** A phase per source for {@link #PERIODIC}, spread over [0, 1) by the golden ratio. */
    static double[] phases(int sources) {
      double[] acc = new double[sources];
      for (int i = 0; i < sources; i++) {
        acc[i] = (i * 0.6180339887498949) % 1.0;
      }
      return acc;
    }

    /** Packets this cycle for source i of mean lambda; {@code acc} holds the periodic phases. */
    int draw(double lambda, SplittableRandom rng, double[] acc, int i) {
      if (this == PERIODIC) {
        acc[i] += lambda;
        int k = (int) acc[i];
        acc[i] -= k;
        return k;
      }
      if (this == BERNOULLI) {
        int whole = (int) lambda;
        return whole + (rng.nextDouble() < lambda - whole ? 1 : 0);
      }
      double limit = Math.exp(-lambda);
      double product = rng.nextDouble();
      int k = 0;
      while (product > limit) {
        product *= rng.nextDouble();
        k++;
      }
      return k;
    }
  }
}
