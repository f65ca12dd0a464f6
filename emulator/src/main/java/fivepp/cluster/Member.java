package fivepp.cluster;

import fivepp.runtime.Coordinator;
import fivepp.runtime.CoreActor;
import fivepp.runtime.CorePlan;
import fivepp.runtime.LiveStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The host actor of one cluster member: registered with the receptionist, it spawns the core
 * actors a coordinator places on it (under one {@link ArrayShare} per array), rebuilding from the
 * model the weights of those cores and no other, or the region of
 * routers a stress run places on it, and stops them when the run ends, when their array is
 * replaced, or when the coordinator is gone.
 */
public final class Member extends AbstractBehavior<Member.Command> {

  /** Under this key every member registers with the receptionist. */
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "fivepp-member");

  public sealed interface Command {}

  /** Asks for this member's address, capacity, processors and heap. */
  public record GetInfo(ActorRef<Info> replyTo) implements Command {}

  /**
   * A member's address, how many fabric vertices (cores and routers) it hosts at most, its JVM's
   * processors ({@code Runtime.availableProcessors()}, 0 when not told) and maximum heap in bytes
   * ({@code Runtime.maxMemory()}, 0 when not told): what {@link WorkPlacement} sizes its share by.
   */
  public record Info(String address, int capacity, int processors, long maxHeapBytes, ActorRef<Command> member) {}

  /** Spawns the actors of {@code vertices} for array {@code epoch} of run {@code run}. */
  public record Spawn(long run, int epoch, ArrayRecipe recipe, int[] vertices, ActorRef<Spawned> replyTo,
      ActorRef<Coordinator.Command> coordinator) implements Command {}

  /**
   * The actors spawned, by vertex, or why none were; {@code heapUsedBytes} is the member's heap in
   * use once it built its share of the array (garbage included).
   */
  public record Spawned(long run, int epoch, String address, Map<Integer, ActorRef<CoreActor.Command>> actors,
      String error, long heapUsedBytes) {}

  /** Asks for the live counters of the vertices this member runs for run {@code run}. */
  public record GetLive(long run, ActorRef<LiveCounters> replyTo) implements Command {}

  /**
   * The counters of one member's vertices for a run, column by column: per vertex its core (-1
   * for a router), MVMs, busy nanoseconds, virtual time and messages in and out; per channel
   * leaving them its ends, bits and messages; per vertex its flushes, and per (vertex, other
   * member) the envelopes it sent there; the member's heap in use and its long-lived heap's peak
   * (see {@link #heapPeakBytes}).
   */
  public record LiveCounters(String address, long run, int[] vertex, int[] core, long[] mvms, long[] busyNanos,
      double[] virtualTime, long[] messagesIn, long[] messagesOut, int[] channelFrom, int[] channelTo,
      long[] channelBits, long[] channelMessages, long[] flushes, int[] envelopeFrom, String[] envelopeTo,
      long[] envelopes, long heapUsedBytes, long heapPeakBytes) {}

  /**
   * Spawns region {@code region} of a stress run: the routers {@code v} with {@code regionOf[v] ==
   * region}, rebuilt from {@code spec}; the region answers {@code replyTo}, with its totals every
   * 1,024 cycles when {@code live}.
   */
  public record SpawnStress(long run, int epoch, fivepp.stress.StressSpec spec, int[] regionOf, int region,
      ActorRef<StressRegion.Reply> replyTo, boolean live) implements Command {}

  /** Stops the actors of run {@code run} whose array is older than {@code belowEpoch}. */
  public record StopRun(long run, int belowEpoch) implements Command {}

  /**
   * A run began on this member: its counters, the array as rebuilt here and where its cores sit,
   * for whoever watches the member live (the node's monitor).
   */
  public record Hosting(long run, LiveStats live, ArrayRecipe recipe, ArrayRecipe.Built built) {}

  private record CoordinatorGone(ActorRef<?> coordinator)
      implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  private record Hosted(int epoch, ActorRef<?> actor, int vertices) {}

  private final int capacity;
  private final String address;
  private final Map<Long, List<Hosted>> runs = new HashMap<>();
  /** The runs of every coordinator watched. */
  private final Map<ActorRef<?>, java.util.Set<Long>> coordinators = new HashMap<>();
  private final Map<Long, LiveStats> live = new HashMap<>();
  /** The last share built (recipe and vertices), kept for a run that asks for the same again. */
  private String lastShare;
  private ArrayRecipe.Built lastBuilt;

  public static Behavior<Command> create(int capacity) {
    return create(capacity, h -> { });
  }

  /** A member that tells {@code onRun} of every run it begins to host. */
  public static Behavior<Command> create(int capacity, java.util.function.Consumer<Hosting> onRun) {
    return Behaviors.setup(ctx -> new Member(ctx, capacity, onRun));
  }

  private final java.util.function.Consumer<Hosting> onRun;

  private Member(ActorContext<Command> ctx, int capacity, java.util.function.Consumer<Hosting> onRun) {
    super(ctx);
    this.capacity = capacity;
    this.onRun = onRun;
    this.address = ctx.getSystem().address().hostPort();
    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(GetInfo.class, g -> {
          Runtime rt = Runtime.getRuntime();
          g.replyTo().tell(new Info(address, capacity, rt.availableProcessors(), rt.maxMemory(), getContext().getSelf()));
          return this;
        })
        .onMessage(Spawn.class, this::onSpawn)
        .onMessage(SpawnStress.class, this::onSpawnStress)
        .onMessage(GetLive.class, this::onGetLive)
        .onMessage(StopRun.class, s -> {
          stop(s.run(), s.belowEpoch());
          return this;
        })
        .onMessage(CoordinatorGone.class, g -> {
          java.util.Set<Long> theirs = coordinators.remove(g.coordinator()); // out of the map before stop() edits sets
          for (long run : theirs == null ? java.util.Set.<Long>of() : theirs) {
            stop(run, Integer.MAX_VALUE);
          }
          return this;
        })
        .build();
  }

  /**
   * Watches the coordinator of a new run, once however many runs it has (a stress sweep has many),
   * so that its runs stop when it is gone; returns the run's empty list of actors.
   */
  private List<Hosted> watch(ActorRef<?> coordinator, long run) {
    coordinators.computeIfAbsent(coordinator, c -> {
      getContext().watchWith(c, new CoordinatorGone(c));
      return new java.util.HashSet<>();
    }).add(run);
    return new ArrayList<>();
  }

  /** Why this member cannot take {@code more} vertices, or null when it can. */
  private String full(int more) {
    int hosted = runs.values().stream().flatMap(List::stream).mapToInt(Hosted::vertices).sum();
    return hosted + more <= capacity ? null
        : "member " + address + " hosts " + hosted + " of its " + capacity + " vertices and cannot take " + more + " more";
  }

  private Behavior<Command> onSpawnStress(SpawnStress s) {
    int n = (int) java.util.Arrays.stream(s.regionOf()).filter(r -> r == s.region()).count();
    String full = full(n);
    if (full != null) {
      s.replyTo().tell(new StressRegion.Failed(s.run(), s.epoch(), s.region(), full));
      return this;
    }
    ActorRef<StressRegion.Command> a = getContext().spawn(
        StressRegion.create(s.run(), s.epoch(), s.spec(), s.regionOf(), s.region(), s.replyTo(), s.live()),
        "stress" + s.run() + "-e" + s.epoch() + "-region-" + s.region());
    runs.computeIfAbsent(s.run(), r -> watch(s.replyTo(), r)).add(new Hosted(s.epoch(), a, n));
    return this;
  }

  private Behavior<Command> onSpawn(Spawn s) {
    String full = full(s.vertices().length);
    if (full != null) {
      s.replyTo().tell(new Spawned(s.run(), s.epoch(), address, Map.of(), full, 0));
      return this;
    }
    if (!runs.containsKey(s.run())) {
      fivepp.runtime.Heap.resetPeak();
    }
    ArrayRecipe.Built built;
    try {
      String share = s.recipe() + "|" + java.util.Arrays.toString(s.vertices());
      if (!share.equals(lastShare)) {
        lastBuilt = null; // the previous share's weights may go before these are drawn
        lastShare = null;
        lastBuilt = s.recipe().build(s.vertices());
        lastShare = share;
      }
      built = lastBuilt;
    } catch (Exception e) {
      s.replyTo().tell(new Spawned(s.run(), s.epoch(), address, Map.of(),
          "member " + address + " cannot build the array: " + e.getMessage(), 0));
      return this;
    }
    Map<Integer, CorePlan> byVertex = new HashMap<>();
    for (CorePlan p : built.plans()) {
      byVertex.put(s.recipe().vertexOf()[p.core.id()], p);
    }
    List<Hosted> list = runs.computeIfAbsent(s.run(), r -> watch(s.coordinator(), r));
    LiveStats meters = live.computeIfAbsent(s.run(), r -> {
      LiveStats l = new LiveStats(built.fabric().nodes(), s.recipe().options().tMvmSeconds());
      onRun.accept(new Hosting(r, l, s.recipe(), built));
      return l;
    });
    // the share answers the spawn once its vertices' actors exist
    ActorRef<CoreActor.Command> share = getContext().spawn(
        ArrayShare.create(s, byVertex, meters, address, fivepp.runtime.Heap.usedBytes()), "run" + s.run() + "-e" + s.epoch());
    list.add(new Hosted(s.epoch(), share, s.vertices().length));
    return this;
  }

  private Behavior<Command> onGetLive(GetLive g) {
    g.replyTo().tell(LiveColumns.pack(address, g.run(), live.get(g.run()),
        fivepp.runtime.Heap.usedBytes(), fivepp.runtime.Heap.peakBytes()));
    return this;
  }

  private void stop(long run, int belowEpoch) {
    List<Hosted> list = runs.get(run);
    if (list == null) {
      return;
    }
    list.removeIf(h -> {
      if (h.epoch() < belowEpoch) {
        getContext().stop(h.actor());
        return true;
      }
      return false;
    });
    if (belowEpoch == Integer.MAX_VALUE) {
      runs.remove(run);
      coordinators.values().forEach(rs -> rs.remove(run));
      live.remove(run);
    }
  }
}
