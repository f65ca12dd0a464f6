package fivepp.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * computes all the rows the burst made ready, and what the core sends in the burst, its own rows
 * and the data it passes on, leaves in order of readiness.
 */
public final class CoreActor extends AbstractBehavior<CoreActor.Command> {

  public interface Command {}

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

  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /**
   * To itself, behind the data already in its mailbox: compute what that data made ready. It
   * never leaves the actor, so it has no wire format.
   */
  private record Flush() implements Command, NoSerializationVerificationNeeded {}

  private static final Flush FLUSH = new Flush();

  /** What one vertex did: its core's work and its outgoing channels' bits. */
  public record Stats(int vertex, int core, long mvms, long busyNanos, double virtualBusy,
      long messagesIn, long messagesOut, int maxImagesHeld, Map<Integer, Long> channelBits) {}

  /** Link parameters: bits per second (0 = unlimited) and latency in seconds. */
  public record LinkModel(double bitsPerSecond, double latencySeconds) {}

  private static final class Channel {
    final ActorRef<Command> to;
    long bits;
    long messages;
    LiveStats.Channel live;

    Channel(ActorRef<Command> to) {
      this.to = to;
    }
  }

  private final int vertex;
  private final CorePlan plan;
  private final CoreEngine engine;
  private final Map<Integer, Channel> channels = new HashMap<>();
  private ActorRef<Coordinator.Command> sink;
  private int epoch;
  private long messagesIn;
  private long messagesOut;
  /** A {@link Flush} is in the mailbox: data received until it comes is computed together. */
  private boolean flushScheduled;
  /**
   * What a core sends on in a burst, its own rows and the data it passes on for others alike:
   * sent at the flush in order of readiness, so that its links carry data in virtual-time order
   * however the burst interleaved.
   */
  private List<Data> outbox = new ArrayList<>();
  /** Where this vertex publishes its counters for the live monitor; null when nobody watches. */
  private final LiveStats.Vertex live;

  public static Behavior<Command> create(int vertex, CorePlan plan, LinkModel link, double tMvm,
      boolean pixels) {
    return create(vertex, plan, link, tMvm, pixels, null);
  }

  /** As {@link #create(int, CorePlan, LinkModel, double, boolean)}, publishing to {@code live}. */
  public static Behavior<Command> create(int vertex, CorePlan plan, LinkModel link, double tMvm,
      boolean pixels, LiveStats.Vertex live) {
    return Behaviors.setup(ctx -> new CoreActor(ctx, vertex, plan, link, tMvm, pixels, live));
  }

  private CoreActor(ActorContext<Command> ctx, int vertex, CorePlan plan, LinkModel link,
      double tMvm, boolean pixels, LiveStats.Vertex live) {
    super(ctx);
    this.vertex = vertex;
    this.live = live;
    this.plan = plan;
    LinkTiming timing = new LinkTiming(link);
    this.engine = plan == null ? null : new CoreEngine(plan, tMvm, pixels, new CoreEngine.Out() {
      @Override
      public void send(CorePlan.Send s, int image, int row, int col, int count, float[] values,
          double ready) {
        // ready, from here on, at the time it arrives at the end of its route
        double at = timing.arrival(s, (long) values.length * s.bits(), ready);
        outbox.add(new Data(image, s.port(), row, col, count, values, at, s.route(), 0, s.bits()));
      }

      @Override
      public void sink(int image, int row, int count, float[] values, double ready) {
        messagesOut++;
        sink.tell(new Coordinator.Output(image, plan.core.outFrom(), row, count, values, ready, epoch));
      }
    });
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
    w.neighbours().forEach((v, ref) -> {
      Channel c = new Channel(ref);
      if (live != null) {
        c.live = live.channel(v);
      }
      channels.put(v, c);
    });
    sink = w.sink();
    epoch = w.epoch();
    if (engine != null) {
      engine.startAt(w.firstImage());
    }
    sink.tell(new Coordinator.Ready(vertex, epoch));
    return this;
  }

  private Behavior<Command> onData(Data d) {
    messagesIn++;
    if (engine == null) {
      forward(d);
    } else {
      if (d.hop() == d.route().length - 1) {
        engine.receive(d.image(), d.port(), d.row(), d.col(), d.count(), d.values(), d.ready());
      } else {
        outbox.add(d);
      }
      if (!flushScheduled) {
        flushScheduled = true;
        getContext().getSelf().tell(FLUSH);
      }
    }
    if (live != null) {
      live.publish(engine == null ? 0 : engine.mvms(), engine == null ? 0 : engine.busyNanos(),
          engine == null ? 0 : engine.virtualTime(), messagesIn, messagesOut);
    }
    return this;
  }

  private Behavior<Command> onFlush(Flush f) {
    flushScheduled = false;
    flush();
    if (live != null) {
      live.publish(engine.mvms(), engine.busyNanos(), engine.virtualTime(), messagesIn, messagesOut);
    }
    return this;
  }

  /** Computes what the burst made ready, then sends the outbox on in order of readiness. */
  private void flush() {
    engine.flush();
    if (outbox.size() > 1) {
      outbox.sort(BY_READY);
    }
    for (Data d : outbox) {
      forward(d);
    }
    if (!outbox.isEmpty()) {
      // a new list rather than clear(): see CoreEngine's jobs
      outbox = new ArrayList<>();
    }
  }

  private static final Comparator<Data> BY_READY = Comparator.comparingDouble(Data::ready);

  /** Sends d one hop further along its route, over the channel to the next vertex. */
  private void forward(Data d) {
    int next = d.route()[d.hop() + 1];
    Channel c = channels.get(next);
    if (c == null) {
      throw new IllegalStateException("vertex " + vertex + " has no link to vertex " + next
          + ": a core may only talk to its fabric neighbours");
    }
    long bits = (long) d.values().length * d.bits();
    c.bits += bits;
    c.messages++;
    if (c.live != null) {
      c.live.publish(c.bits, c.messages);
    }
    messagesOut++;
    c.to.tell(new Data(d.image(), d.port(), d.row(), d.col(), d.count(), d.values(), d.ready(),
        d.route(), d.hop() + 1, d.bits()));
  }

  private Behavior<Command> onStats(GetStats g) {
    if (engine != null) {
      flush();
    }
    Map<Integer, Long> bits = new HashMap<>();
    channels.forEach((v, c) -> {
      if (c.bits > 0) {
        bits.put(v, c.bits);
      }
    });
    g.replyTo().tell(new Stats(vertex, plan == null ? -1 : plan.core.id(),
        engine == null ? 0 : engine.mvms(), engine == null ? 0 : engine.busyNanos(),
        engine == null ? 0 : engine.virtualBusy(), messagesIn, messagesOut,
        engine == null ? 0 : engine.maxImagesHeld(), bits));
    return this;
  }
}
