package fivepp.cluster;

import fivepp.runtime.Coordinator;
import fivepp.runtime.CoreActor;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The coordinator's hand on the cluster: it finds the members through the receptionist, cuts the
 * fabric placement into contiguous segments balanced by work ({@link WorkPlacement}), has each
 * member spawn its segment, and tells the coordinator when a member hosting part of the array becomes unreachable
 * or leaves, so that the array is rebuilt on the members that remain.
 */
final class MemberDeployer extends AbstractBehavior<MemberDeployer.Command> {

  sealed interface Command extends NoSerializationVerificationNeeded
      permits Deploy, Listing, GotInfo, GotSpawned, MemberGone, Timeout, Poll, GotLive {}

  record Deploy(int epoch, int[] vertices) implements Command {}

  private record Listing(Receptionist.Listing listing) implements Command {}

  private record GotInfo(Member.Info info) implements Command {}

  private record GotSpawned(Member.Spawned spawned) implements Command {}

  private record MemberGone(String address, String why) implements Command {}

  private record Timeout(int epoch) implements Command {}

  /** What a cluster run asks for: the array ({@code recipe}, priced by {@code costs}). */
  record Settings(long run, ArrayRecipe recipe, VertexCosts costs, int membersWanted, Duration patience,
      Map<String, int[]> explicit, fivepp.runtime.LiveStats live) {}

  private record Poll() implements Command {}

  private record GotLive(Member.LiveCounters counters) implements Command {}

  private final ActorRef<Coordinator.Command> coordinator;
  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Member.Info> infoAdapter;
  private final ActorRef<Member.Spawned> spawnedAdapter;
  private final ActorRef<Member.LiveCounters> liveAdapter;
  private final MemberDirectory members = new MemberDirectory();
  private Deploy pending;
  private Map<String, int[]> assignment = Map.of();
  private List<Member.Info> placedOn = List.of();
  private final Map<Integer, ActorRef<CoreActor.Command>> actors = new HashMap<>();
  private final Map<Integer, String> memberOf = new HashMap<>();
  private int replies;
  private int deployed = -1;

