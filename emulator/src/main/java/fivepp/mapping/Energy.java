package fivepp.mapping;

import fivepp.fabric.ChipLayout;
import fivepp.fabric.Fabric;
import fivepp.model.Activation;
import fivepp.model.Layer;
import java.util.List;

/**
 * Energy per image of a network mapped onto a fabric (docs/energy.md), from an {@link
 * EnergyModel}: what each core spends per MVM (the crossbar with its DACs and ADCs, its digital
 * unit, its line buffer) and what each channel spends per byte (wire length from the fabric's
 * {@link ChipLayout}, plus one buffer per hop). Both are linear in the counted events, so the same
 * per-MVM and per-byte figures turn a static mapping or a run's counts into joules.
 */
public final class Energy {
  private final EnergyModel model;
  private final Fabric fabric;
  private final ChipLayout layout;
  private final double[] corePerMvm;
  private final double[] digitalPerMvm;
  private final double[] lineBufferPerMvm;

  /** Joules per image, by part; {@link #total()} is their sum. */
  public record Breakdown(double coreJoules, double digitalJoules, double lineBufferJoules, double linkJoules) {
    public double total() {
      return coreJoules + digitalJoules + lineBufferJoules + linkJoules;
    }
  }

  /** Bytes counted on the channel from vertex {@code from} to its neighbour {@code to}. */
  public record ChannelBytes(int from, int to, double bytes) {}

  /**
   * A mapping's energy and area at its pipeline bound.
   *
   * @param perImage joules per image, by part
   * @param linkPowerWatts link energy per image times the bound's images per second
   * @param powerWatts all energy per image times the bound's images per second
   * @param topsPerWatt 2 operations per multiply-accumulate of the network over the energy per image
   * @param coreAreaMm2 one core
   * @param areaMm2 every fabric vertex a core
   * @param pitchMm the side of one core
   * @param meanLinkMm the mean wire length of the fabric's links (each counted once)
   * @param layout the folding of the fabric onto the grid
   */
  public record Summary(Breakdown perImage, double linkPowerWatts, double powerWatts, double topsPerWatt,
      double coreAreaMm2, double areaMm2, double pitchMm, double meanLinkMm, String layout) {}

  private Energy(EnergyModel model, CoreGraph g, Fabric fabric) {
    this.model = model;
    this.fabric = fabric;
    this.layout = ChipLayout.of(fabric);
    int n = g.cores().size();
    corePerMvm = new double[n];
    digitalPerMvm = new double[n];
    lineBufferPerMvm = new double[n];
    double[] digital = new double[n];
    double[] written = new double[n];
    for (Transfer t : g.transfers()) {
      double values = (double) t.channels() * t.pixels();
      Layer to = g.network().layer(g.cores().get(t.to()).layer());
      switch (t.kind()) {
        case PARTIAL_SUM, RESIDUAL -> digital[t.to()] += values * model.addJoules();
        case ACTIVATION, FORWARD -> {
          written[t.to()] += t.bitsPerImage() / 8.0;
          if (to.inputActivation().kind() != Activation.Kind.NONE) {
            digital[t.to()] += values * model.activationJoules();
          }
          if (to.prePool() != null) {
            digital[t.to()] += values * model.poolJoules();
          }
        }
      }
    }
    double actBytes = g.tiling().activationBits() / 8.0;
    for (Core c : g.cores()) {
      int i = c.id();
      long mvms = c.mvmsPerImage();
      corePerMvm[i] = model.mvmJoules(c.rows(), c.cols());
      if (c.accumulator()) {
        Layer l = g.network().layer(c.layer());
        digital[i] += (double) mvms * c.cols()
            * (model.activationJoules() + (l.postPool() != null ? model.poolJoules() : 0));
      }
      double read = (double) mvms * c.rows() * actBytes;
      digitalPerMvm[i] = mvms == 0 ? 0 : digital[i] / mvms;
      lineBufferPerMvm[i] = mvms == 0 ? 0 : (read + written[i]) * model.lineBufferByteJoules() / mvms;
    }
  }

  /** The per-MVM and per-byte figures of {@code g}'s cores on {@code fabric}. */
  public static Energy of(EnergyModel model, CoreGraph g, Fabric fabric) {
    return new Energy(model, g, fabric);
  }

  /** Joules to move one bit over the channel from vertex a to its neighbour b: wire plus one hop. */
  public double joulesPerBit(int a, int b) {
    return model.wireJoulesPerBitMm() * layout.pitches(a, b) * model.pitchMm() + model.hopJoulesPerBit();
  }

  /** Joules per MVM of core {@code core}: crossbar, digital unit and line buffer. */
  public double joulesPerMvm(int core) {
    return corePerMvm[core] + digitalPerMvm[core] + lineBufferPerMvm[core];
  }

  /**
   * Energy per image from counted events: {@code mvmsByCore[c]} MVMs of core c and the bytes on
   * each channel over {@code images} images (as a run counts them). Linear: twice the events give
   * twice the energy, the same per image over twice the images.
   */
  public Breakdown perImage(long images, long[] mvmsByCore, List<ChannelBytes> channels) {
    if (images < 1 || mvmsByCore.length != corePerMvm.length) {
      throw new IllegalArgumentException("need images >= 1 and one MVM count per core ("
          + corePerMvm.length + "), got " + images + " images and " + mvmsByCore.length + " counts");
    }
    double core = 0, digital = 0, buffer = 0, link = 0;
    for (int i = 0; i < mvmsByCore.length; i++) {
      core += mvmsByCore[i] * corePerMvm[i];
      digital += mvmsByCore[i] * digitalPerMvm[i];
      buffer += mvmsByCore[i] * lineBufferPerMvm[i];
    }
    for (ChannelBytes ch : channels) {
      link += ch.bytes() * 8 * joulesPerBit(ch.from(), ch.to());
    }
    return new Breakdown(core / images, digital / images, buffer / images, link / images);
  }

  /** Energy per image of a mapping: its cores' MVMs per image and its channels' routed loads. */
  public Breakdown perImage(Mapping m) {
    long[] mvms = m.graph().cores().stream().mapToLong(Core::mvmsPerImage).toArray();
    List<ChannelBytes> channels = m.bandwidth().channelLoads().stream()
        .map(l -> new ChannelBytes(l.from(), l.to(), l.bytesPerImage())).toList();
    return perImage(1, mvms, channels);
  }

  /** Energy per image, power at the pipeline bound, efficiency and area of {@code m}. */
  public static Summary summarise(EnergyModel model, Mapping m) {
    Energy e = of(model, m.graph(), m.fabric());
    Breakdown b = e.perImage(m);
    double rate = m.bandwidth().imagesPerSecond();
    return new Summary(b, b.linkJoules() * rate, b.total() * rate,
        b.total() > 0 ? 2.0 * m.graph().network().macs() / b.total() / 1e12 : 0,
        model.coreAreaMm2(), model.coreAreaMm2() * m.fabric().nodes(), model.pitchMm(),
        e.meanLinkPitches() * model.pitchMm(), e.layout.describe());
  }

  /**
   * The mean length of the fabric's links in pitches (0 without links), over at most the first
   * 5 million links (a very large full fabric has more; the mean is then over the first ones).
   */
  double meanLinkPitches() {
    long links = 0, sum = 0;
    for (int a = 0; a < fabric.nodes() && links < 5_000_000; a++) {
      for (int b : fabric.neighbors(a)) {
        if (a < b) {
          links++;
          sum += layout.pitches(a, b);
        }
      }
    }
    return links == 0 ? 0 : (double) sum / links;
  }
}
