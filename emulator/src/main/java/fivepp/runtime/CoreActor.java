package fivepp.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One fabric vertex: a CM core (with its {@link CoreEngine}) or, on a vertex no core occupies,
 * a bare router. It holds channels to its fabric neighbours only; data for a farther core
 * travels hop by hop along the route it carries, and every hop is counted on its channel.
 * A channel counts what crosses it; the sending core works out, with {@link LinkTiming}, when
 * its data arrives at the end of the route (latency plus serialisation on every link).
 *
 * <p>A core computes once a burst of messages is in: the first data of a burst sends the actor a
 * {@code Flush}, which queues behind the data already in its mailbox. At the flush the engine
 * computes all the rows the burst made ready. What a vertex sends goes on as it is produced or
 * passed on: its virtual time was fixed by its sender, so the order of sending changes nothing.
 *
 * <p>Neighbours in this JVM are told each {@code Data}; what goes to neighbours on another
 * cluster member waits for the flush and leaves as one {@link Envelope} per member, addressed to
 * that member's {@link Transport#gateway gateway}, which hands the items on in order: a
 * message between JVMs costs far more than its bytes, so a flush sends at most one per member
 * (more only when one would exceed {@link Transport#maxEnvelopeBytes}). A router flushes too
 * when it holds data for another member.
 */
public final class CoreActor extends AbstractBehavior<CoreActor.Command> {

  public sealed interface Command {}

  /**
   * The actor's links: one reference per fabric neighbour, where outputs go, the epoch of the
   * array it belongs to (an array rebuilt after a member's loss has a new epoch) and the first
   * image that array computes.
   */
  public record Wire(Map<Integer, ActorRef<Command>> neighbours, ActorRef<Coordinator.Command> sink,
      int epoch, int firstImage) implements Command {}

  /**
   * Values for port {@code port} of the core at {@code route[route.length-1]}: {@code count}
   * pixels from column {@code col} of {@code row}, channel-major, there at virtual time
   * {@code ready}; {@code hop} indexes this actor's vertex in {@code route}; each value is
   * {@code bits} wide on the wire.
   */
  public record Data(int image, int port, int row, int col, int count, float[] values, double ready,
      int[] route, int hop, int bits) implements Command {}

  /**
   * What one vertex sent, in one flush, to actors on one other member, in the order sent; each
   * item's receiver is the actor of its vertex {@code route[hop]}. Sent to a {@link
   * Transport#gateway}.
   */
  public record Envelope(List<Data> data) implements Command {
    /** What {@code d} adds to an envelope on the wire, about: its values and 48 bytes besides. */
    public static long bytesOf(Data d) {
      return 4L * d.values().length + 48;
    }
  }

  /** How a vertex reaches fabric neighbours in other JVMs. */
  public interface Transport {
    /**
     * Where data for {@code neighbour} goes in envelopes: the actor that receives them for the
     * neighbour's member; null for a neighbour in this JVM, which is told each data directly.
     */
    ActorRef<Command> gateway(ActorRef<Command> neighbour);

    /** An envelope's size (values, and about 48 bytes per item) beyond which it is sent at once. */
    int maxEnvelopeBytes();

    /** Every neighbour in this JVM. */
    Transport LOCAL = new Transport() {
      @Override
      public ActorRef<Command> gateway(ActorRef<Command> neighbour) {
        return null;
      }

      @Override
      public int maxEnvelopeBytes() {
        return Integer.MAX_VALUE;
      }
    };
  }

  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /**
   * To itself, behind the data already in its mailbox: compute what that data made ready. It
   * never leaves the actor, so it has no wire format.
   */
  private record Flush() implements Command, NoSerializationVerificationNeeded {}

  private static final Flush FLUSH = new Flush();

  /**
   * What one vertex did: its core's work, the wall time its actor was busy (computing, taking
   * rows in and passing them on), its outgoing channels' bits and messages (one {@code Data}
   * each), its flushes and the envelopes it sent to each other member (by address). With analog
   * MVMs, {@code analogSignal} and {@code analogError} are the core's sums of its exact outputs
   * squared and of its analog outputs' errors squared (both 0 otherwise).
   */
  public record Stats(int vertex, int core, long mvms, long busyNanos, double virtualBusy,
      long messagesIn, long messagesOut, int maxImagesHeld, Map<Integer, Long> channelBits,
      Map<Integer, Long> channelMessages, long flushes, Map<String, Long> envelopesOut,
      long heapPeakBytes, double analogSignal, double analogError) {

    /** The stats of exact MVMs. */
    public Stats(int vertex, int core, long mvms, long busyNanos, double virtualBusy,
        long messagesIn, long messagesOut, int maxImagesHeld, Map<Integer, Long> channelBits,
        Map<Integer, Long> channelMessages, long flushes, Map<String, Long> envelopesOut,
        long heapPeakBytes) {
      this(vertex, core, mvms, busyNanos, virtualBusy, messagesIn, messagesOut, maxImagesHeld, channelBits,
          channelMessages, flushes, envelopesOut, heapPeakBytes, 0, 0);
    }
  }

  /** Link parameters: bits per second (0 = unlimited) and latency in seconds. */
  public record LinkModel(double bitsPerSecond, double latencySeconds) {}

  private static final class Channel {
    final ActorRef<Command> to;
    /** The envelope its data go in when {@code to} is on another member, else null. */
    final Remote remote;
    long bits;
    long messages;
    LiveStats.Channel live;

    Channel(ActorRef<Command> to, Remote remote) {
      this.to = to;
      this.remote = remote;
    }
  }

  /** The envelope being filled for one other member, and the count of those sent. */
  private static final class Remote {
    final ActorRef<Command> gateway;
    final String member;
    List<Data> batch = new ArrayList<>();
    long bytes;
    long envelopes;

    Remote(ActorRef<Command> gateway) {
      this.gateway = gateway;
      this.member = gateway.path().address().hostPort();
    }

    void send() {
      gateway.tell(new Envelope(batch));
      envelopes++;
      batch = new ArrayList<>();
      bytes = 0;
    }
  }

  private final int vertex;
  private final CorePlan plan;
  private final CoreEngine engine;
  private final Transport transport;
  /**
   * The channels to the fabric neighbours, by neighbour vertex: {@code neighbours} sorted, the
   * channel to {@code neighbours[i]} at {@code channels[i]}. Every hop of every row looks one
   * up, so it is a binary search over ints rather than a map of boxed keys.
   */
  private int[] neighbours = new int[0];
  private Channel[] channels = new Channel[0];
  /** One per other member a neighbour runs on, by gateway. */
  private final Map<ActorRef<Command>, Remote> remotes = new LinkedHashMap<>();
  /** Some data wait in an envelope for the next flush. */
  private boolean remotePending;
  private long flushes;
  /**
   * Nanoseconds this actor spent handling data and flushes: the engine's compute, and also what
   * it costs to take rows in, forward them and fill envelopes. A core's share of its member's
   * processor, which is what placement by a measured profile must balance.
   */
  private long busyNanos;
  private ActorRef<Coordinator.Command> sink;
  private int epoch;
  private long messagesIn;
  private long messagesOut;
  /** A {@link Flush} is in the mailbox: data received until it comes is computed together. */
  private boolean flushScheduled;
  /** Where this vertex publishes its counters for the live monitor; null when nobody watches. */
  private final LiveStats.Vertex live;

  public static Behavior<Command> create(int vertex, CorePlan plan, LinkModel link, double tMvm,
      boolean pixels) {
    return create(vertex, plan, link, tMvm, pixels, null);
  }

  /** As {@link #create(int, CorePlan, LinkModel, double, boolean)}, publishing to {@code live}. */
  public static Behavior<Command> create(int vertex, CorePlan plan, LinkModel link, double tMvm,
      boolean pixels, LiveStats.Vertex live) {
    return create(vertex, plan, link, tMvm, pixels, live, Transport.LOCAL);
  }

  /** As {@link #create(int, CorePlan, LinkModel, double, boolean, LiveStats.Vertex)}, reaching other JVMs by {@code transport}. */
  public static Behavior<Command> create(int vertex, CorePlan plan, LinkModel link, double tMvm,
      boolean pixels, LiveStats.Vertex live, Transport transport) {
    return create(vertex, plan, link, tMvm, pixels, live, transport, AnalogSettings.EXACT);
  }

  /** As {@link #create(int, CorePlan, LinkModel, double, boolean, LiveStats.Vertex, Transport)}, with analog MVMs as {@code analog} says. */
  public static Behavior<Command> create(int vertex, CorePlan plan, LinkModel link, double tMvm,
      boolean pixels, LiveStats.Vertex live, Transport transport, AnalogSettings analog) {
    return OutOfHeap.guard(Behaviors.setup(ctx -> new CoreActor(ctx, vertex, plan, link, tMvm, pixels, live, transport,
        analog)));
  }

  private CoreActor(ActorContext<Command> ctx, int vertex, CorePlan plan, LinkModel link,
      double tMvm, boolean pixels, LiveStats.Vertex live, Transport transport, AnalogSettings analog) {
    super(ctx);
    this.vertex = vertex;
    this.transport = transport;
    this.live = live;
    this.plan = plan;
    LinkTiming timing = new LinkTiming(link);
    this.engine = plan == null ? null : new CoreEngine(plan, tMvm, pixels, new CoreEngine.Out() {
      @Override
      public void send(CorePlan.Send s, int image, int row, int col, int count, float[] values,
          double ready) {
        // ready, from here on, at the time it arrives at the end of its route
        double at = timing.arrival(s, (long) values.length * s.bits(), ready);
        forward(new Data(image, s.port(), row, col, count, values, at, s.route(), 0, s.bits()));
      }

      @Override
      public void sink(int image, int row, int count, float[] values, double ready) {
        messagesOut++;
        sink.tell(new Coordinator.Output(image, plan.core.outFrom(), row, count, values, ready, epoch));
      }
    }, analog);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Wire.class, this::onWire)
        .onMessage(Data.class, this::onData)
        .onMessage(Flush.class, this::onFlush)
        .onMessage(GetStats.class, this::onStats)
        .build();
  }

  private Behavior<Command> onWire(Wire w) {
    neighbours = w.neighbours().keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    channels = new Channel[neighbours.length];
    for (int i = 0; i < neighbours.length; i++) {
      ActorRef<Command> ref = w.neighbours().get(neighbours[i]);
      ActorRef<Command> gateway = transport.gateway(ref);
      Channel c = new Channel(ref, gateway == null ? null : remotes.computeIfAbsent(gateway, Remote::new));
      if (live != null) {
        c.live = live.channel(neighbours[i]);
      }
      channels[i] = c;
    }
    sink = w.sink();
    epoch = w.epoch();
    if (engine != null) {
      engine.startAt(w.firstImage());
    }
    sink.tell(new Coordinator.Ready(vertex, epoch));
    return this;
  }

  private Behavior<Command> onData(Data d) {
    long t0 = System.nanoTime();
    messagesIn++;
    if (d.hop() < d.route().length - 1) {
      forward(d);
    } else {
      engine.receive(d.image(), d.port(), d.row(), d.col(), d.count(), d.values(), d.ready());
    }
    if (!flushScheduled && (engine != null || remotePending)) {
      flushScheduled = true;
      getContext().getSelf().tell(FLUSH);
    }
    busyNanos += System.nanoTime() - t0;
    publish();
    return this;
  }

  private Behavior<Command> onFlush(Flush f) {
    long t0 = System.nanoTime();
    flushScheduled = false;
    flush();
    busyNanos += System.nanoTime() - t0;
    publish();
    return this;
  }

  private void publish() {
    if (live != null) {
      live.publish(engine == null ? 0 : engine.mvms(), busyNanos,
          engine == null ? 0 : engine.virtualTime(), messagesIn, messagesOut);
    }
  }

  /** Computes what the burst made ready, then sends each other member its envelope. */
  private void flush() {
    flushes++;
    if (engine != null) {
      engine.flush();
    }
    if (remotePending) {
      for (Remote r : remotes.values()) {
        if (!r.batch.isEmpty()) {
          r.send();
        }
      }
      remotePending = false;
    }
    if (live != null && !remotes.isEmpty()) {
      live.publishEnvelopes(flushes, envelopesOut());
    }
  }

  private Map<String, Long> envelopesOut() {
    Map<String, Long> m = new TreeMap<>();
    for (Remote r : remotes.values()) {
      if (r.envelopes > 0) {
        m.merge(r.member, r.envelopes, Long::sum);
      }
    }
    return m;
  }

  /** Sends d one hop further along its route, over the channel to the next vertex. */
  private void forward(Data d) {
    int next = d.route()[d.hop() + 1];
    int i = java.util.Arrays.binarySearch(neighbours, next);
    if (i < 0) {
      throw new IllegalStateException("vertex " + vertex + " has no link to vertex " + next
          + ": a core may only talk to its fabric neighbours");
    }
    Channel c = channels[i];
    long bits = (long) d.values().length * d.bits();
    c.bits += bits;
    c.messages++;
    if (c.live != null) {
      c.live.publish(c.bits, c.messages);
    }
    messagesOut++;
    deliver(c, new Data(d.image(), d.port(), d.row(), d.col(), d.count(), d.values(), d.ready(),
        d.route(), d.hop() + 1, d.bits()));
  }

  /**
   * Tells a neighbour in this JVM at once; data for another member goes in its envelope, sent at
   * the flush (or now, when the envelope is full).
   */
  private void deliver(Channel c, Data d) {
    Remote r = c.remote;
    if (r == null) {
      c.to.tell(d);
      return;
    }
    long size = Envelope.bytesOf(d);
    if (!r.batch.isEmpty() && r.bytes + size > transport.maxEnvelopeBytes()) {
      r.send();
    }
    r.batch.add(d);
    r.bytes += size;
    remotePending = true;
  }

  private Behavior<Command> onStats(GetStats g) {
    if (engine != null || remotePending) {
      flush();
    }
    Map<Integer, Long> bits = new HashMap<>();
    Map<Integer, Long> messages = new HashMap<>();
    for (int i = 0; i < neighbours.length; i++) {
      if (channels[i].bits > 0) {
        bits.put(neighbours[i], channels[i].bits);
      }
      if (channels[i].messages > 0) {
        messages.put(neighbours[i], channels[i].messages);
      }
    }
    double[] analog = engine == null ? null : engine.analogSums();
    g.replyTo().tell(new Stats(vertex, plan == null ? -1 : plan.core.id(),
        engine == null ? 0 : engine.mvms(), busyNanos,
        engine == null ? 0 : engine.virtualBusy(), messagesIn, messagesOut,
        engine == null ? 0 : engine.maxImagesHeld(), bits, messages, flushes, envelopesOut(),
        Heap.peakBytes(), analog == null ? 0 : analog[0], analog == null ? 0 : analog[1]));
    return this;
  }
}
