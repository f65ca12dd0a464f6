package fivepp.monitor;

import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The monitor's HTTP server (pekko-http), read-only: {@code GET /} the dashboard, {@code GET
 * /metrics} Prometheus text, {@code GET /api/snapshot} the latest snapshot as JSON, {@code GET
 * /api/stream} server-sent events, one per new snapshot (the fabric in the first only). Any other path is 404, any other
 * method 405. It runs in an actor system of its own, so it can outlive the run it watches.
 */
public final class MonitorServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ContentType PROMETHEUS = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final Metrics metrics;

  private MonitorServer(ActorSystem<Void> system, ServerBinding binding, Metrics metrics) {
    this.system = system;
    this.binding = binding;
    this.metrics = metrics;
  }

  /**
   * Serves the snapshots {@code snapshots} gives (it is asked at every request and every 200 ms
   * while a stream is open) on {@code host}:{@code port} (0 picks a free port).
   *
   * @throws IllegalArgumentException with a one-line message when it cannot listen there
   */
  public static MonitorServer start(String host, int port, Supplier<Snapshot> snapshots) {
    probe(host, port);
    Metrics metrics = new Metrics();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fivepp-monitor");
    try {
      ServerBinding b = Http.get(system).newServerAt(host, port).bind(routes(snapshots, metrics))
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      return new MonitorServer(system, b, metrics);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      system.terminate();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException("cannot serve the monitor on " + host + ":" + port + ": "
          + String.valueOf(cause.getMessage()).replaceAll("\\s+", " "));
    }
  }

  /**
   * Fails with one line when {@code host}:{@code port} cannot be listened on (an unknown host, a
   * port in use), before the HTTP server tries and logs a stack trace.
   */
  private static void probe(String host, int port) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.bind(new InetSocketAddress(java.net.InetAddress.getByName(host), port));
    } catch (java.io.IOException | SecurityException e) {
      throw new IllegalArgumentException("cannot serve the monitor on " + host + ":" + port + ": "
          + (e instanceof java.net.UnknownHostException ? "unknown host" : e.getMessage()));
    }
  }

  /**
   * Apache ECharts, which draws the fabric, from its WebJar in the jar: the page needs no
   * internet. The version is the pom's {@code echarts.version}; MonitorEndpointsTest checks the
   * file is served.
   */
  static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

  static Route routes(Supplier<Snapshot> snapshots, Metrics metrics) {
    return get(() -> concat(
        pathEndOrSingleSlash(() -> getFromResource("fivepp/monitor/dashboard.html", ContentTypes.TEXT_HTML_UTF8)),
        path("echarts.min.js", () -> getFromResource(ECHARTS,
            org.apache.pekko.http.javadsl.model.ContentTypes.create(
                org.apache.pekko.http.javadsl.model.MediaTypes.APPLICATION_JAVASCRIPT,
                org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8))),
        path("metrics", () -> {
          metrics.update(snapshots.get());
          return complete(HttpEntities.create(PROMETHEUS, org.apache.pekko.util.ByteString.fromString(metrics.scrape())));
        }),
        pathPrefix("api", () -> concat(
            path("snapshot", () -> complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, json(snapshots.get())))),
            path("stream", () -> completeOK(stream(snapshots), EventStreamMarshalling.toEventStream()))))));
  }

  /**
   * Every new snapshot (by sequence number) as one event, checked for every 200 ms. The fabric
   * does not change during a run: only the first event carries it.
   */
  private static Source<ServerSentEvent, org.apache.pekko.NotUsed> stream(Supplier<Snapshot> snapshots) {
    return Source.tick(Duration.ZERO, Duration.ofMillis(200), "tick")
        .map(t -> java.util.Optional.ofNullable(snapshots.get()))
        .statefulMapConcat(() -> {
          long[] last = {-1};
          return o -> {
            if (o.isEmpty() || o.get().seq() == last[0]) {
              return List.<Snapshot>of();
            }
            Snapshot x = o.get();
            boolean first = last[0] < 0;
            last[0] = x.seq();
            return List.of(first ? x : x.withoutFabric());
          };
        })
        .map(s -> ServerSentEvent.create(json(s)))
        .keepAlive(Duration.ofSeconds(10), ServerSentEvent::heartbeat)
        .mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance());
  }

  static String json(Snapshot s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The Prometheus view, e.g. to feed it image latencies. */
  public Metrics metrics() {
    return metrics;
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return binding.localAddress();
  }

  /** The dashboard's URL. */
  public String url() {
    InetSocketAddress a = address();
    String host = a.getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }
}
