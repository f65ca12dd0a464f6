package fivepp.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Network} layer by layer, inferring every shape from the producers. A new layer
 * consumes the previously added one unless told otherwise with {@code from(...)}.
 *
 * <pre>{@code
 * NetworkBuilder b = new NetworkBuilder("tiny", "example", new Shape(3, 32, 32));
 * b.conv("conv1", 16, 3, 1, 1).relu().add();
 * b.fc("fc", 10).prePool(Pool.globalAvg()).add();
 * Network n = b.build();
 * }</pre>
 */
public final class NetworkBuilder {
  private final String name;
  private final String description;
  private final Shape input;
  private final List<Layer> layers = new ArrayList<>();
  private final Map<String, Shape> outputs = new LinkedHashMap<>();
  private String last = Network.INPUT;

  public NetworkBuilder(String name, String description, Shape input) {
    this.name = name;
    this.description = description;
    this.input = input;
    outputs.put(Network.INPUT, input);
  }

  /** A square convolution with symmetric padding. */
  public LayerBuilder conv(String layer, int outChannels, int kernel, int stride, int pad) {
    return new LayerBuilder(layer, Layer.Kind.CONV, outChannels)
        .kernel(kernel, kernel).stride(stride, stride).pad(pad, pad, pad, pad);
  }

  /** A fully connected layer over the whole (pre-pooled) input. */
  public LayerBuilder fc(String layer, int outChannels) {
    return new LayerBuilder(layer, Layer.Kind.FC, outChannels).bias(true);
  }

  /** The name of the most recently added layer ({@link Network#INPUT} before the first). */
  public String last() {
    return last;
  }

  /** Output shape of an added layer, or the image for {@link Network#INPUT}. */
  public Shape shapeOf(String producer) {
    Shape s = outputs.get(producer);
    if (s == null) {
      throw new IllegalArgumentException(name + ": no layer " + producer + " yet");
    }
    return s;
  }

  public Network build() {
    return new Network(name, description, input, layers);
  }

  /** One layer being described; {@link #add()} appends it and returns its name. */
  public final class LayerBuilder {
    private final String layer;
    private final Layer.Kind kind;
    private final int outChannels;
    private List<String> from = List.of(last);
    private List<Input> parts;
    private Activation inputActivation = Activation.NONE;
    private Pool prePool;
    private int kh = 1, kw = 1, sh = 1, sw = 1, pt, pl, pb, pr, dh = 1, dw = 1, groups = 1;
    private boolean bias;
    private Residual residual;
    private Activation activation = Activation.NONE;
    private Pool postPool;
    private String gate;

    private LayerBuilder(String layer, Layer.Kind kind, int outChannels) {
      this.layer = layer;
      this.kind = kind;
      this.outChannels = outChannels;
    }

    /** Consume the concatenation of these producers' whole outputs, in order. */
    public LayerBuilder from(String... producers) {
      this.from = List.of(producers);
      return this;
    }

    public LayerBuilder from(List<String> producers) {
      this.from = List.copyOf(producers);
      return this;
    }

    /**
     * Consume the concatenation of these channel ranges of producers, in order (a channel
     * split, or the halves of a shuffled concatenation, as ShuffleNetV2 reads them).
     */
    public LayerBuilder fromParts(List<Input> inputs) {
      this.parts = List.copyOf(inputs);
      return this;
    }

    public LayerBuilder kernel(int h, int w) {
      kh = h;
      kw = w;
      return this;
    }

    public LayerBuilder stride(int h, int w) {
      sh = h;
      sw = w;
      return this;
    }

    public LayerBuilder pad(int top, int left, int bottom, int right) {
      pt = top;
      pl = left;
      pb = bottom;
      pr = right;
      return this;
    }

    public LayerBuilder dilation(int h, int w) {
      dh = h;
      dw = w;
      return this;
    }

    public LayerBuilder groups(int g) {
      groups = g;
      return this;
    }

    /** Depthwise: one group per input channel. */
    public LayerBuilder depthwise() {
      groups = -1;
      return this;
    }

