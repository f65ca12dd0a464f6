package fivepp.monitor;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus view of the snapshots (Micrometer): per core MVMs, messages in and out
 * (counters), MVMs/s, busy fraction wall and virtual, queue depth (gauges), labelled {@code
 * core}, {@code layer}, {@code member}; per channel bytes (counter) and bytes/s, labelled
 * {@code from}, {@code to}, {@code member}; images completed and images/s; and the wall-clock
 * latency of images as a histogram; per layer (labelled {@code layer}) the same rates summed over its
 * cores, the busy fractions of its busiest core, and whether it holds the virtual or the wall
 * bottleneck ({@link Bottleneck}); the pipeline's analytic bound and the virtual images/s. For a
 * stress run ({@link Snapshot.Run#TRAFFIC}) the meters are named for what they count: per node flits ejected, packets delivered and generated
 * (labelled {@code node}, {@code member}); per channel flits; cycles. Meters appear as cores and
 * channels first show up in a snapshot; their values are those of the latest snapshot given to
 * {@link #update}.
 */
public final class Metrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Cell<Snapshot.CoreSample>> cores = new HashMap<>();
  private final Map<String, Cell<Snapshot.ChannelSample>> channels = new HashMap<>();
  private final java.util.Set<String> layers = new java.util.HashSet<>();
  private final Cell<Snapshot> latest = new Cell<>();
  private final Cell<Snapshot.Run> run = new Cell<>();
  private Timer latency;
  private long seen = -1;
  private boolean traffic;

  /** The latest value of one meter family's subject. */
  private static final class Cell<T> {
    volatile T value;
  }

  public Metrics() {
    latency = Timer.builder("fivepp.image.latency")
        .description("wall-clock time from injecting an image to its last output")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100_000))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
  }

  /**
   * The run's own meters, once its kind is known: for an inference run images and their
   * latency, for a stress run ({@link Snapshot.Run#TRAFFIC}) cycles.
   */
  private void registerRun(Snapshot.Run r) {
    traffic = Snapshot.Run.TRAFFIC.equals(r.kind());
    if (traffic) {
      registry.remove(latency);
      latency = null;
      FunctionCounter.builder("fivepp.cycles", run, c -> c.value.imagesDone())
          .description("cycles simulated").register(registry);
      Gauge.builder("fivepp.cycles.per.second", run, c -> c.value.imagesPerSecond())
          .description("cycles simulated per wall-clock second over the last sample interval").register(registry);
      Gauge.builder("fivepp.cycles.planned", run, c -> c.value.imagesTotal())
          .description("warm-up and measurement cycles of the run (the drain comes on top)").register(registry);
      return;
    }
    Gauge.builder("fivepp.pipeline.bound.images.per.second", latest, c -> bottleneck(c.value, b -> b.boundImagesPerSecond()))
        .description("the pipeline's analytic bound, images per virtual second").register(registry);
    Gauge.builder("fivepp.virtual.images.per.second", latest, c -> bottleneck(c.value, b -> b.virtualImagesPerSecond()))
        .description("images completed per virtual second so far (the modelled hardware's rate)").register(registry);
    FunctionCounter.builder("fivepp.images.completed", run, c -> c.value.imagesDone())
        .description("images completed").register(registry);
    Gauge.builder("fivepp.images.per.second", run, c -> c.value.imagesPerSecond())
        .description("images completed per second over the last sample interval").register(registry);
    Gauge.builder("fivepp.images.planned", run, c -> c.value.imagesTotal())
        .description("images the run will inject").register(registry);
  }

  /** Records one image's wall-clock latency. */
  public synchronized void recordLatency(long nanos) {
    if (latency != null) {
      latency.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Makes {@code s} the snapshot the meters report; registers meters for new cores and channels. */
  public synchronized void update(Snapshot s) {
    if (s == null || s.seq() == seen) {
      return;
    }
    seen = s.seq();
    boolean first = run.value == null;
    run.value = s.run();
    latest.value = s;
    if (first) {
      registerRun(s.run());
    }
    for (Snapshot.CoreSample c : s.cores()) {
      String key = c.member() + "/" + c.core();
      Cell<Snapshot.CoreSample> cell = cores.get(key);
      if (cell == null) {
        cell = new Cell<>();
        cell.value = c;
        cores.put(key, cell);
        register(cell, traffic ? Tags.of("node", Integer.toString(c.core()), "member", c.member())
            : Tags.of("core", Integer.toString(c.core()), "layer", c.layer(), "member", c.member()));
      }
      cell.value = c;
    }
    for (Bottleneck.Layer l : s.layers()) {
      if (layers.add(l.layer())) {
        registerLayer(l.layer());
      }
    }
    for (Snapshot.ChannelSample c : s.channels()) {
      String key = c.member() + "/" + c.from() + "/" + c.to();
      Cell<Snapshot.ChannelSample> cell = channels.get(key);
      if (cell == null) {
        cell = new Cell<>();
        cell.value = c;
        channels.put(key, cell);
        Tags tags = Tags.of("from", Integer.toString(c.from()), "to", Integer.toString(c.to()), "member", c.member());
        String unit = traffic ? "flits" : "bytes";
        FunctionCounter.builder("fivepp.channel." + unit, cell, x -> x.value.bytes())
            .description(unit + " sent over the channel").tags(tags).register(registry);
        Gauge.builder("fivepp.channel." + unit + ".per.second", cell, x -> x.value.bytesPerSecond())
            .description(unit + " per second over the last sample interval").tags(tags).register(registry);
      }
      cell.value = c;
    }
  }

  private static double bottleneck(Snapshot s, ToDoubleFunction<Bottleneck> f) {
    return s == null || s.bottleneck() == null ? 0 : f.applyAsDouble(s.bottleneck());
  }

  /** Layer {@code name}'s figures in the latest snapshot; 0 if it has none. */
  private static double layer(Snapshot s, String name, ToDoubleFunction<Bottleneck.Layer> f) {
    for (Bottleneck.Layer l : s.layers()) {
      if (l.layer().equals(name)) {
        return f.applyAsDouble(l);
      }
    }
    return 0;
  }

  /** 1 when layer {@code name} holds a core of the bottleneck {@code which} picks, else 0. */
  private static double bounds(Snapshot s, String name, java.util.function.Function<Bottleneck, Bottleneck.Limit> which) {
    Bottleneck b = s.bottleneck();
    Bottleneck.Limit l = b == null ? null : which.apply(b);
    return l != null && l.layers().contains(name) ? 1 : 0;
  }

  /** A per-layer gauge: its name, its help and what it reads of a layer. */
  private record LayerMeter(String name, String help, ToDoubleFunction<Bottleneck.Layer> f) {}

  private static final List<LayerMeter> LAYER_METERS = List.of(
      new LayerMeter("mvms.per.second", "MVMs per second of the layer's cores over the last sample interval", Bottleneck.Layer::mvmsPerSecond),
      new LayerMeter("busy.ratio", "wall busy of the layer's busiest core over the last sample interval", Bottleneck.Layer::busy),
      new LayerMeter("virtual.busy.ratio", "virtual busy of the layer's busiest core", Bottleneck.Layer::virtualBusy),
      new LayerMeter("queue.depth", "messages sent to the layer's cores not yet taken in", Bottleneck.Layer::queueDepth),
      new LayerMeter("bytes.in.per.second", "bytes per second into the layer's cores", Bottleneck.Layer::bytesInPerSecond),
      new LayerMeter("bytes.out.per.second", "bytes per second out of the layer's cores", Bottleneck.Layer::bytesOutPerSecond));

  private void registerLayer(String name) {
    Tags tags = Tags.of("layer", name);
    for (LayerMeter m : LAYER_METERS) {
      Gauge.builder("fivepp.layer." + m.name(), latest, c -> layer(c.value, name, m.f()))
          .description(m.help()).tags(tags).register(registry);
    }
    Gauge.builder("fivepp.layer.virtual.bottleneck", latest, c -> bounds(c.value, name, Bottleneck::virtual))
        .description("1 when the layer holds a core of the highest virtual busy (it bounds the modelled pipeline)")
        .tags(tags).register(registry);
    Gauge.builder("fivepp.layer.wall.bottleneck", latest, c -> bounds(c.value, name, Bottleneck::wall))
        .description("1 when the layer holds a core of the highest wall busy (it bounds the emulator)")
        .tags(tags).register(registry);
  }

  private void register(Cell<Snapshot.CoreSample> cell, Tags tags) {
    if (traffic) {
      counter("fivepp.node.flits.ejected", "flits delivered to the node", cell, tags, Snapshot.CoreSample::mvms);
      gauge("fivepp.node.flits.ejected.per.second", "flits delivered to the node per second over the last sample interval",
          cell, tags, Snapshot.CoreSample::mvmsPerSecond);
      counter("fivepp.node.packets.delivered", "packets delivered to the node", cell, tags, Snapshot.CoreSample::messagesIn);
      counter("fivepp.node.packets.generated", "packets the node generated", cell, tags, Snapshot.CoreSample::messagesOut);
      return;
    }
    counter("fivepp.core.mvms", "MVMs the core has done", cell, tags, Snapshot.CoreSample::mvms);
    counter("fivepp.core.messages.in", "messages the core's vertex has taken in", cell, tags, Snapshot.CoreSample::messagesIn);
    counter("fivepp.core.messages.out", "messages the core's vertex has sent", cell, tags, Snapshot.CoreSample::messagesOut);
    gauge("fivepp.core.mvms.per.second", "MVMs per second over the last sample interval", cell, tags, Snapshot.CoreSample::mvmsPerSecond);
    gauge("fivepp.core.busy.ratio", "fraction of the last interval's wall-clock time the core's actor spent on its data", cell, tags, Snapshot.CoreSample::busy);
    gauge("fivepp.core.virtual.busy.ratio", "MVM time over the virtual time elapsed", cell, tags, Snapshot.CoreSample::virtualBusy);
    gauge("fivepp.core.queue.depth", "messages sent to the core's vertex not yet taken in", cell, tags, Snapshot.CoreSample::queueDepth);
  }

  private void counter(String name, String help, Cell<Snapshot.CoreSample> cell, Tags tags,
      ToDoubleFunction<Snapshot.CoreSample> f) {
    FunctionCounter.builder(name, cell, c -> f.applyAsDouble(c.value)).description(help).tags(tags).register(registry);
  }

  private void gauge(String name, String help, Cell<Snapshot.CoreSample> cell, Tags tags,
      ToDoubleFunction<Snapshot.CoreSample> f) {
    Gauge.builder(name, cell, c -> f.applyAsDouble(c.value)).description(help).tags(tags).register(registry);
  }

  /** The meters in Prometheus text format (version 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }
}
