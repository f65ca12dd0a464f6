package fivepp.stress;

import fivepp.mapping.Flow;
import fivepp.mapping.Mapping;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The traffic of a network running as a pipeline on the fabric ({@code cnn:MODEL}): every flow of
 * the mapped core graph (paper.md B3) becomes a packet source from its producer's vertex to its
 * consumer's, offering its bytes per image at {@code scale} times the pipeline bound (B8).
 *
 * <p>Time scale: a cycle is the time one flit takes on a link of {@code linkGbps}, so a flow of
 * B bytes per image at R images/s offers {@code B * 8 * R / (linkGbps * 1e9)} flits per cycle,
 * whatever the flit width; a channel carrying load L bytes per image is busy the fraction
 * {@code L * 8 * R / linkGbps}. The busiest channel of {@code Bandwidth} (its {@code busiestGbps})
 * is therefore saturated at exactly {@code linkGbps = busiestGbps}: the simulation finds the link
 * width the network really needs, with queueing and contention, to compare with that number.
 */
public final class CnnTraffic implements Traffic {
  private final String describe;
  private final int[] flowSrc;
  private final int[] flowDst;
  private final double[] lambda;
  private final Injection injection;
  private final int[] sources;
  private final double offered;
  private final double[] phase;

  /**
   * @param mapping the network mapped onto the simulated fabric
   * @param alive which vertices are alive; flows from failed vertices are not generated
   * @param scale the image rate as a fraction of the pipeline bound
   * @param linkGbps the bandwidth of one channel
   */
  public CnnTraffic(Mapping mapping, boolean[] alive, double scale, double linkGbps, int packetFlits,
      Injection injection) {
    if (!(scale >= 0 && scale <= 1)) {
      throw new IllegalArgumentException("--rate " + scale + ": for cnn patterns, give the image rate as a"
          + " fraction of the pipeline bound, in [0, 1]");
    }
    if (!(linkGbps > 0) || Double.isInfinite(linkGbps)) {
      throw new IllegalArgumentException("--link-gbps " + linkGbps + ": give a bandwidth > 0");
    }
    double images = mapping.bandwidth().imagesPerSecond() * scale;
    var flows = mapping.graph().flows().stream()
        .filter(f -> alive[mapping.placement().vertex(f.from())]).toList();
    flowSrc = flows.stream().mapToInt(f -> mapping.placement().vertex(f.from())).toArray();
    flowDst = flows.stream().mapToInt(f -> mapping.placement().vertex(f.to())).toArray();
    lambda = flows.stream().mapToDouble(f -> flitsPerCycle(f, images, linkGbps) / packetFlits).toArray();
    this.injection = injection;
    phase = Injection.phases(lambda.length);
    sources = Arrays.stream(flowSrc).distinct().sorted().toArray();
    double total = IntStream.range(0, flows.size()).mapToDouble(i -> lambda[i] * packetFlits).sum();
    offered = sources.length == 0 ? 0 : total / sources.length;
    describe = String.format(Locale.ROOT, "cnn:%s (%d cores, %d flows) at %.2f x %,.0f images/s, %.3g Gbit/s links, %s",
        mapping.graph().network().name(), mapping.graph().cores().size(), flows.size(), scale,
        mapping.bandwidth().imagesPerSecond(), linkGbps, injection.name().toLowerCase(Locale.ROOT));
  }

  private static double flitsPerCycle(Flow f, double imagesPerSecond, double linkGbps) {
    return f.bytesPerImage() * 8.0 * imagesPerSecond / (linkGbps * 1e9);
  }

  @Override
  public String describe() {
    return describe;
  }

  @Override
  public void generate(int cycle, boolean[] mine, SplittableRandom[] rng, PacketSink sink) {
    for (int i = 0; i < lambda.length; i++) {
      if (!mine[flowSrc[i]]) {
        continue;
      }
      for (int k = injection.draw(lambda[i], rng[flowSrc[i]], phase, i); k > 0; k--) {
        sink.packet(flowSrc[i], flowDst[i]);
      }
    }
  }

  @Override
  public int[] sources() {
    return sources.clone();
  }

  @Override
  public double offeredRate() {
    return offered;
  }

  /** A link width and the run at it. */
  public record Width(double linkGbps, StressResult run) {}

  /**
   * The narrowest link (Gbit/s) at which the mapped network sustains {@code scale} times its pipeline
   * bound ({@link StressResult#sustained()}), found by bisection to within {@code tolerance} (relative)
   * between half and four times the busiest channel's analytical need.
   */
  public static Width minimumLinkGbps(Mapping mapping, double scale, SimulatorSettings cfg, Injection injection,
      double tolerance) {
    return minimumLinkGbps(mapping, scale, tolerance, g -> runAt(mapping, scale, g, cfg, injection));
  }

  /** As above, with each run at a link width done by {@code runAt} (in this JVM, or on a cluster). */
  public static Width minimumLinkGbps(Mapping mapping, double scale, double tolerance,
      java.util.function.DoubleFunction<StressResult> runAt) {
    double need = mapping.bandwidth().busiestGbps() * scale;
    double lo = need / 2;
    double hi = need * 4;
    StressResult atHi = runAt.apply(hi);
    if (!atHi.sustained()) {
      return new Width(Double.NaN, atHi);
    }
    while (hi - lo > tolerance * hi) {
      double mid = (lo + hi) / 2;
      StressResult r = runAt.apply(mid);
      if (r.sustained()) {
        hi = mid;
        atHi = r;
      } else {
        lo = mid;
      }
    }
    return new Width(hi, atHi);
  }

  /** One run of the mapped network's flows at the given link width, on the mapping's own fabric. */
  public static StressResult runAt(Mapping mapping, double scale, double linkGbps, SimulatorSettings cfg,
      Injection injection) {
    return Simulator.run(mapping.fabric(), net -> new CnnTraffic(mapping, net.aliveNodes(), scale, linkGbps,
        cfg.packetFlits(), injection), cfg, Faults.NONE);
  }
}