    public LayerBuilder bias(boolean b) {
      bias = b;
      return this;
    }

    public LayerBuilder relu() {
      return activation(Activation.RELU);
    }

    public LayerBuilder relu6() {
      return activation(Activation.RELU6);
    }

    public LayerBuilder activation(Activation a) {
      activation = a;
      return this;
    }

    public LayerBuilder inputActivation(Activation a) {
      inputActivation = a;
      return this;
    }

    public LayerBuilder prePool(Pool p) {
      prePool = p;
      return this;
    }

    public LayerBuilder postPool(Pool p) {
      postPool = p;
      return this;
    }

    /** Add the output of {@code source}, subsampled by {@code stride}, before the activation. */
    public LayerBuilder residual(String source, int stride) {
      return residual(source, stride, 0);
    }

    /**
     * Add the output of {@code source}, subsampled by {@code stride}, to this layer's output
     * channels from {@code firstChannel} on (zero padding on both sides of the channels).
     */
    public LayerBuilder residual(String source, int stride, int firstChannel) {
      shapeOf(source);
      residual = new Residual(source, stride, firstChannel);
      return this;
    }

    /**
     * Multiply the input, channel by channel, by the 1x1xC output of {@code source} (a
     * squeeze-and-excitation gate; C the input channels, checked by {@link #add()}).
     */
    public LayerBuilder gate(String source) {
      shapeOf(source);
      gate = source;
      return this;
    }

    /** Append the layer; returns its name. */
    public String add() {
      List<Input> inputs = new ArrayList<>();
      Shape first = null;
      int channels = 0;
      List<Input> wanted = parts;
      if (wanted == null) {
        wanted = new ArrayList<>();
        for (String p : from) {
          wanted.add(new Input(p, 0, shapeOf(p).channels()));
        }
      }
      for (Input part : wanted) {
        Shape s = shapeOf(part.from());
        if (first != null && (s.height() != first.height() || s.width() != first.width())) {
          throw new IllegalArgumentException(name + "/" + layer + ": cannot concatenate " + first
              + " and " + s);
        }
        if (part.firstChannel() < 0 || part.channels() <= 0
            || part.firstChannel() + part.channels() > s.channels()) {
          throw new IllegalArgumentException(name + "/" + layer + ": channels "
              + part.firstChannel() + " to " + (part.firstChannel() + part.channels())
              + " of " + part.from() + ", whose output is " + s);
        }
        first = first == null ? s : first;
        inputs.add(part);
        channels += part.channels();
      }
      Shape in = first.withChannels(channels);
      int g = groups == -1 ? channels : groups;
      int khh = kh, kww = kw;
      if (kind == Layer.Kind.FC) {
        Shape pooled = prePool == null ? in : prePool.apply(in);
        khh = pooled.height();
        kww = pooled.width();
      }
      Layer l = new Layer(layer, kind, inputs, in, inputActivation, prePool, outChannels, khh, kww,
          sh, sw, pt, pl, pb, pr, dh, dw, g, bias, residual, activation, postPool,
          gate == null ? null : new Gate(gate));
      Shape conv = l.convOutput();
      if (gate != null && !shapeOf(gate).equals(new Shape(channels, 1, 1))) {
        throw new IllegalArgumentException(name + "/" + layer + ": gate " + gate + " gives "
            + shapeOf(gate) + ", not the " + channels + "x1x1 its input of " + in + " needs");
      }
      if (residual != null) {
        Shape src = shapeOf(residual.from());
        int rh = (src.height() + residual.stride() - 1) / residual.stride();
        int rw = (src.width() + residual.stride() - 1) / residual.stride();
        if (rh != conv.height() || rw != conv.width()
            || residual.firstChannel() + src.channels() > conv.channels()) {
          throw new IllegalArgumentException(name + "/" + layer + ": residual " + src + " /"
              + residual.stride() + (residual.firstChannel() == 0 ? "" : " at channel " + residual.firstChannel())
              + " does not fit output " + conv);
        }
      }
      layers.add(l);
      outputs.put(layer, l.output());
      last = layer;
      return layer;
    }
  }
}
