package fivepp.monitor;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus view of the snapshots (Micrometer): per core MVMs, messages in and out
 * (counters), MVMs/s, busy fraction wall and virtual, queue depth (gauges), labelled {@code
 * core}, {@code layer}, {@code member}; per channel bytes (counter) and bytes/s, labelled
 * {@code from}, {@code to}, {@code member}; images completed and images/s; and the wall-clock
 * latency of images as a histogram. Meters appear as cores and channels first show up in a
 * snapshot; their values are those of the latest snapshot given to {@link #update}.
 */
public final class Metrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Cell<Snapshot.CoreSample>> cores = new HashMap<>();
  private final Map<String, Cell<Snapshot.ChannelSample>> channels = new HashMap<>();
  private final Cell<Snapshot.Run> run = new Cell<>();
  private final Timer latency;
  private long seen = -1;

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
    FunctionCounter.builder("fivepp.images.completed", run, c -> c.value == null ? 0 : c.value.imagesDone())
        .description("images completed").register(registry);
    Gauge.builder("fivepp.images.per.second", run, c -> c.value == null ? 0 : c.value.imagesPerSecond())
        .description("images completed per second over the last sample interval").register(registry);
    Gauge.builder("fivepp.images.planned", run, c -> c.value == null ? 0 : c.value.imagesTotal())
        .description("images the run will inject").register(registry);
  }

  /** Records one image's wall-clock latency. */
  public void recordLatency(long nanos) {
    latency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Makes {@code s} the snapshot the meters report; registers meters for new cores and channels. */
  public synchronized void update(Snapshot s) {
    if (s == null || s.seq() == seen) {
      return;
    }
    seen = s.seq();
    run.value = s.run();
    for (Snapshot.CoreSample c : s.cores()) {
      String key = c.member() + "/" + c.core();
      Cell<Snapshot.CoreSample> cell = cores.get(key);
      if (cell == null) {
        cell = new Cell<>();
        cell.value = c;
        cores.put(key, cell);
        register(cell, Tags.of("core", Integer.toString(c.core()), "layer", c.layer(), "member", c.member()));
      }
      cell.value = c;
    }
    for (Snapshot.ChannelSample c : s.channels()) {
      String key = c.member() + "/" + c.from() + "/" + c.to();
      Cell<Snapshot.ChannelSample> cell = channels.get(key);
      if (cell == null) {
        cell = new Cell<>();
        cell.value = c;
        channels.put(key, cell);
        Tags tags = Tags.of("from", Integer.toString(c.from()), "to", Integer.toString(c.to()), "member", c.member());
        FunctionCounter.builder("fivepp.channel.bytes", cell, x -> x.value.bytes())
            .description("bytes sent over the channel").tags(tags).register(registry);
        Gauge.builder("fivepp.channel.bytes.per.second", cell, x -> x.value.bytesPerSecond())
            .description("bytes per second over the last sample interval").tags(tags).register(registry);
      }
      cell.value = c;
    }
  }

  private void register(Cell<Snapshot.CoreSample> cell, Tags tags) {
    counter("fivepp.core.mvms", "MVMs the core has done", cell, tags, Snapshot.CoreSample::mvms);
    counter("fivepp.core.messages.in", "messages the core's vertex has taken in", cell, tags, Snapshot.CoreSample::messagesIn);
    counter("fivepp.core.messages.out", "messages the core's vertex has sent", cell, tags, Snapshot.CoreSample::messagesOut);
    gauge("fivepp.core.mvms.per.second", "MVMs per second over the last sample interval", cell, tags, Snapshot.CoreSample::mvmsPerSecond);
    gauge("fivepp.core.busy.ratio", "fraction of the last interval's wall-clock time spent computing", cell, tags, Snapshot.CoreSample::busy);
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
