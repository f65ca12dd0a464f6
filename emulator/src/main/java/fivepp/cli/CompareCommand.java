package fivepp.cli;

import fivepp.fabric.Fabric;
import fivepp.mapping.Bandwidth;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Energy;
import fivepp.mapping.EnergyModel;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Mapping;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.Zoo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp compare}: bandwidth per channel of every network on every fabric. */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Compare the bandwidth per channel of fabrics, network by network.",
        "",
        "Per network and fabric (each fabric sized to the network's cores): the",
        "maximum and mean channel load in bytes per image, channels used, hops, and",
        "the Gbit/s the busiest channel needs at the pipeline's throughput bound,",
        "the energy per image (cores, digital units, line buffers, links), the links'",
        "power at that bound and the array's area (see docs/energy.md);",
        "plus minK, the smallest k found for which the network embeds in kPP with",
        "every flow single-hop (and a lower bound no ordering can beat)."},
    footer = {"", "Example: fivepp compare --models resnet32,vgg16 --crossbar layer --format csv"})
final class CompareCommand implements Callable<Integer> {
  static final String ALL_FABRICS = "5pp,mesh,torus,ring,hypercube,full";

  @Spec CommandSpec spec;

  @Option(names = "--models", paramLabel = "a,b,...", description = "Zoo networks (default: the whole zoo, unless --onnx is given).")
  String models;

  @Option(names = "--onnx", paramLabel = "FILE", description = "An ONNX model to compare too (repeatable).")
  List<java.nio.file.Path> onnx;

  @Option(names = "--input-shape", paramLabel = "NxCxHxW", description = "Input shape for ONNX models with symbolic dimensions.")
  String inputShape;

  @Option(names = "--max-model-size", defaultValue = "2147483648", paramLabel = "BYTES",
      description = "Refuse ONNX files larger than this (default: 2 GiB).")
  long maxModelBytes;

  @Option(names = "--fabrics", defaultValue = ALL_FABRICS, paramLabel = "f,g,...",
      description = "Fabrics (default: ${DEFAULT-VALUE}).")
  String fabrics;

  @Mixin Inputs.TilingOptions options;

  @Mixin Inputs.EnergyOptions energy;

  @Mixin Inputs.ReplicationOptions replication;

