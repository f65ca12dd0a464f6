package fivepp.cluster;

import fivepp.stress.Simulator;
import fivepp.stress.StressSpec;
import fivepp.stress.Tally;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The routers of one region of a stress run, on the member that hosts them: a {@link Simulator}
 * of the region, run in windows of L cycles (the lookahead, {@link
 * fivepp.stress.SimulatorSettings#lookahead()}) in step with the other regions. After each window it
 * sends every other region one {@link Step} (the packets it granted onto channels into that region,
 * the credits it freed on channels out of it, and its counters of each cycle), and it runs the next
 * window once it has every region's step of this one; while they travel, it runs the next window of
 * its interior, the routers nothing is handed to ({@link Simulator#overlap()}), unless watched live.
 * When the phases say the run is over (all regions decide alike, from the same summed counters), it
 * sends its {@link Tally} to the conductor.
 */
public final class StressRegion extends AbstractBehavior<StressRegion.Command> {

  public sealed interface Command {}

  /** The regions of the run, by index (this one's own entry included); the first cycle starts. */
  public record Start(List<ActorRef<Command>> regions) implements Command {}

  /**
   * What region {@code region} sends after the window of cycles from {@code cycle}: packets and
   * credits for the receiver, and its counters of each of the window's cycles (see {@link
   * Simulator.Outbox}).
   */
  public record Step(int region, int cycle, int[] packets, long[] seqs, int[] credits, long[] counters)
      implements Command {}

  /** What a region tells the conductor. */
  public sealed interface Reply extends StressConductor.Command permits Ready, Done, Progress, Failed {
    long run();

    int epoch();

    int region();
  }

  /** The region is built and waits for {@link Start}. */
  public record Ready(long run, int epoch, int region, ActorRef<Command> ref) implements Reply {}

  /**
   * The run is over: what this region measured, the cycles run, its wall-clock seconds and the
   * {@link Step}s it sent (one per other region and window).
   */
  public record Done(long run, int epoch, int region, Tally tally, int cycles, double wallSeconds, long steps)
      implements Reply {}

  /**
   * The region's totals at cycle {@code cycle}, sent every {@link fivepp.stress.TrafficMeter#EVERY}
   * cycles and at the end when the run is watched live (see {@link Simulator#totals()}).
   */
  public record Progress(long run, int epoch, int region, int cycle, long[] injected, long[] delivered,
      long[] ejectedFlits, long[] channelFlits) implements Reply {}

  /** The region could not be built or run. */
  public record Failed(long run, int epoch, int region, String error) implements Reply {}

  private final long run;
  private final int epoch;
  private final int me;
  private final ActorRef<Reply> conductor;
  private final Simulator sim;
  private final boolean live;
  private List<ActorRef<Command>> regions = List.of();
  /** The first cycle of the window last run, or -1 before the first. */
  private int window = -1;
  private final int length;
  private List<Step> inbox = new ArrayList<>();
  private List<Step> early = new ArrayList<>();
  private long started;
  private long steps;
  private long ahead;

  /**
   * A region that builds its network from {@code spec} and answers {@code conductor}, with its
   * totals as it goes when {@code live}.
   */
  public static Behavior<Command> create(long run, int epoch, StressSpec spec, int[] regionOf, int region,
      ActorRef<Reply> conductor, boolean live) {
    return Behaviors.setup(ctx -> {
      Simulator sim;
      try {
        StressSpec.Built built = spec.build();
        sim = new Simulator(built.routes(), spec.traffic(built), spec.config(), built.faults(), regionOf, region);
        if (live) {
          sim.countTotals();
        } else {
          // live totals are read at the cycle published, so only a region not watched runs ahead
          sim.overlap();
        }
      } catch (RuntimeException e) {
        conductor.tell(new Failed(run, epoch, region, "member " + ctx.getSystem().address().hostPort()
            + " cannot build the network: " + e.getMessage()));
        return Behaviors.stopped();
      }
      conductor.tell(new Ready(run, epoch, region, ctx.getSelf()));
      return new StressRegion(ctx, run, epoch, region, conductor, sim, live);
    });
  }

  private StressRegion(ActorContext<Command> ctx, long run, int epoch, int me, ActorRef<Reply> conductor,
      Simulator sim, boolean live) {
    super(ctx);
    this.live = live;
    this.run = run;
    this.epoch = epoch;
    this.me = me;
    this.conductor = conductor;
    this.sim = sim;
    this.length = sim.lookahead();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, s -> {
          regions = List.copyOf(s.regions());
          started = System.nanoTime();
          return advance();
        })
        .onMessage(Step.class, this::onStep)
        .build();
  }

  private Behavior<Command> onStep(Step s) {
    // before its Start this region runs window 0 next; a region started earlier may have sent it
    // its step of window 0 already, which this one takes after running window 0 itself
    int next = window < 0 ? 0 : window + length;
    if (s.cycle() == window) {
      inbox.add(s);
    } else if (s.cycle() == next) {
      early.add(s); // that region already has this one's step of the current window and ran the next
    } else {
      return fail("region " + s.region() + " sent the window from cycle " + s.cycle() + " while region " + me
          + " is at the window from " + window);
    }
    return regions.isEmpty() ? this : advance();
  }

  /** Runs windows for as long as every other region's step of the last one is in. */
  private Behavior<Command> advance() {
    while (window < 0 || inbox.size() == regions.size() - 1) {
      try {
        for (Step s : inbox) {
          sim.receive(new Simulator.Outbox(s.packets(), s.seqs(), s.credits(), s.cycle(), s.counters()));
        }
      } catch (RuntimeException e) {
        return fail("region " + me + " cannot take a step: " + e.getMessage());
      }
      inbox = early;
      early = new ArrayList<>();
      window = window < 0 ? 0 : window + length;
      for (int cycle = window; cycle < window + length; cycle++) {
        boolean go;
        try {
          go = sim.next(cycle);
        } catch (IllegalStateException deadlock) {
          return fail(deadlock.getMessage());
        }
        if (!go) {
          if (live) {
            progress(cycle);
          }
          getContext().getLog().debug("stress region {} ran {} of its {} cycles with the interior ahead of the steps",
              me, ahead, cycle);
          conductor.tell(new Done(run, epoch, me, sim.tally(), cycle, (System.nanoTime() - started) / 1e9, steps));
          return Behaviors.stopped();
        }
        sim.step(cycle);
        if (live && (cycle & (fivepp.stress.TrafficMeter.EVERY - 1)) == 0) {
          progress(cycle);
        }
      }
      for (int r = 0; r < regions.size(); r++) {
        if (r != me) {
          Simulator.Outbox o = sim.outbox(r);
          regions.get(r).tell(new Step(me, window, o.packets(), o.seqs(), o.credits(), o.counters()));
          o.clear();
          steps++;
        }
      }
      // while the steps travel, the interior runs the next window (nothing in flight reaches it)
      ahead += sim.ahead(window + length, length);
    }
    return this;
  }

  private void progress(int at) {
    long[][] t = sim.totals();
    conductor.tell(new Progress(run, epoch, me, at, t[0], t[1], t[2], t[3]));
  }

  private Behavior<Command> fail(String why) {
    conductor.tell(new Failed(run, epoch, me, why));
    return Behaviors.stopped();
  }
}
