package fivepp.cli;

import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Zoo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fivepp models}: the zoo, with weights and multiply-accumulates per layer. */
@Command(name = "models", mixinStandardHelpOptions = true,
    description = "List the model zoo: weights and multiply-accumulates per image, layer by layer.")
final class ModelsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "M", description = "Only this network, with a row per layer.")
  String model;

  @Option(names = "--format", defaultValue = "table", paramLabel = "table|json",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  Inputs.Format format;

  @Override
  public Integer call() {
    List<Network> nets = new ArrayList<>();
    if (model != null) {
      nets.add(Inputs.model(model));
    } else {
      Zoo.names().forEach(n -> nets.add(Zoo.get(n)));
    }
    var out = spec.commandLine().getOut();
    switch (format) {
      case json -> out.println(Json.write(nets.stream().map(ModelsCommand::json).toList()));
      case table -> out.print(model != null ? layers(nets.get(0)) : summary(nets));
      default -> throw new UserError("models: --format " + format + " is not offered; use table or json");
    }
    out.flush();
    return 0;
  }

  static Map<String, Object> json(Network n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", n.name());
    m.put("description", n.description());
    m.put("input", n.input().toString());
    m.put("weights", n.weights());
    m.put("macs", n.macs());
    List<Map<String, Object>> layers = new ArrayList<>();
    for (Layer l : n.layers()) {
      Map<String, Object> lm = new LinkedHashMap<>();
      lm.put("name", l.name());
      lm.put("kind", l.kind().name().toLowerCase(java.util.Locale.ROOT));
      lm.put("input", l.input().toString());
      lm.put("output", l.output().toString());
      lm.put("rows", l.rows());
      lm.put("cols", l.cols());
      lm.put("groups", l.groups());
      lm.put("weights", l.weights());
      lm.put("mvmsPerImage", l.mvmsPerImage());
      lm.put("macs", l.macs());
      if (l.gate() != null) {
        lm.put("gate", l.gate().from());
      }
      layers.add(lm);
    }
    m.put("layers", layers);
    return m;
  }

  private static String summary(List<Network> nets) {
    Table t = new Table("model", "input", "layers", "weights", "MACs/image", "description");
    for (Network n : nets) {
      t.row(n.name(), n.input().toString(), n.layers().size(), n.weights(), n.macs(), n.description());
    }
    return t.toString();
  }

  private static String layers(Network n) {
    Table t = new Table("layer", "input", "output", "rows", "cols", "groups", "MVMs/image", "weights", "MACs/image");
    for (Layer l : n.layers()) {
      t.row(l.name(), l.input().toString(), l.output().toString(), l.rows(), l.cols(), l.groups(),
          l.mvmsPerImage(), l.weights(), l.macs());
    }
    t.row("total", "", "", "", "", "", "", n.weights(), n.macs());
    return n.name() + ": " + n.description() + "\n" + t;
  }
}