  @Option(names = "--format", defaultValue = "table", paramLabel = "table|csv|json",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  Inputs.Format format;

  /** One network on one fabric. */
  record Row(String model, String fabric, String fabricSize, int cores, int nodes, long maxChannelBytes,
      double meanChannelBytes, int channelsUsed, long channels, int maxHops, double meanHops,
      boolean singleHop, double imagesPerSecond, double busiestGbps, double energyPerImageJoules,
      double coreEnergyPerImageJoules, double digitalEnergyPerImageJoules, double lineBufferEnergyPerImageJoules,
      double linkEnergyPerImageJoules, double linkPowerWatts, double topsPerWatt, double areaMm2) {}

  /** One network on every fabric, with its smallest k. */
  record Result(String model, int cores, int minK, int minKLowerBound, String representation, List<Row> rows,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      java.util.Map<String, Object> replication) {
    /** The fabrics other than the ideal (full) whose busiest channel is the least loaded. */
    List<String> lowest() {
      List<Row> real = rows.stream().filter(r -> !r.fabric().equals("full")).toList();
      long min = real.stream().mapToLong(Row::maxChannelBytes).min().orElse(0);
      return real.stream().filter(r -> r.maxChannelBytes() == min).map(Row::fabric).toList();
    }
  }

  @Override
  public Integer call() {
    replication.check();
    List<Network> nets = new ArrayList<>();
    if (models == null && onnx == null) {
      Zoo.names().forEach(n -> nets.add(Zoo.get(n)));
    } else if (models != null) {
      Inputs.list(models).forEach(n -> nets.add(Inputs.model(n)));
    }
    if (onnx != null) {
      onnx.forEach(f -> nets.add(Inputs.onnx(f, inputShape, maxModelBytes).network()));
    }
    List<String> specs = Inputs.list(fabrics);
    Tiling tiling = options.tiling();
    EnergyModel model = energy.model();
    specs.forEach(s -> Inputs.fabric(s, 1));
    List<Result> results = nets.parallelStream().map(n -> compare(n, specs, tiling, model)).toList();
    PrintWriter out = spec.commandLine().getOut();
    switch (format) {
      case json -> out.println(Json.write(results));
      case csv -> out.print(csv(results));
      case table -> {
        out.print(table(results, tiling));
        if (replication.on()) {
          for (Result r : results) {
            out.print(r.model() + " " + MapCommand.replicationLines(r.replication()));
          }
        }
      }
    }
    out.flush();
    return 0;
  }

  Result compare(Network net, List<String> specs, Tiling tiling, EnergyModel model) {
    CoreGraph g = replication.apply(Inputs.cores(net, tiling));
    int[] order = LinearOrder.search(g);
    Mapping.MinK k = Mapping.minK(g, order);
    List<Row> rows = new ArrayList<>();
    for (String s : specs) {
      Fabric f = Inputs.fabric(s, g.cores().size());
      Mapping m = Mapping.onto(g, order, f, options.tMvmSeconds());
      Bandwidth b = m.bandwidth();
      Energy.Summary e = Energy.summarise(model, m);
      Energy.Breakdown j = e.perImage();
      rows.add(new Row(net.name(), f.spec(), f.describe(), g.cores().size(), f.nodes(), b.maxChannelBytes(),
          b.meanChannelBytes(), b.channelsUsed(), b.channels(), b.maxHops(), b.meanHops(),
          m.verdict().homomorphism(), b.imagesPerSecond(), b.busiestGbps(), j.total(), j.coreJoules(),
          j.digitalJoules(), j.lineBufferJoules(), j.linkJoules(), e.linkPowerWatts(), e.topsPerWatt(), e.areaMm2()));
    }
    return new Result(net.name(), g.cores().size(), k.k(), k.lowerBound(), g.representation(), rows,
        replication.on() ? MapCommand.replicationJson(g.replication(), options.tMvmSeconds()) : null);
  }

  private static String table(List<Result> results, Tiling tiling) {
    StringBuilder sb = new StringBuilder();
    sb.append("crossbar ").append(tiling.crossbar()).append(", ").append(tiling.activationBits())
        .append("-bit activations, ").append(tiling.partialSumBits()).append("-bit partial sums, concat ")
        .append(tiling.concat().name().toLowerCase(java.util.Locale.ROOT))
        .append("; loads in bytes per image, Gbit/s and link W at the pipeline bound, energy in uJ per image\n");
    Table t = new Table("model", "cores", "minK", "fabric", "nodes", "max ch B", "mean ch B", "ch used",
        "max hops", "mean hops", "1-hop", "images/s", "max Gbit/s", "uJ/image", "link uJ", "link W", "mm2");
    for (Result r : results) {
      for (Row w : r.rows()) {
        t.row(r.model(), r.cores(), r.minK() + (r.minK() == r.minKLowerBound() ? "" : " (>=" + r.minKLowerBound() + ")"),
            w.fabricSize(), w.nodes(), w.maxChannelBytes(), w.meanChannelBytes(), w.channelsUsed() + "/" + w.channels(),
            w.maxHops(), w.meanHops(), w.singleHop() ? "yes" : "no", w.imagesPerSecond(), w.busiestGbps(),
            MapCommand.uj(w.energyPerImageJoules()), MapCommand.uj(w.linkEnergyPerImageJoules()),
            String.format("%.4g", w.linkPowerWatts()), String.format("%.1f", w.areaMm2()));
      }
    }
    sb.append(t);
    sb.append("lowest max channel load (besides full, the ideal):\n");
    for (Result r : results) {
      sb.append("  ").append(r.model()).append(": ").append(String.join(", ", r.lowest()));
      r.rows().stream().filter(w -> w.fabric().equals("full")).findFirst().ifPresent(full ->
          sb.append(" (full: ").append(Table.format(full.maxChannelBytes())).append(")"));
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String csv(List<Result> results) {
    StringBuilder sb = new StringBuilder("model,cores,minK,minKLowerBound,fabric,nodes,maxChannelBytesPerImage,"
        + "meanChannelBytesPerImage,channelsUsed,channels,maxHops,meanHops,singleHop,imagesPerSecond,busiestChannelGbps,"
        + "energyPerImageJoules,linkEnergyPerImageJoules,linkPowerWatts,topsPerWatt,areaMm2\n");
    for (Result r : results) {
      for (Row w : r.rows()) {
        sb.append(String.join(",", r.model(), "" + r.cores(), "" + r.minK(), "" + r.minKLowerBound(), w.fabric(),
            "" + w.nodes(), "" + w.maxChannelBytes(), String.format("%.1f", w.meanChannelBytes()),
            "" + w.channelsUsed(), "" + w.channels(), "" + w.maxHops(), String.format("%.3f", w.meanHops()),
            "" + w.singleHop(), String.format("%.1f", w.imagesPerSecond()), String.format("%.4f", w.busiestGbps()),
            String.format("%.6g", w.energyPerImageJoules()), String.format("%.6g", w.linkEnergyPerImageJoules()),
            String.format("%.6g", w.linkPowerWatts()), String.format("%.4f", w.topsPerWatt()),
            String.format("%.3f", w.areaMm2())))
            .append('\n');
      }
    }
    return sb.toString();
  }

}
