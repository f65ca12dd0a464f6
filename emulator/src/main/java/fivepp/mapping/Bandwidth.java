package fivepp.mapping;

import fivepp.fabric.Fabric;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bandwidth per channel (paper.md B7): every flow follows the fabric's routing function from
 * its source core's vertex to its destination's, adding its bytes per image to each channel
 * (one direction of one link) it crosses.
 *
 * @param channelLoads bytes per image on every used channel, keyed by (from vertex, to vertex)
 * @param flowHops hops of each flow, in the order of {@link CoreGraph#flows()}
 * @param maxChannelBytes the busiest channel's bytes per image
 * @param meanChannelBytes the mean over used channels
 * @param channelsUsed channels that carry at least one flow
 * @param channels channels of the fabric
 * @param maxHops the longest routed flow
 * @param meanHops hops averaged over flows
 * @param imagesPerSecond the pipeline's bound 1 / (max MVMs per core x t_mvm) (paper.md B8)
 * @param busiestGbps what the busiest channel must carry at that rate, in Gbit/s
 */
public record Bandwidth(
    List<ChannelLoad> channelLoads,
    int[] flowHops,
    long maxChannelBytes,
    double meanChannelBytes,
    int channelsUsed,
    long channels,
    int maxHops,
    double meanHops,
    double imagesPerSecond,
    double busiestGbps) {

  /** The load on the channel from vertex {@code from} to its neighbour {@code to}. */
  public record ChannelLoad(int from, int to, long bytesPerImage) {}

  public static Bandwidth analyse(CoreGraph g, Fabric fabric, Placement p, double tMvmSeconds) {
    Map<Long, Long> load = new HashMap<>();
    long n = fabric.nodes();
    List<Flow> flows = g.flows();
    int[] hops = new int[flows.size()];
    int maxHops = 0;
    long hopSum = 0;
    for (int i = 0; i < flows.size(); i++) {
      Flow f = flows.get(i);
      int[] path = fabric.route(p.vertex(f.from()), p.vertex(f.to()));
      for (int h = 0; h + 1 < path.length; h++) {
        load.merge(path[h] * n + path[h + 1], f.bytesPerImage(), Long::sum);
      }
      hops[i] = path.length - 1;
      maxHops = Math.max(maxHops, hops[i]);
      hopSum += hops[i];
    }
    List<ChannelLoad> loads = new ArrayList<>();
    long max = 0, total = 0;
    for (Map.Entry<Long, Long> e : load.entrySet()) {
      loads.add(new ChannelLoad((int) (e.getKey() / n), (int) (e.getKey() % n), e.getValue()));
      max = Math.max(max, e.getValue());
      total += e.getValue();
    }
    loads.sort((a, b) -> a.from() != b.from() ? Integer.compare(a.from(), b.from())
        : Integer.compare(a.to(), b.to()));
    double rate = 1.0 / (g.maxMvmsPerCore() * tMvmSeconds);
    return new Bandwidth(loads, hops, max, loads.isEmpty() ? 0 : (double) total / loads.size(),
        loads.size(), fabric.channels(), maxHops, flows.isEmpty() ? 0 : (double) hopSum / flows.size(),
        rate, max * 8.0 * rate / 1e9);
  }
}
