package fivepp.runtime;

import java.util.List;

/**
 * What a run measured: wall clock (how fast the emulator ran) and virtual time (how fast the
 * modelled hardware would run, paper.md B8). Built by name through {@link #builder()}.
 *
 * @param virtualBoundImagesPerSecond the pipeline's analytic bound (paper.md B8): one image per
 *     the busiest core's MVM time, or per the busiest channel's serialisation time if that is
 *     longer; the virtual source offers images at this rate, so the run reaches it and never
 *     exceeds it
 * @param virtualBoundBy what sets that bound: a core and its layer, or a channel
 * @param virtualDone per image, the virtual time in seconds at which its last output was ready
 * @param heapPeakBytes the peak of the coordinator JVM's long-lived heap during the run (in one
 *     JVM: the whole array's)
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
    double virtualBoundImagesPerSecond,
    String virtualBoundBy,
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
    long heapPeakBytes,
    int[] top1,
    @com.fasterxml.jackson.annotation.JsonIgnore float[][] logits,
    @com.fasterxml.jackson.annotation.JsonIgnore double[] virtualDone,
    List<MemberShare> memberShares,
    double top1AgreementVsExact,
    double logitSnrDb,
    AnalogReport analog,
    fivepp.mapping.Energy.Breakdown energyPerImage) {

  /** Energy per image of what the run counted, all parts (NaN until {@link #withEnergy}). */
  @com.fasterxml.jackson.annotation.JsonProperty
  public double energyPerImageJoules() {
    return energyPerImage == null ? Double.NaN : energyPerImage.total();
  }

  /** The links' part of {@link #energyPerImageJoules()}. */
  @com.fasterxml.jackson.annotation.JsonProperty
  public double linkEnergyPerImageJoules() {
    return energyPerImage == null ? Double.NaN : energyPerImage.linkJoules();
  }

  /**
   * How analog MVMs compare with the exact run (docs/analog.md), over the images after the
   * calibration images: {@code settings} in words; accuracy against the labels, analog and exact,
   * when the images had labels (NaN otherwise); per core, the SNR of its MVM outputs against the
   * exact MVM of the same inputs, in dB.
   */
  public record AnalogReport(String settings, int calibrationImages, int comparedImages, int labelledImages,
      double accuracyVsLabels, double exactAccuracyVsLabels, List<CoreSnr> cores) {

    /** This report with the comparison's figures. */
    public AnalogReport withAccuracy(int compared, int labelled, double accuracy, double exactAccuracy) {
      return new AnalogReport(settings, calibrationImages, compared, labelled, accuracy, exactAccuracy, cores);
    }
  }

  /** One core's outputs against the exact ones: 10 log10(sum exact^2 / sum (analog - exact)^2). */
  public record CoreSnr(int id, String layer, double snrDb) {}

  /**
   * One core: MVMs per image, wall-clock busy time, virtual utilisation (MVM time over the
   * virtual span of the run) and messages in and out of its vertex.
   */
  public record CoreReport(int id, String layer, int vertex, long mvms, double busyFraction,
      double wallBusyFraction, long messagesIn, long messagesOut) {}

  /** One channel (a direction of a link between two fabric vertices) and its measured load. */
  public record ChannelReport(int from, int to, double bytesPerImage) {}

  /**
   * One cluster member as measured: its address, the cores and vertices it ran (in the last
   * array, after any rebuild), the bytes and messages per image on channels that leave it for
   * another member, the envelopes per image that carried those messages (one per vertex, remote
   * member and flush), and the peak of its long-lived heap during the run ({@link Heap}).
   */
  public record MemberReport(String address, int cores, int vertices, double bytesOutPerImage,
      double messagesOutPerImage, double envelopesOutPerImage, long heapPeakBytes) {}

  /**
   * One cluster member's share of the array as placed: its processors and heap, the cores and
   * vertices it hosts, their MACs and modelled work per image (and that work's share of the
   * whole), its weights and estimated memory, and the bytes and messages per image its channels
   * carry to other members, as planned from the transfers and routes.
   */
  public record MemberShare(String address, int processors, long maxHeapBytes, int cores, int vertices,
      long macsPerImage, long workPerImage, double workShare, long weightBytes, long memoryBytes,
      double bytesOutPerImage, long messagesOutPerImage) {}

  /** This report with the members' shares of the array. */
  public RunReport withShares(List<MemberShare> shares) {
    return toBuilder().memberShares(shares).build();
  }

  /** The same report with the reference check's figures. */
  public RunReport withDiff(double maxAbsDiff, double range) {
    return toBuilder().maxAbsDiffVsReference(maxAbsDiff).logitRange(range).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().model(model).fabric(fabric).crossbar(crossbar).granularity(granularity)
        .images(images).wallSeconds(wallSeconds).wallImagesPerSecond(wallImagesPerSecond)
        .latencyP50Ms(latencyP50Ms).latencyP99Ms(latencyP99Ms)
        .virtualImagesPerSecond(virtualImagesPerSecond)
        .virtualBound(virtualBoundImagesPerSecond, virtualBoundBy)
        .virtualLatencyP50Us(virtualLatencyP50Us).maxAbsDiffVsReference(maxAbsDiffVsReference)
        .logitRange(logitRange).maxImagesInFlight(maxImagesInFlight)
        .maxImagesHeldByACore(maxImagesHeldByACore).cores(cores).channels(channels)
        .members(members).crossMemberBytesPerImage(crossMemberBytesPerImage).incidents(incidents)
        .imagesRedone(imagesRedone).heapPeakBytes(heapPeakBytes).top1(top1).logits(logits).virtualDone(virtualDone)
        .memberShares(memberShares).analogAccuracy(top1AgreementVsExact, logitSnrDb).analog(analog)
        .energy(energyPerImage);
  }

  /**
   * The same report with the energy per image of what the run counted (each core's MVMs, each
   * channel's bytes), by part: docs/energy.md.
   */
  public RunReport withEnergy(fivepp.mapping.Energy.Breakdown perImage) {
    return toBuilder().energy(perImage).build();
  }

  /** The same report with the analog run's agreement and logit SNR against the exact run. */
  public RunReport withAnalogAccuracy(double agreement, double snrDb, AnalogReport a) {
    return toBuilder().analogAccuracy(agreement, snrDb).analog(a).build();
  }

  /** A report field by field; what is not set is empty, zero, or NaN for the reference check. */
  public static final class Builder {
    private String model = "";
    private String fabric = "";
    private String crossbar = "";
    private String granularity = "";
    private int images;
    private double wallSeconds;
    private double wallImagesPerSecond;
    private double latencyP50Ms;
    private double latencyP99Ms;
    private double virtualImagesPerSecond;
    private double virtualBoundImagesPerSecond;
    private String virtualBoundBy = "";
    private double virtualLatencyP50Us;
    private double maxAbsDiffVsReference = Double.NaN;
    private double logitRange = Double.NaN;
    private int maxImagesInFlight;
    private int maxImagesHeldByACore;
    private List<CoreReport> cores = List.of();
    private List<ChannelReport> channels = List.of();
    private List<MemberReport> members = List.of();
    private double crossMemberBytesPerImage;
    private List<String> incidents = List.of();
    private int imagesRedone;
    private long heapPeakBytes;
    private int[] top1 = new int[0];
    private float[][] logits = new float[0][];
    private double[] virtualDone = new double[0];
    private List<MemberShare> memberShares = List.of();
    private double top1AgreementVsExact = Double.NaN;
    private double logitSnrDb = Double.NaN;
    private AnalogReport analog;
    private fivepp.mapping.Energy.Breakdown energy;

    private Builder() {}

    public Builder model(String v) { model = v; return this; }
    public Builder fabric(String v) { fabric = v; return this; }
    public Builder crossbar(String v) { crossbar = v; return this; }
    public Builder granularity(String v) { granularity = v; return this; }
    public Builder images(int v) { images = v; return this; }
    public Builder wallSeconds(double v) { wallSeconds = v; return this; }
    public Builder wallImagesPerSecond(double v) { wallImagesPerSecond = v; return this; }
    public Builder latencyP50Ms(double v) { latencyP50Ms = v; return this; }
    public Builder latencyP99Ms(double v) { latencyP99Ms = v; return this; }
    public Builder virtualImagesPerSecond(double v) { virtualImagesPerSecond = v; return this; }

    public Builder virtualBound(double imagesPerSecond, String by) {
      virtualBoundImagesPerSecond = imagesPerSecond;
      virtualBoundBy = by;
      return this;
    }

    public Builder virtualLatencyP50Us(double v) { virtualLatencyP50Us = v; return this; }
    public Builder maxAbsDiffVsReference(double v) { maxAbsDiffVsReference = v; return this; }
    public Builder logitRange(double v) { logitRange = v; return this; }
    public Builder maxImagesInFlight(int v) { maxImagesInFlight = v; return this; }
    public Builder maxImagesHeldByACore(int v) { maxImagesHeldByACore = v; return this; }
    public Builder cores(List<CoreReport> v) { cores = List.copyOf(v); return this; }
    public Builder channels(List<ChannelReport> v) { channels = List.copyOf(v); return this; }
    public Builder members(List<MemberReport> v) { members = List.copyOf(v); return this; }
    public Builder crossMemberBytesPerImage(double v) { crossMemberBytesPerImage = v; return this; }
    public Builder incidents(List<String> v) { incidents = List.copyOf(v); return this; }
    public Builder imagesRedone(int v) { imagesRedone = v; return this; }
    public Builder heapPeakBytes(long v) { heapPeakBytes = v; return this; }
    public Builder top1(int[] v) { top1 = v; return this; }
    public Builder logits(float[][] v) { logits = v; return this; }
    public Builder virtualDone(double[] v) { virtualDone = v; return this; }
    public Builder memberShares(List<MemberShare> v) { memberShares = List.copyOf(v); return this; }
    public Builder analog(AnalogReport v) { analog = v; return this; }
    public Builder energy(fivepp.mapping.Energy.Breakdown v) { energy = v; return this; }

    public Builder analogAccuracy(double agreement, double snrDb) {
      top1AgreementVsExact = agreement;
      logitSnrDb = snrDb;
      return this;
    }

    public RunReport build() {
      return new RunReport(model, fabric, crossbar, granularity, images, wallSeconds,
          wallImagesPerSecond, latencyP50Ms, latencyP99Ms, virtualImagesPerSecond,
          virtualBoundImagesPerSecond, virtualBoundBy, virtualLatencyP50Us, maxAbsDiffVsReference,
          logitRange, maxImagesInFlight, maxImagesHeldByACore, cores, channels, members,
          crossMemberBytesPerImage, incidents, imagesRedone, heapPeakBytes, top1, logits, virtualDone, memberShares,
          top1AgreementVsExact, logitSnrDb, analog, energy);
    }
  }
}
