package fivepp.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CNN as a layer graph (paper.md B1): its weight layers in a topological order, each naming
 * the layers it consumes. The last layer is the classifier; its outputs are the logits.
 */
public final class Network {
  /** The producer name that stands for the network's input image. */
  public static final String INPUT = "input";

  private final String name;
  private final String description;
  private final Shape input;
  private final List<Layer> layers;
  private final Map<String, Layer> byName;

  public Network(String name, String description, Shape input, List<Layer> layers) {
    this.name = name;
    this.description = description;
    this.input = input;
    this.layers = List.copyOf(layers);
    Map<String, Layer> m = new LinkedHashMap<>();
    for (Layer l : this.layers) {
      if (l.name().equals(INPUT) || m.put(l.name(), l) != null) {
        throw new IllegalArgumentException(name + ": duplicate or reserved layer name " + l.name());
      }
      for (String p : l.producers()) {
        if (!m.containsKey(p)) {
          throw new IllegalArgumentException(name + ": layer " + l.name() + " consumes " + p
              + ", which is not an earlier layer");
        }
      }
    }
    if (this.layers.isEmpty()) {
      throw new IllegalArgumentException(name + ": no weight layers");
    }
    this.byName = Collections.unmodifiableMap(m);
  }

  public String name() {
    return name;
  }

  /** One line on the architecture and the conventions it follows. */
  public String description() {
    return description;
  }

  public Shape input() {
    return input;
  }

  /** Weight layers in topological order. */
  public List<Layer> layers() {
    return layers;
  }

  public Layer layer(String name) {
    Layer l = byName.get(name);
    if (l == null) {
      throw new IllegalArgumentException(this.name + " has no layer " + name);
    }
    return l;
  }

  public int indexOf(String layerName) {
    return layers.indexOf(layer(layerName));
  }

  /** The classifier: the last layer. */
  public Layer output() {
    return layers.get(layers.size() - 1);
  }

  /**
   * Whether a layer has a squeeze-and-excitation {@link Gate}: the reference, the mapping and the
   * bandwidth analysis run such a network; the actor emulator's cores do not yet.
   */
  public boolean hasGates() {
    return layers.stream().anyMatch(l -> l.gate() != null);
  }

  public long weights() {
    return layers.stream().mapToLong(Layer::weights).sum();
  }

  public long macs() {
    return layers.stream().mapToLong(Layer::macs).sum();
  }

  /** Shape of a producer's output as its consumers receive it (the image for {@link #INPUT}). */
  public Shape outputOf(String producer) {
    return producer.equals(INPUT) ? input : layer(producer).output();
  }

  @Override
  public String toString() {
    return name;
  }
}
