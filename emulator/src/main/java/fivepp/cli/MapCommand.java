package fivepp.cli;

import fivepp.mapping.Bandwidth;
import fivepp.mapping.Core;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Energy;
import fivepp.mapping.EnergyModel;
import fivepp.mapping.Flow;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Mapping;
import fivepp.mapping.Verifier;
import fivepp.model.Layer;
import fivepp.model.Network;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp map}: one network on one fabric, verified, with its picture. */
@Command(name = "map", mixinStandardHelpOptions = true,
    description = {"Map a network onto a fabric, verify it, picture it.",
        "",
        "Tiles the network into cores, searches a placement, verifies that every",
        "flow is single-hop (the homomorphism), measures the load of every channel,",
        "prints the table layer -> cores -> fabric vertices, the energy per image,",
        "power and area (parameters: --energy FILE, see docs/energy.md), and writes",
        "an SVG picture of the placement."},
    footer = {"", "Example: fivepp map --model resnet32 --fabric 5pp --svg resnet32.svg"})
final class MapCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin Inputs.NetworkOptions network;

  @Option(names = "--fabric", defaultValue = "5pp", paramLabel = "F",
      description = "5pp, kpp:K, mesh, mesh:RxC, torus, torus:RxC, ring, hypercube, full or file:PATH (default: ${DEFAULT-VALUE}).")
  String fabric;

  @Mixin Inputs.TilingOptions options;

  @Mixin Inputs.EnergyOptions energy;

  @Mixin Inputs.ReplicationOptions replication;

  @Option(names = "--format", defaultValue = "table", paramLabel = "table|json",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  Inputs.Format format;

  @Option(names = "--svg", paramLabel = "FILE",
      description = "Where to write the picture (default: MODEL-FABRIC.svg in the current directory; 'none' for no picture).")
  String svg;

  @Override
  public Integer call() throws IOException {
    if (format == Inputs.Format.csv) {
      throw new UserError("map: --format csv is not offered; use table or json");
    }
    replication.check();
    Network net = network.load(null, 1).network();
    var tiling = options.tiling();
    EnergyModel energyModel = energy.model();
    CoreGraph g = replication.apply(Inputs.cores(net, tiling));
    var fab = Inputs.fabric(fabric, g.cores().size());
    int[] order = LinearOrder.search(g);
    Mapping m = Mapping.onto(g, order, fab, options.tMvmSeconds());
    Mapping.MinK minK = Mapping.minK(g, order);
    Energy.Summary cost = Energy.summarise(energyModel, m);
    Path picture = svg == null
        ? Path.of(net.name() + "-" + fab.spec().replaceAll("[^A-Za-z0-9]+", "_") + ".svg")
        : svg.equals("none") ? null : Path.of(svg);
    if (picture != null) {
      try {
        PlacementSvg.write(m, picture);
      } catch (IOException e) {
        throw new UserError("cannot write " + picture + ": " + e.getMessage());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (format == Inputs.Format.json) {
      Map<String, Object> j = json(m, minK, cost);
      if (replication.on()) {
        j.put("replication", replicationJson(g.replication(), options.tMvmSeconds()));
      }
      out.println(Json.write(j));
    } else {
      out.print(table(m, minK, cost));
      if (replication.on()) {
        out.print(replicationLines(g.replication(), options.tMvmSeconds()));
      }
      if (picture != null) {
        out.println("picture: " + picture);
      }
    }
    out.flush();
    return 0;
  }

  static Map<String, Object> json(Mapping m, Mapping.MinK minK, Energy.Summary e) {
    CoreGraph g = m.graph();
    Bandwidth b = m.bandwidth();
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("model", g.network().name());
    j.put("fabric", m.fabric().spec());
    j.put("fabricNodes", m.fabric().nodes());
    j.put("fabricChannels", m.fabric().channels());
    j.put("fabricMaxDegree", m.fabric().maxDegree());
    j.put("fabricDiameter", m.fabric().diameter());
    j.put("crossbar", g.tiling().crossbar().toString());
    j.put("activationBits", g.tiling().activationBits());
    j.put("partialSumBits", g.tiling().partialSumBits());
    j.put("representation", g.representation());
    List<Map<String, Object>> cores = new ArrayList<>();
    for (Core c : g.cores()) {
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("id", c.id());
      cm.put("layer", c.layer());
      cm.put("colGroup", c.colGroup());
      cm.put("rowTile", c.rowTile());
      cm.put("rows", c.rows());
      cm.put("cols", c.cols());
      cm.put("mvmsPerImage", c.mvmsPerImage());
      if (c.copies() > 1) {
        cm.put("copy", c.copy());
        cm.put("copies", c.copies());
      }
      cm.put("vertex", m.placement().vertex(c.id()));
      cores.add(cm);
    }
    j.put("cores", cores);
    List<Map<String, Object>> flows = new ArrayList<>();
    for (int i = 0; i < g.flows().size(); i++) {
      Flow f = g.flows().get(i);
      Map<String, Object> fm = new LinkedHashMap<>();
      fm.put("from", f.from());
      fm.put("to", f.to());
      fm.put("kind", f.kind().name().toLowerCase(java.util.Locale.ROOT));
      fm.put("bytesPerImage", f.bytesPerImage());
      fm.put("hops", b.flowHops()[i]);
      flows.add(fm);
    }
    j.put("flows", flows);
    j.put("singleHop", m.verdict().homomorphism());
    j.put("placementErrors", m.verdict().placementErrors());
    j.put("notSingleHop", m.verdict().notSingleHop().stream()
        .map(x -> Map.of("from", x.flow().from(), "to", x.flow().to(), "fromVertex", x.fromVertex(),
            "toVertex", x.toVertex()))
        .toList());
    j.put("maxChannelBytesPerImage", b.maxChannelBytes());
    j.put("meanChannelBytesPerImage", b.meanChannelBytes());
    j.put("channelsUsed", b.channelsUsed());
    j.put("channels", b.channels());
    j.put("maxHops", b.maxHops());
    j.put("meanHops", b.meanHops());
    j.put("imagesPerSecondBound", b.imagesPerSecond());
    j.put("busiestChannelGbps", b.busiestGbps());
    j.put("minK", minK.k());
    j.put("minKLowerBound", minK.lowerBound());
    putEnergy(j, e);
    j.put("placement", m.placement().vertexOf());
    return j;
  }

  /** The energy and area fields of the JSON. */
  static void putEnergy(Map<String, Object> j, Energy.Summary e) {
    Energy.Breakdown b = e.perImage();
    j.put("energyPerImageJoules", b.total());
    j.put("coreEnergyPerImageJoules", b.coreJoules());
    j.put("digitalEnergyPerImageJoules", b.digitalJoules());
    j.put("lineBufferEnergyPerImageJoules", b.lineBufferJoules());
    j.put("linkEnergyPerImageJoules", b.linkJoules());
    j.put("linkPowerWatts", e.linkPowerWatts());
    j.put("powerWatts", e.powerWatts());
    j.put("topsPerWatt", e.topsPerWatt());
    j.put("coreAreaMm2", e.coreAreaMm2());
    j.put("areaMm2", e.areaMm2());
    j.put("meanLinkMm", e.meanLinkMm());
    j.put("chipLayout", e.layout());
  }

  /** The energy lines of the table: per image by part, power at the bound, area. */
  static String energyLines(Energy.Summary e) {
    Energy.Breakdown b = e.perImage();
    return String.format("energy per image %s uJ: cores %s, digital %s, line buffers %s, links %s uJ; %s TOPS/W%n",
        uj(b.total()), uj(b.coreJoules()), uj(b.digitalJoules()), uj(b.lineBufferJoules()), uj(b.linkJoules()),
        String.format("%.2f", e.topsPerWatt()))
        + String.format("power at the pipeline bound %.3f W, of which links %.4f W%n", e.powerWatts(), e.linkPowerWatts())
        + String.format("area %.2f mm2 (%.2f mm2 a core, pitch %.3f mm); links %.3f mm long on average (%s)%n",
        e.areaMm2(), e.coreAreaMm2(), e.pitchMm(), e.meanLinkMm(), e.layout());
  }

  /** Joules as microjoules, 4 significant digits. */
  static String uj(double joules) {
    return String.format("%.4g", joules * 1e6);
  }

  static String table(Mapping m, Mapping.MinK minK, Energy.Summary cost) {
    CoreGraph g = m.graph();
    Network net = g.network();
    Bandwidth b = m.bandwidth();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%s on %s, crossbar %s: %d cores, %d flows; %d-bit activations, %d-bit partial sums%n",
        net.name(), m.fabric().describe(), g.tiling().crossbar(), g.cores().size(), g.flows().size(),
        g.tiling().activationBits(), g.tiling().partialSumBits()));
    sb.append(String.format("fabric: %s, %d nodes, %d channels, max degree %d, diameter %d%n",
        m.fabric().describe(), m.fabric().nodes(), m.fabric().channels(), m.fabric().maxDegree(),
        m.fabric().diameter()));
    sb.append("representation: ").append(g.representation()).append('\n');
    Table t = new Table("layer", "rows x cols", "MVMs/image", "cores", "fabric vertices");
    for (Layer l : net.layers()) {
      List<Core> cs = g.coresOf(l.name());
      t.row(l.name(), l.rows() + " x " + l.cols(), l.mvmsPerImage(), cs.size(),
          ranges(cs.stream().mapToInt(c -> m.placement().vertex(c.id())).sorted().toArray()));
    }
    sb.append(t);
    Verifier.Verdict v = m.verdict();
    sb.append(String.format("single-hop (verifier): %s", v.homomorphism() ? "yes, every flow rides one link"
        : "no, " + v.notSingleHop().size() + " of " + g.flows().size() + " flows are not single-hop"));
    sb.append('\n');
    for (String e : v.placementErrors()) {
      sb.append("  placement error: ").append(e).append('\n');
    }
    v.notSingleHop().stream().limit(10).forEach(x -> sb.append(String.format(
        "  %s -> %s (%s, cores %d -> %d, vertices %d -> %d, %d hops)%n",
        g.cores().get(x.flow().from()).layer(), g.cores().get(x.flow().to()).layer(),
        x.flow().kind().name().toLowerCase(java.util.Locale.ROOT), x.flow().from(), x.flow().to(),
        x.fromVertex(), x.toVertex(), m.fabric().hops(x.fromVertex(), x.toVertex()))));
    if (v.notSingleHop().size() > 10) {
      sb.append("  ... and ").append(v.notSingleHop().size() - 10).append(" more\n");
    }
    sb.append(String.format("smallest k found for kPP: %d (no ordering can do better than %d%s)%n",
        minK.k(), minK.lowerBound(), minK.optimal() ? ": optimal" : ""));
    sb.append(String.format("channels: max %s B/image, mean %s B/image over %d used of %d; hops max %d, mean %.2f%n",
        Table.format(b.maxChannelBytes()), Table.format(b.meanChannelBytes()), b.channelsUsed(),
        b.channels(), b.maxHops(), b.meanHops()));
    sb.append(String.format("pipeline bound %s images/s (max %d MVMs per core at %s ns); busiest channel needs %.3f Gbit/s%n",
        Table.format(b.imagesPerSecond()), g.maxMvmsPerCore(),
        Table.format(1e9 / (b.imagesPerSecond() * g.maxMvmsPerCore())), b.busiestGbps()));
    sb.append(energyLines(cost));
    return sb.toString();
  }

  /** What weight replication did: the copies, the cores and the bound before and after. */
  static String replicationLines(fivepp.mapping.Replication r, double tMvm) {
    return replicationLines(replicationJson(r, tMvm));
  }

  /** The lines of {@link #replicationLines(fivepp.mapping.Replication, double)} from its JSON. */
  @SuppressWarnings("unchecked")
  static String replicationLines(Map<String, Object> j) {
    Map<String, Integer> copies = (Map<String, Integer>) j.get("copies");
    String list = copies.isEmpty() ? "none"
        : copies.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", "));
    long before = (Long) j.get("maxMvmsPerCoreBefore");
    long after = (Long) j.get("maxMvmsPerCoreAfter");
    return String.format("replication: budget %d cores, %d used (%d without copies); copies: %s; no more, as %s%n",
        j.get("coreBudget"), j.get("coresAfter"), j.get("coresBefore"), list, j.get("stoppedBecause"))
        + String.format("pipeline bound before %s images/s (max %d MVMs per core), after %s images/s"
            + " (max %d MVMs per core): x%.2f%n",
        Table.format((Double) j.get("imagesPerSecondBoundBefore")), before,
        Table.format((Double) j.get("imagesPerSecondBoundAfter")), after, (double) before / after);
  }

  /** The same as {@link #replicationLines}, for JSON. */
  static Map<String, Object> replicationJson(fivepp.mapping.Replication r, double tMvm) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("coreBudget", r.budget());
    j.put("coresBefore", r.coresBefore());
    j.put("coresAfter", r.coresAfter());
    j.put("copies", r.copies());
    j.put("stoppedBecause", r.stopped());
    j.put("maxMvmsPerCoreBefore", r.maxMvmsBefore());
    j.put("maxMvmsPerCoreAfter", r.maxMvmsAfter());
    j.put("imagesPerSecondBoundBefore", 1 / (r.maxMvmsBefore() * tMvm));
    j.put("imagesPerSecondBoundAfter", 1 / (r.maxMvmsAfter() * tMvm));
    return j;
  }

  /** Sorted vertices as compact ranges: 0-3,7,9-10. */
  static String ranges(int[] v) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < v.length; ) {
      int j = i;
      while (j + 1 < v.length && v[j + 1] == v[j] + 1) {
        j++;
      }
      parts.add(i == j ? Integer.toString(v[i]) : v[i] + "-" + v[j]);
      i = j + 1;
    }
    return parts.stream().collect(Collectors.joining(","));
  }
}
