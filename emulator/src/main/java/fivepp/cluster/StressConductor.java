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
 */
final class StressConductor extends AbstractBehavior<StressConductor.Command> {

  interface Command {}

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

  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Member.Info> infoAdapter;
  private final MemberDirectory members = new MemberDirectory();

  // the run under way, if any
  private RunStress current;
  private long run;
  private int epoch;
  private boolean placing;
  private Map<String, int[]> placement = Map.of();
  private List<String> regionMember = List.of();
  private int[] regionOf;
  private List<ActorRef<StressRegion.Command>> refs = new ArrayList<>();
  private Tally[] tallies;
  private StressRegion.Progress[] progress;
  private int cycles;
  private long started;
  private final List<String> incidents = new ArrayList<>();

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

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RunStress.class, this::onRun)
        .onMessage(Listing.class, l -> {
          members.listed(l.listing(), infoAdapter);
          return this;
        })
        .onMessage(GotInfo.class, i -> {
          members.answered(i.info());
          return tryPlace();
        })
        .onMessage(MemberGone.class, this::onGone)
        .onMessage(Timeout.class, this::onTimeout)
        .onMessage(StressRegion.Ready.class, this::onReady)
        .onMessage(StressRegion.Done.class, this::onDone)
        .onMessage(StressRegion.Progress.class, this::onProgress)
        .onMessage(StressRegion.Failed.class, f -> {
          if (isCurrent(f)) {
            finish(null, f.error());
          }
          return this;
        })
        .build();
  }

  private Behavior<Command> onRun(RunStress r) {
    if (current != null) {
      r.done().completeExceptionally(new IllegalStateException("a stress run is under way"));
      return this;
    }
    current = r;
    run = new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
    epoch = 0;
    incidents.clear();
    return place();
  }

  private Behavior<Command> place() {
    placing = true;
    placement = Map.of();
    timers.startSingleTimer(new Timeout(run, epoch), settings.patience());
    return tryPlace();
  }

  /** Places the regions once enough members are up and every member that is up has answered. */
  private Behavior<Command> tryPlace() {
    if (current == null || !placing || !placement.isEmpty()) {
      return this;
    }
    List<Member.Info> live = members.ready(getContext(), epoch == 0 ? settings.membersWanted() : 1);
    if (live == null) {
      return this;
    }
    int n = current.built().fabric().nodes();
    int[] nodes = IntStream.range(0, n).toArray();
    try {
      placement = settings.explicit().isEmpty() ? Segments.cut(nodes, live)
          : Segments.explicit(nodes, live, settings.explicit());
    } catch (IllegalArgumentException e) {
      finish(null, e.getMessage());
      return this;
    }
    regionOf = new int[n];
    List<String> order = new ArrayList<>(placement.keySet());
    for (int r = 0; r < order.size(); r++) {
      for (int v : placement.get(order.get(r))) {
        regionOf[v] = r;
      }
    }
    regionMember = order;
    refs = new ArrayList<>(java.util.Collections.nCopies(order.size(), null));
    tallies = new Tally[order.size()];
    progress = new StressRegion.Progress[order.size()];
    ActorRef<StressRegion.Reply> self = getContext().getSelf().narrow();
    for (int r = 0; r < order.size(); r++) {
      members.get(order.get(r)).member().tell(new Member.SpawnStress(run, epoch, current.spec(), regionOf, r, self,
          current.meter() != null));
    }
    return this;
  }

  private boolean isCurrent(StressRegion.Reply r) {
    return current != null && r.run() == run && r.epoch() == epoch;
  }

  private Behavior<Command> onReady(StressRegion.Ready r) {
    if (!isCurrent(r)) {
      return this;
    }
    refs.set(r.region(), r.ref());
    if (!refs.contains(null)) {
      placing = false;
      timers.cancel(new Timeout(run, epoch));
      started = System.nanoTime();
      StressRegion.Start start = new StressRegion.Start(List.copyOf(refs));
      refs.forEach(a -> a.tell(start));
      settings.events().accept("started on " + refs.size() + " member(s): " + String.join(", ", regionMember));
    }
    return this;
  }

  /** A region's totals: the sums over the regions go to the meter, at the cycle all have reached. */
  private Behavior<Command> onProgress(StressRegion.Progress g) {
    if (!isCurrent(g) || current.meter() == null) {
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
    current.meter().publish(at, inj, del, ej, ch, end);
  }

  private Behavior<Command> onDone(StressRegion.Done d) {
    if (!isCurrent(d)) {
      return this;
    }
    tallies[d.region()] = d.tally();
    cycles = d.cycles();
    if (Arrays.stream(tallies).allMatch(java.util.Objects::nonNull)) {
      double wall = (System.nanoTime() - started) / 1e9;
      StressSpec.Built b = current.built();
      var result = Simulator.result(b.routes(), current.spec().traffic(b), current.spec().config(), b.faults(),
          Tally.sum(Arrays.asList(tallies)), cycles, wall);
      if (current.meter() != null) {
        publish(true);
      }
      Map<String, int[]> where = new LinkedHashMap<>();
      regionMember.forEach(m -> where.put(m, placement.get(m)));
      finish(new ClusterStress.Outcome(result, where, b.routes().channelsBetween(regionOf), List.copyOf(incidents)), null);
    }
    return this;
  }

  private Behavior<Command> onGone(MemberGone g) {
    if (!members.lost(g.address())) {
      return this;
    }
    if (current != null && regionMember.contains(g.address())) {
      incidents.add("member " + g.address() + " " + g.why() + (placing ? " while the regions were placed"
          : String.format(" %.1f s into the run", (System.nanoTime() - started) / 1e9))
          + "; the run started again from cycle 0 on the members that remain");
      settings.events().accept("incident: " + incidents.get(incidents.size() - 1));
      stopRun(epoch + 1);
      epoch++;
      regionMember = List.of();
      timers.cancel(new Timeout(run, epoch - 1));
      return place();
    }
    return tryPlace();
  }

  private Behavior<Command> onTimeout(Timeout t) {
    if (current == null || t.run() != run || t.epoch() != epoch || !placing) {
      return this;
    }
    String have = members.describe();
    finish(null, "waited " + settings.patience().toSeconds() + " s for " + (epoch == 0 ? settings.membersWanted() : 1)
        + " cluster member(s) to host the routers; members found: " + have
        + " (start members with 'fivepp node', or raise --cluster-wait)");
    return this;
  }

  private void stopRun(int belowEpoch) {
    for (Member.Info i : members.all()) {
      i.member().tell(new Member.StopRun(run, belowEpoch));
    }
  }

  private void finish(ClusterStress.Outcome outcome, String error) {
    stopRun(Integer.MAX_VALUE);
    timers.cancel(new Timeout(run, epoch));
    RunStress r = current;
    current = null;
    placing = false;
    placement = Map.of();
    regionMember = List.of();
    if (error != null) {
      r.done().completeExceptionally(new Deployment.Failed(error));
    } else {
      r.done().complete(outcome);
    }
  }
}
