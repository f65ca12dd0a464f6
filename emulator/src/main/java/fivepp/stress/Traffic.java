package fivepp.stress;

import java.util.SplittableRandom;

/**
 * Where and when packets are created. The simulator calls {@link #generate} once per cycle while
 * traffic runs (warm-up, measurement, drain), in cycle order, with its one seeded random source, so a
 * run is deterministic from its seed.
 */
public interface Traffic {

  /** Receives the packets one cycle creates. */
  @FunctionalInterface
  interface PacketSink {
    void packet(int src, int dst);
  }

  /** One line for reports, e.g. {@code uniform, 0.200 flits/node/cycle, Bernoulli}. */
  String describe();

  /** Creates this cycle's packets. */
  void generate(int cycle, SplittableRandom rng, PacketSink sink);

  /** The nodes that send at all: throughput is averaged over them. */
  int[] sources();

  /** The flits per node per cycle each source offers on average. */
  double offeredRate();

  /** Packets per cycle drawn from a per-source process of mean {@code lambda}. */
  enum Injection {
    /** One packet with probability lambda (plus floor(lambda) for lambda above 1). */
    BERNOULLI,
    /** A Poisson number of packets with mean lambda. */
    POISSON;

    int draw(double lambda, SplittableRandom rng) {
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
