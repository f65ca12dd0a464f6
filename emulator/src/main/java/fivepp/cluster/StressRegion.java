package fivepp.cluster;

import fivepp.stress.Simulator;
import fivepp.stress.StressSpec;
import fivepp.stress.Tally;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The routers of one region of a stress run, on the member that hosts them: a {@link Simulator}
 * of the region, run in windows of L cycles (the lookahead, {@link
 * fivepp.stress.SimulatorSettings#lookahead()}) in step with the other regions, on a thread of its
 * own. After each window it sends every other region one step over their {@link StressLinks link}
 * (the packets it granted onto channels into that region, the credits it freed on channels out of
 * it, and its counters of each cycle), and it runs the next window once it has read every region's
 * step of this one; while they travel, it runs the next window of its interior, the routers nothing
 * is handed to ({@link Simulator#overlap()}), unless watched live. When the phases say the run is
 * over (all regions decide alike, from the same summed counters), it sends its {@link Tally} to the
 * conductor. The actor itself only starts the thread and, when the member stops the run, closes
 * the links, which ends the thread wherever it is.
 */
public final class StressRegion extends AbstractBehavior<StressRegion.Command> {

  public sealed interface Command {}

  /** The links of the run's regions, by index (this one's own entry included): the run starts. */
  public record Start(List<String> links) implements Command {}

  /** What a region tells the conductor. */
  public sealed interface Reply extends StressConductor.Command permits Ready, Done, Progress, Failed {
    long run();

    int epoch();

    int region();
  }

  /** The region is built, listens for its links at {@code link} and waits for {@link Start}. */
  public record Ready(long run, int epoch, int region, ActorRef<Command> ref, String link) implements Reply {}

  /**
   * The run is over: what this region measured, the cycles run, its wall-clock seconds and the
   * steps it sent (one per other region and window).
   */
  public record Done(long run, int epoch, int region, Tally tally, int cycles, double wallSeconds, long steps)
      implements Reply {}

  /**
   * The region's totals at cycle {@code cycle}, sent every {@link fivepp.stress.TrafficMeter#EVERY}
   * cycles and at the end when the run is watched live (see {@link Simulator#totals()}).
   */
  public record Progress(long run, int epoch, int region, int cycle, long[] injected, long[] delivered,
      long[] ejectedFlits, long[] channelFlits) implements Reply {}

  /**
   * The region could not be built or run; {@code linkLost} when it lost a link to another region,
   * which a member leaving the cluster explains.
   */
  public record Failed(long run, int epoch, int region, String error, boolean linkLost) implements Reply {
    public Failed(long run, int epoch, int region, String error) {
      this(run, epoch, region, error, false);
    }
  }

  /** How long a region waits for its links to the other regions when the run starts. */
  static final int LINK_PATIENCE_MILLIS = 60_000;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StressRegion.class);

  private final long run;
  private final int epoch;
  private final int me;
  private final ActorRef<Reply> conductor;
  private final Simulator sim;
  private final boolean live;
  private final StressLinks links;
  private final int length;
  private final int regions;
  private volatile boolean closed;

  /**
   * A region that builds its network from {@code spec} and answers {@code conductor}, with its
   * totals as it goes when {@code live}.
   */
  public static Behavior<Command> create(long run, int epoch, StressSpec spec, int[] regionOf, int region,
      ActorRef<Reply> conductor, boolean live) {
    return Behaviors.setup(ctx -> {
      Simulator sim;
      StressLinks links = null;
      int regions = java.util.Arrays.stream(regionOf).max().orElse(0) + 1;
      try {
        StressSpec.Built built = spec.build();
        sim = new Simulator(built.routes(), spec.traffic(built), spec.config(), built.faults(), regionOf, region);
        if (live) {
          sim.countTotals();
        } else {
          // live totals are read at the cycle published, so only a region not watched runs ahead
          sim.overlap();
        }
        if (regions > 1) {
          links = StressLinks.listen(ctx.getSystem().settings().config(),
              ctx.getSystem().address().getHost().orElse("127.0.0.1"), regions);
        }
      } catch (RuntimeException | java.io.IOException e) {
        conductor.tell(new Failed(run, epoch, region, "member " + ctx.getSystem().address().hostPort()
            + " cannot build the network: " + e.getMessage()));
        return Behaviors.stopped();
      }
      conductor.tell(new Ready(run, epoch, region, ctx.getSelf(), links == null ? "" : links.address()));
      return new StressRegion(ctx, run, epoch, region, conductor, sim, live, links, regions);
    });
  }

  private StressRegion(ActorContext<Command> ctx, long run, int epoch, int me, ActorRef<Reply> conductor,
      Simulator sim, boolean live, StressLinks links, int regions) {
    super(ctx);
    this.live = live;
    this.run = run;
    this.epoch = epoch;
    this.me = me;
    this.conductor = conductor;
    this.sim = sim;
    this.links = links;
    this.regions = regions;
    this.length = sim.lookahead();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, s -> {
          Thread t = new Thread(() -> runWindows(s.links()), "fivepp-stress-run" + run + "-region-" + me);
          t.setDaemon(true);
          t.start();
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> {
          closed = true;
          if (links != null) {
            links.close();
          }
          return Behaviors.same();
        })
        .build();
  }

  /** The region's thread: connects to the other regions, then runs window after window until the run is over. */
  private void runWindows(List<String> addresses) {
    long steps = 0;
    long ahead = 0;
    try {
      if (links != null) {
        links.connect(run, epoch, me, addresses, LINK_PATIENCE_MILLIS);
      }
      long started = System.nanoTime();
      for (int window = 0; !closed; window += length) {
        for (int cycle = window; cycle < window + length; cycle++) {
          if (!sim.next(cycle)) {
            if (live) {
              progress(cycle);
            }
            LOG.debug("stress region {} ran {} of its {} cycles with the interior ahead of the steps", me, ahead, cycle);
            conductor.tell(new Done(run, epoch, me, sim.tally(), cycle, (System.nanoTime() - started) / 1e9, steps));
            return;
          }
          sim.step(cycle);
          if (live && (cycle & (fivepp.stress.TrafficMeter.EVERY - 1)) == 0) {
            progress(cycle);
          }
        }
        for (int r = 0; r < regions; r++) {
          if (r != me) {
            Simulator.Outbox o = sim.outbox(r);
            links.send(r, step(window, o));
            o.clear();
            steps++;
          }
        }
        // while the steps travel, the interior runs the next window (nothing in flight reaches it)
        ahead += sim.ahead(window + length, length);
        for (int r = 0; r < regions; r++) {
          if (r != me) {
            fivepp.proto.stress.Step s = links.receive(r);
            if (s.getCycle() != window || s.getRegion() != r) {
              throw new IllegalStateException("region " + s.getRegion() + " sent the window from cycle " + s.getCycle()
                  + " while region " + me + " is at the window from " + window);
            }
            sim.receive(outbox(s));
          }
        }
      }
    } catch (java.io.IOException e) {
      if (!closed) {
        conductor.tell(new Failed(run, epoch, me, "region " + me + " lost a link to another region: "
            + e.getMessage(), true));
      }
    } catch (RuntimeException e) { // a deadlock, or regions out of step
      if (!closed) {
        conductor.tell(new Failed(run, epoch, me, e.getMessage() == null ? e.toString() : e.getMessage()));
      }
    }
  }

  /** The wire form of what {@code o} holds, from the window starting at {@code window}. */
  private fivepp.proto.stress.Step step(int window, Simulator.Outbox o) {
    fivepp.proto.stress.Step.Builder b = fivepp.proto.stress.Step.newBuilder().setRegion(me).setCycle(window);
    for (int v : o.packets()) {
      b.addPackets(v);
    }
    for (long v : o.seqs()) {
      b.addSeqs(v);
    }
    for (int v : o.credits()) {
      b.addCredits(v);
    }
    for (long v : o.counters()) {
      b.addCounters(v);
    }
    return b.build();
  }

  private static Simulator.Outbox outbox(fivepp.proto.stress.Step s) {
    return new Simulator.Outbox(ProtobufSerializer.ints(s.getPacketsList()), ProtobufSerializer.longs(s.getSeqsList()),
        ProtobufSerializer.ints(s.getCreditsList()), s.getCycle(), ProtobufSerializer.longs(s.getCountersList()));
  }

  private void progress(int at) {
    long[][] t = sim.totals();
    conductor.tell(new Progress(run, epoch, me, at, t[0], t[1], t[2], t[3]));
  }
}
