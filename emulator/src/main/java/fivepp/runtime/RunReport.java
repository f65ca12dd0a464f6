package fivepp.runtime;

import java.util.List;

/**
 * What a run measured: wall clock (how fast the emulator ran) and virtual time (how fast the
 * modelled hardware would run, paper.md B8).
 */
public record RunReport(
    String model,
    String fabric,
    String crossbar,
    String granularity,
    int images,
    double wallSeconds,
    double wallImagesPerSecond,
    double latencyP50Ms,
    double latencyP99Ms,
    double virtualImagesPerSecond,
    double virtualLatencyP50Us,
    double maxAbsDiffVsReference,
    double logitRange,
    int maxImagesInFlight,
    int maxImagesHeldByACore,
    List<CoreReport> cores,
    List<ChannelReport> channels,
    List<MemberReport> members,
    double crossMemberBytesPerImage,
    List<String> incidents,
    int imagesRedone,
    int[] top1,
    @com.fasterxml.jackson.annotation.JsonIgnore float[][] logits,
    List<MemberShare> memberShares) {

  /** A report without member shares (a run in one JVM, or before the cluster attaches them). */
  public RunReport(String model, String fabric, String crossbar, String granularity, int images, double wallSeconds,
      double wallImagesPerSecond, double latencyP50Ms, double latencyP99Ms, double virtualImagesPerSecond,
      double virtualLatencyP50Us, double maxAbsDiffVsReference, double logitRange, int maxImagesInFlight,
      int maxImagesHeldByACore, List<CoreReport> cores, List<ChannelReport> channels, List<MemberReport> members,
      double crossMemberBytesPerImage, List<String> incidents, int imagesRedone, int[] top1, float[][] logits) {
    this(model, fabric, crossbar, granularity, images, wallSeconds, wallImagesPerSecond, latencyP50Ms, latencyP99Ms,
        virtualImagesPerSecond, virtualLatencyP50Us, maxAbsDiffVsReference, logitRange, maxImagesInFlight,
        maxImagesHeldByACore, cores, channels, members, crossMemberBytesPerImage, incidents, imagesRedone, top1,
        logits, List.of());
  }

  /**
   * One core: MVMs per image, wall-clock busy time, virtual utilisation (MVM time over the
   * virtual span of the run) and messages in and out of its vertex.
   */
  public record CoreReport(int id, String layer, int vertex, long mvms, double busyFraction,
      double wallBusyFraction, long messagesIn, long messagesOut) {}

  /** One channel (a direction of a link between two fabric vertices) and its measured load. */
  public record ChannelReport(int from, int to, double bytesPerImage) {}

  /**
   * One cluster member: its address, the cores and vertices it ran (in the last array, after any
   * rebuild) and the bytes per image on channels that leave it for another member.
   */
  public record MemberReport(String address, int cores, int vertices, double bytesOutPerImage) {}

  public RunReport withDiff(double maxAbsDiff, double range) {
    return new RunReport(model, fabric, crossbar, granularity, images, wallSeconds,
        wallImagesPerSecond, latencyP50Ms, latencyP99Ms, virtualImagesPerSecond,
        virtualLatencyP50Us, maxAbsDiff, range, maxImagesInFlight, maxImagesHeldByACore, cores,
        channels, members, crossMemberBytesPerImage, incidents, imagesRedone, top1, logits, memberShares);
  }

  /**
   * A cluster member's share of the array as placed (the last array, after any rebuild): its
   * processors and maximum heap, cores and vertices, MACs and work (MAC equivalents, digital work
   * included) per image with its share of the total work, weight bytes, estimated heap need, and
   * the bytes and messages per image its channels send to other members, as planned.
   */
  public record MemberShare(String address, int processors, long maxHeapBytes, int cores, int vertices,
      long macsPerImage, long workPerImage, double workShare, long weightBytes, long memoryBytes,
      double bytesOutPerImage, long messagesOutPerImage) {}

  /** This report with the members' shares of the array. */
  public RunReport withShares(List<MemberShare> shares) {
    return new RunReport(model, fabric, crossbar, granularity, images, wallSeconds,
        wallImagesPerSecond, latencyP50Ms, latencyP99Ms, virtualImagesPerSecond,
        virtualLatencyP50Us, maxAbsDiffVsReference, logitRange, maxImagesInFlight, maxImagesHeldByACore, cores,
        channels, members, crossMemberBytesPerImage, incidents, imagesRedone, top1, logits, List.copyOf(shares));
  }
}
