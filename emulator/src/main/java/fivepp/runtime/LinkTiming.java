package fivepp.runtime;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * When a core's transfer arrives, in virtual time (paper.md B8): every hop of its route adds the
 * link's latency, and serialisation at the transfer's fixed share of the channel's bandwidth
 * ({@link CorePlan.Send#share()}), during which that share is busy.
 *
 * <p>The sending core works out the whole route when it sends. Each transfer has its own share
 * of every channel it crosses, so what it meets there depends only on its own earlier data, which
 * its core sends in a fixed order: the arrival times do not depend on how other cores' messages
 * happened to interleave on the way, and the same run gives the same virtual figures every time.
 * Over a run, a channel still carries at most its bandwidth, so a loaded link bounds the
 * pipeline as paper.md B8 says.
 */
public final class LinkTiming {
  private final CoreActor.LinkModel link;
  /** Per transfer, per hop: when its share of that channel is free again. */
  private final Map<CorePlan.Send, double[]> free = new IdentityHashMap<>();

  public LinkTiming(CoreActor.LinkModel link) {
    this.link = link;
  }

  /**
   * The virtual time at which {@code bits} of {@code send}, ready at {@code ready} in the
   * sending core, have arrived at the end of its route.
   */
  public double arrival(CorePlan.Send send, long bits, double ready) {
    int hops = send.route().length - 1;
    if (link.bitsPerSecond() <= 0) {
      return ready + hops * link.latencySeconds();
    }
    double[] f = free.computeIfAbsent(send, s -> new double[hops]);
    double t = ready;
    for (int h = 0; h < hops; h++) {
      double start = Math.max(t, f[h]);
      f[h] = start + bits / (link.bitsPerSecond() * send.share()[h]);
      t = f[h] + link.latencySeconds();
    }
    return t;
  }
}
