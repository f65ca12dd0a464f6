package fivepp.cluster;

import fivepp.runtime.Deployment;
import fivepp.stress.Simulator;
import fivepp.stress.StressSpec;
import fivepp.stress.Tally;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The coordinator of stress runs whose routers span cluster members: it finds the members, cuts
 * the fabric's nodes into contiguous regions sized to their capacities (or as the user places
 * them), has each member build its region, starts the lockstep, and adds up what the regions
 * measured. Should a member hosting a region become unreachable or leave, the run starts again
 * from cycle 0 on the members that remain: a run is deterministic, so its result is the same.
 *
 * <p>One behavior per phase: this one, idle between runs; {@link Placing} while the regions of a
 * run are placed and built; {@link Running} while they run. Every phase keeps the directory of
 * members up to date.
 */
final class StressConductor extends AbstractBehavior<StressConductor.Command> {

  sealed interface Command permits RunStress, Listing, GotInfo, MemberGone, Timeout, StressRegion.Reply {}

  /**
   * Runs {@code spec} (built here as {@code built}) and completes {@code done}; publishes the
   * regions' totals, added up, to {@code meter} as they come when it is not null.
   */
  record RunStress(StressSpec spec, StressSpec.Built built, fivepp.stress.TrafficMeter meter,
      CompletableFuture<ClusterStress.Outcome> done) implements Command, NoSerializationVerificationNeeded {}

  private record Listing(Receptionist.Listing listing) implements Command, NoSerializationVerificationNeeded {}

  private record GotInfo(Member.Info info) implements Command, NoSerializationVerificationNeeded {}

  private record MemberGone(String address, String why) implements Command, NoSerializationVerificationNeeded {}

  private record Timeout(long run, int epoch) implements Command, NoSerializationVerificationNeeded {}

  /** What the runs ask of the cluster, and who hears of each start and incident. */
  record Settings(int membersWanted, Duration patience, Map<String, int[]> explicit,
      java.util.function.Consumer<String> events) {}

  /**
   * The run under way: what was asked, its number, its epoch (one more after each member lost)
   * and the incidents so far.
   */
  private static final class Run {
    final RunStress request;
    final long id = new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
    int epoch;
    final List<String> incidents = new ArrayList<>();

    Run(RunStress request) {
      this.request = request;
    }

    /** Whether {@code r} comes from a region of this run's current epoch. */
    boolean current(StressRegion.Reply r) {
      return r.run() == id && r.epoch() == epoch;
    }
  }

  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Member.Info> infoAdapter;
  private final MemberDirectory members = new MemberDirectory();