  static Behavior<Command> create(ActorRef<Coordinator.Command> coordinator, Settings s) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new MemberDeployer(ctx, t, coordinator, s)));
  }

  private MemberDeployer(ActorContext<Command> ctx, TimerScheduler<Command> timers,
      ActorRef<Coordinator.Command> coordinator, Settings s) {
    super(ctx);
    this.coordinator = coordinator;
    this.settings = s;
    this.timers = timers;
    this.infoAdapter = ctx.messageAdapter(Member.Info.class, GotInfo::new);
    this.spawnedAdapter = ctx.messageAdapter(Member.Spawned.class, GotSpawned::new);
    this.liveAdapter = ctx.messageAdapter(Member.LiveCounters.class, GotLive::new);
    if (s.live() != null) {
      timers.startTimerAtFixedRate(new Poll(), Duration.ofSeconds(1));
    }
    MemberDirectory.subscribe(ctx, Listing::new, MemberGone::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Deploy.class, this::onDeploy)
        .onMessage(Listing.class, this::onListing)
        .onMessage(GotInfo.class, i -> {
          members.answered(i.info());
          return tryDeploy();
        })
        .onMessage(GotSpawned.class, this::onSpawned)
        .onMessage(MemberGone.class, this::onGone)
        .onMessage(Timeout.class, this::onTimeout)
        .onMessage(Poll.class, p -> {
          if (deployed >= 0 && pending == null) {
            for (String m : assignment.keySet()) {
              members.get(m).member().tell(new Member.GetLive(settings.run(), liveAdapter));
            }
          }
          return this;
        })
        .onMessage(GotLive.class, this::onLive)
        .onSignal(PostStop.class, p -> onStop())
        .build();
  }

  private Behavior<Command> onListing(Listing l) {
    members.listed(l.listing(), infoAdapter);
    return this;
  }

  /**
   * The run is over (the coordinator stopped this deployer, or stopped itself): every member ever
   * listed stops what it hosts of the run.
   */
  private Behavior<Command> onStop() {
    for (ActorRef<Member.Command> m : members.listedMembers()) {
      m.tell(new Member.StopRun(settings.run(), Integer.MAX_VALUE));
    }
    return this;
  }

  private Behavior<Command> onDeploy(Deploy d) {
    pending = d;
    if (d.epoch() > 0) {
      stopOlderThan(d.epoch());
    }
    timers.startSingleTimer(new Timeout(d.epoch()), settings.patience());
    return tryDeploy();
  }

  /** Spawns the pending array once the members that are up have all answered. */
  private Behavior<Command> tryDeploy() {
    if (pending == null || !assignment.isEmpty()) {
      return this;
    }
    List<Member.Info> live = members.ready(getContext(), pending.epoch() == 0 ? settings.membersWanted() : 1);
    if (live == null) {
      return this;
    }
    Map<String, int[]> plan;
    try {
      plan = settings.explicit().isEmpty() ? WorkPlacement.cut(settings.costs(), pending.vertices(), live)
          : MemberSegments.explicit(pending.vertices(), live, settings.explicit());
    } catch (IllegalArgumentException e) {
      pending = null;
      coordinator.tell(new Coordinator.DeployFailed(e.getMessage()));
      return Behaviors.same();
    }
    assignment = plan;
    placedOn = live;
    actors.clear();
    memberOf.clear();
    replies = 0;
    for (Map.Entry<String, int[]> e : plan.entrySet()) {
      members.get(e.getKey()).member().tell(new Member.Spawn(settings.run(), pending.epoch(), settings.recipe(),
          e.getValue(), spawnedAdapter, coordinator));
    }
    return this;
  }

  private Behavior<Command> onSpawned(GotSpawned g) {
    Member.Spawned s = g.spawned();
    if (pending == null || s.epoch() != pending.epoch() || !assignment.containsKey(s.address())) {
      return this;
    }
    if (!s.error().isEmpty()) {
      pending = null;
      coordinator.tell(new Coordinator.DeployFailed(s.error()));
      return Behaviors.same();
    }
    actors.putAll(s.actors());
    s.actors().keySet().forEach(v -> memberOf.put(v, s.address()));
    getContext().getLog().info("member {} runs {} vertices of array {}; its heap holds {} MiB once they are built",
        s.address(), s.actors().size(), s.epoch(), s.heapUsedBytes() >> 20);
    if (++replies == assignment.size()) {
      deployed = pending.epoch();
      timers.cancel(new Timeout(deployed));
      coordinator.tell(new Coordinator.Deployed(deployed, Map.copyOf(actors), Map.copyOf(memberOf),
          WorkPlacement.shares(settings.costs(), assignment, placedOn)));
      pending = null;
    }
    return this;
  }

  /** A member's live counters, copied into the coordinator's for the monitor. */
  private Behavior<Command> onLive(GotLive g) {
    Member.LiveCounters c = g.counters();
    fivepp.runtime.LiveStats live = settings.live();
    live.heard(c.address());
    for (int i = 0; i < c.vertex().length; i++) {
      int v = c.vertex()[i];
      if (c.address().equals(memberOf.get(v))) {
        live.vertex(v, c.core()[i]).mirror(c.address(), c.mvms()[i], c.busyNanos()[i], c.virtualTime()[i],
            c.messagesIn()[i], c.messagesOut()[i]);
      }
    }
    for (int i = 0; i < c.channelFrom().length; i++) {
      int v = c.channelFrom()[i];
      if (c.address().equals(memberOf.get(v))) {
        live.vertex(v, -1).mirrorChannel(c.channelTo()[i], c.channelBits()[i], c.channelMessages()[i]);
      }
    }
    Map<Integer, Map<String, Long>> envelopes = new HashMap<>();
    for (int i = 0; i < c.envelopeFrom().length; i++) {
      envelopes.computeIfAbsent(c.envelopeFrom()[i], v -> new HashMap<>()).put(c.envelopeTo()[i], c.envelopes()[i]);
    }
    for (int i = 0; i < c.vertex().length; i++) {
      int v = c.vertex()[i];
      if (c.address().equals(memberOf.get(v))) {
        live.vertex(v, c.core()[i]).publishEnvelopes(c.flushes()[i], envelopes.getOrDefault(v, Map.of()));
      }
    }
    return this;
  }

  private Behavior<Command> onGone(MemberGone g) {
    if (!members.lost(g.address())) {
      return this;
    }
    if (settings.live() != null) {
      settings.live().lost(g.address(), g.why());
    }
    if (assignment.containsKey(g.address())) {
      int epoch = pending != null ? pending.epoch() : deployed;
      assignment = Map.of();
      pending = null;
      coordinator.tell(new Coordinator.Lost(epoch, "member " + g.address() + " " + g.why()
          + " (it ran array " + epoch + ")"));
    }
    return tryDeploy();
  }

  private Behavior<Command> onTimeout(Timeout t) {
    if (pending == null || pending.epoch() != t.epoch()) {
      return this;
    }
    String have = members.describe();
    coordinator.tell(new Coordinator.DeployFailed("waited " + settings.patience().toSeconds() + " s for "
        + (t.epoch() == 0 ? settings.membersWanted() : 1) + " cluster member(s) hosting cores; members found: "
        + have + " (start members with 'fivepp node', or raise --cluster-wait)"));
    return Behaviors.same();
  }

  private void stopOlderThan(int epoch) {
    for (Member.Info i : members.all()) {
      i.member().tell(new Member.StopRun(settings.run(), epoch));
    }
    if (epoch > 0) {
      assignment = Map.of();
    }
  }
}
