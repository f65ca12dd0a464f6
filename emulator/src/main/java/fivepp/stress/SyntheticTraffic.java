package fivepp.stress;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Every node that sends under the pattern offers {@code rate} flits per cycle: packets of
 * {@code packetFlits} flits at {@code rate / packetFlits} packets per cycle, Bernoulli or Poisson.
 */
public final class SyntheticTraffic implements Traffic {
  private final String name;
  private final Pattern pattern;
  private final double rate;
  private final double lambda;
  private final Injection injection;
  private final int[] sources;
  private final double[] phase;

  /** {@code alive} marks the nodes that may send (failed nodes do not). */
  public SyntheticTraffic(String name, Pattern pattern, int nodes, boolean[] alive, double rate, int packetFlits,
      Injection injection) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("--rate " + rate + ": give flits per node per cycle in [0, 1]");
    }
    this.name = name;
    this.pattern = pattern;
    this.rate = rate;
    this.lambda = rate / packetFlits;
    this.injection = injection;
    SplittableRandom probe = new SplittableRandom(0);
    this.sources = IntStream.range(0, nodes).filter(v -> alive[v] && pattern.dest(v, probe) >= 0).toArray();
    this.phase = Injection.phases(sources.length);
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "%s, %.3f flits/node/cycle, %s", name, rate,
        injection.name().toLowerCase(Locale.ROOT));
  }

  @Override
  public void generate(int cycle, boolean[] mine, SplittableRandom[] rng, PacketSink sink) {
    for (int i = 0; i < sources.length; i++) {
      int s = sources[i];
      if (!mine[s]) {
        continue;
      }
      for (int k = injection.draw(lambda, rng[s], phase, i); k > 0; k--) {
        int d = pattern.dest(s, rng[s]);
        if (d >= 0) {
          sink.packet(s, d);
        }
      }
    }
  }

  @Override
  public int[] sources() {
    return sources.clone();
  }

  @Override
  public double offeredRate() {
    return rate;
  }
}