  static Behavior<Command> create(Settings s) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new StressConductor(ctx, t, s)));
  }

  private StressConductor(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings s) {
    super(ctx);
    this.settings = s;
    this.timers = timers;
    this.infoAdapter = ctx.messageAdapter(Member.Info.class, GotInfo::new);
    MemberDirectory.subscribe(ctx, Listing::new, MemberGone::new);
  }

  /** Idle: no run under way. */
  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RunStress.class, this::onRun)
        .onMessage(Listing.class, this::onListing)
        .onMessage(GotInfo.class, this::onInfo)
        .onMessage(MemberGone.class, this::onGone)
        .onMessage(Timeout.class, t -> this) // of a run that is over
        .onMessage(StressRegion.Reply.class, r -> this) // from a region of a run that is over
        .build();
  }

  private Behavior<Command> onRun(RunStress r) {
    return place(new Run(r));
  }

  /** In every phase: members the receptionist lists are asked for their info. */
  private Behavior<Command> onListing(Listing l) {
    members.listed(l.listing(), infoAdapter);
    return Behaviors.same();
  }

  /** Outside placing: a member's info goes into the directory, for the next placement. */
  private Behavior<Command> onInfo(GotInfo i) {
    members.answered(i.info());
    return Behaviors.same();
  }

  private Behavior<Command> onGone(MemberGone g) {
    members.lost(g.address());
    return this;
  }

  /** Another run while one is under way is refused. */
  private static Behavior<Command> busy(RunStress r) {
    r.done().completeExceptionally(new IllegalStateException("a stress run is under way"));
    return Behaviors.same();
  }

  /** Places the regions of {@code run}'s current epoch, once there are members for it. */
  private Behavior<Command> place(Run run) {
    timers.startSingleTimer(new Timeout(run.id, run.epoch), settings.patience());
    return new Placing(getContext(), run).tryPlace();
  }

  /**
   * Member {@code g}, which hosted a region of {@code run}, is gone {@code when}: the run starts
   * again from cycle 0, on the members that remain, as its next epoch.
   */
  private Behavior<Command> restart(Run run, MemberGone g, String when) {
    run.incidents.add("member " + g.address() + " " + g.why() + when
        + "; the run started again from cycle 0 on the members that remain");
    settings.events().accept("incident: " + run.incidents.get(run.incidents.size() - 1));
    stopRun(run, run.epoch + 1);
    run.epoch++;
    timers.cancel(new Timeout(run.id, run.epoch - 1));
    return place(run);
  }

  private void stopRun(Run run, int belowEpoch) {
    for (Member.Info i : members.all()) {
      i.member().tell(new Member.StopRun(run.id, belowEpoch));
    }
  }

  /** The run is over, with {@code outcome} or failed with {@code error}: back to idle. */
  private Behavior<Command> finish(Run run, ClusterStress.Outcome outcome, String error) {
    stopRun(run, Integer.MAX_VALUE);
    timers.cancel(new Timeout(run.id, run.epoch));
    if (error != null) {
      run.request.done().completeExceptionally(new Deployment.Failed(error));
    } else {
      run.request.done().complete(outcome);
    }
    return this;
  }

  /** The regions of a run are placed on members and built; the lockstep starts once all are ready. */
  private final class Placing extends AbstractBehavior<Command> {
    private final Run run;
    /** Member address to its nodes, in region order; empty until the regions are placed. */
    private Map<String, int[]> placement = Map.of();
    private int[] regionOf;
    private List<ActorRef<StressRegion.Command>> refs;
    private List<String> links;

    Placing(ActorContext<Command> ctx, Run run) {
      super(ctx);
      this.run = run;
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder()
          .onMessage(RunStress.class, StressConductor::busy)
          .onMessage(Listing.class, StressConductor.this::onListing)
          .onMessage(GotInfo.class, i -> {
            members.answered(i.info());
            return tryPlace();
          })
          .onMessage(MemberGone.class, this::onGone)
          .onMessage(Timeout.class, this::onTimeout)
          .onMessage(StressRegion.Ready.class, this::onReady)
          .onMessage(StressRegion.Failed.class, f -> run.current(f) ? finish(run, null, f.error()) : this)
          .onMessage(StressRegion.Reply.class, r -> this) // Progress and Done come only after the start
          .build();
    }

    /** Places the regions once enough members are up and every member that is up has answered. */
    Behavior<Command> tryPlace() {
      if (!placement.isEmpty()) {
        return this;
      }
      List<Member.Info> live = members.ready(getContext(), run.epoch == 0 ? settings.membersWanted() : 1);
      if (live == null) {
        return this;
      }
      int n = run.request.built().fabric().nodes();
      int[] nodes = IntStream.range(0, n).toArray();
      try {
        placement = settings.explicit().isEmpty() ? MemberSegments.cut(nodes, live)
            : MemberSegments.explicit(nodes, live, settings.explicit());
      } catch (IllegalArgumentException e) {
        return finish(run, null, e.getMessage());
      }
      regionOf = new int[n];
      List<String> order = new ArrayList<>(placement.keySet());
      for (int r = 0; r < order.size(); r++) {
        for (int v : placement.get(order.get(r))) {
          regionOf[v] = r;
        }
      }
      refs = new ArrayList<>(java.util.Collections.nCopies(order.size(), null));
      links = new ArrayList<>(java.util.Collections.nCopies(order.size(), null));
      ActorRef<StressRegion.Reply> self = getContext().getSelf().narrow();
      for (int r = 0; r < order.size(); r++) {
        members.get(order.get(r)).member().tell(new Member.SpawnStress(run.id, run.epoch, run.request.spec(),
            regionOf, r, self, run.request.meter() != null));
      }
      return this;
    }

    private Behavior<Command> onGone(MemberGone g) {
      if (!members.lost(g.address())) {
        return this;
      }
      if (placement.containsKey(g.address())) {
        return restart(run, g, " while the regions were placed");
      }
      return tryPlace();
    }

    private Behavior<Command> onTimeout(Timeout t) {
      if (t.run() != run.id || t.epoch() != run.epoch) {
        return this;
      }
      return finish(run, null, "waited " + settings.patience().toSeconds() + " s for "
          + (run.epoch == 0 ? settings.membersWanted() : 1)
          + " cluster member(s) to host the routers; members found: " + members.describe()
          + " (start members with 'fivepp node', or raise --cluster-wait)");
    }

    private Behavior<Command> onReady(StressRegion.Ready r) {
      if (!run.current(r)) {
        return this;
      }
      refs.set(r.region(), r.ref());
      links.set(r.region(), r.link());
      if (refs.contains(null)) {
        return this;
      }
      timers.cancel(new Timeout(run.id, run.epoch));
      long started = System.nanoTime();
      StressRegion.Start start = new StressRegion.Start(List.copyOf(links));
      refs.forEach(a -> a.tell(start));
      settings.events().accept("started on " + refs.size() + " member(s): " + String.join(", ", placement.keySet()));
      return new Running(getContext(), run, placement, regionOf, started);
    }
  }

  /** The regions run in lockstep; their totals are added up as they come, their tallies at the end. */
  private final class Running extends AbstractBehavior<Command> {
    private final Run run;
    private final Map<String, int[]> placement;
    private final int[] regionOf;
    private final long started;
    private final Tally[] tallies;
    private final StressRegion.Progress[] progress;
    private long steps;
    /** What the first region that lost a link said, or null. */
    private String lostLink;

    Running(ActorContext<Command> ctx, Run run, Map<String, int[]> placement, int[] regionOf, long started) {
      super(ctx);
      this.run = run;
      this.placement = placement;
      this.regionOf = regionOf;
      this.started = started;
      this.tallies = new Tally[placement.size()];
      this.progress = new StressRegion.Progress[placement.size()];
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder()
          .onMessage(RunStress.class, StressConductor::busy)
          .onMessage(Listing.class, StressConductor.this::onListing)
          .onMessage(GotInfo.class, StressConductor.this::onInfo)
          .onMessage(MemberGone.class, this::onGone)
          .onMessage(Timeout.class, this::onTimeout)
          .onMessage(StressRegion.Progress.class, this::onProgress)
          .onMessage(StressRegion.Done.class, this::onDone)
          .onMessage(StressRegion.Failed.class, this::onFailed)
          .onMessage(StressRegion.Ready.class, r -> this) // every region of this epoch is ready already
          .build();
    }

    private Behavior<Command> onGone(MemberGone g) {
      if (!members.lost(g.address()) || !placement.containsKey(g.address())) {
        return this;
      }
      return restart(run, g, String.format(" %.1f s into the run", (System.nanoTime() - started) / 1e9));
    }

    /**
     * A region failed. One that lost a link to another region most likely lost it because that
     * region's member went: the run waits for the cluster to say so (then it starts again on the
     * members that remain) and fails only when no member has gone within the patience.
     */
    private Behavior<Command> onFailed(StressRegion.Failed f) {
      if (!run.current(f)) {
        return this;
      }
      if (!f.linkLost()) {
        return finish(run, null, f.error());
      }
      if (lostLink == null) {
        lostLink = f.error();
        timers.startSingleTimer(new Timeout(run.id, run.epoch), settings.patience());
      }
      return this;
    }

    private Behavior<Command> onTimeout(Timeout t) {
      if (t.run() != run.id || t.epoch() != run.epoch || lostLink == null) {
        return this; // of a placement that is over
      }
      return finish(run, null, lostLink + "; no member left the cluster within "
          + settings.patience().toSeconds() + " s");
    }

    /** A region's totals: the sums over the regions go to the meter, at the cycle all have reached. */
    private Behavior<Command> onProgress(StressRegion.Progress g) {
      if (!run.current(g) || run.request.meter() == null) {
        return this;
      }
      progress[g.region()] = g;
      publish(false);
      return this;
    }

    private void publish(boolean end) {
      if (Arrays.stream(progress).anyMatch(java.util.Objects::isNull)) {
        return;
      }
      StressRegion.Progress first = progress[0];
      long[] inj = new long[first.injected().length];
      long[] del = new long[inj.length];
      long[] ej = new long[inj.length];
      long[] ch = new long[first.channelFlits().length];
      int at = Integer.MAX_VALUE;
      for (StressRegion.Progress g : progress) {
        Simulator.Counter.add(inj, g.injected());
        Simulator.Counter.add(del, g.delivered());
        Simulator.Counter.add(ej, g.ejectedFlits());
        Simulator.Counter.add(ch, g.channelFlits());
        at = Math.min(at, g.cycle());
      }
      run.request.meter().publish(at, inj, del, ej, ch, end);
    }

    private Behavior<Command> onDone(StressRegion.Done d) {
      if (!run.current(d)) {
        return this;
      }
      tallies[d.region()] = d.tally();
      steps += d.steps();
      if (!Arrays.stream(tallies).allMatch(java.util.Objects::nonNull)) {
        return this;
      }
      double wall = (System.nanoTime() - started) / 1e9;
      StressSpec.Built b = run.request.built();
      var result = Simulator.result(b.routes(), run.request.spec().traffic(b), run.request.spec().config(), b.faults(),
          Tally.sum(Arrays.asList(tallies)), d.cycles(), wall);
      if (run.request.meter() != null) {
        publish(true);
      }
      return finish(run, new ClusterStress.Outcome(result, new LinkedHashMap<>(placement),
          b.routes().channelsBetween(regionOf), List.copyOf(run.incidents), run.request.spec().config().lookahead(),
          steps), null);
    }
  }
}
