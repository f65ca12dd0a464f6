package fivepp.stress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A cycle-driven simulation of input-queued routers with virtual cut-through switching and
 * credit-based flow control, in virtual time (cycles), written over flat arrays: nothing is
 * allocated per flit, and per packet only when the packet pool doubles.
 *
 * <p><b>Model.</b> Every directed channel moves at most one flit per cycle. Each router input port
 * has {@code vcsPerClass} virtual channels per class (see {@link RouteTable}), each a buffer of
 * {@code bufferFlits} flits holding a FIFO of packets; a packet takes the virtual channel of its
 * class with the most free space. The node's core injects through one unbounded source queue per outgoing
 * channel and ejects from every input port at once, so the core is as wide as its links, like the
 * paper's dedicated channels: only channels and buffers limit the network. Each cycle:
 * <ol>
 *   <li>traffic creates packets at the sources;</li>
 *   <li>each router with waiting packets allocates greedily, starting from a round-robin pointer
 *       over its buffers: the head packet of a buffer, once its head flit has arrived and its input
 *       port is idle, takes its route's next channel when that channel is idle and the downstream
 *       buffer of its class has credits for the whole packet (virtual cut-through); ejection always
 *       succeeds. The input port and the channel are then held for the packet's flits;</li>
 *   <li>every held port sends one flit; the freed buffer slot returns its credit upstream, usable
 *       {@code creditDelay} cycles later (from the next cycle by default).</li>
 * </ol>
 * A head flit sent in cycle t can leave the next router from cycle t + routerDelay + the link's
 * extra delay; a packet's flits follow one per cycle behind it and never stall, since the whole
 * packet's buffer space was reserved.
 *
 * <p><b>Phases.</b> Warm-up, then measurement (packets created in it are measured), then drain:
 * traffic keeps running until every measured packet is delivered or dropped, or the drain limit
 * passes. Then injection stops and the network is flushed, so at the end every packet created has
 * been delivered or dropped: {@code generated == delivered + dropped}, exactly.
 *
 * <p><b>Faults.</b> A failed node sends nothing; a packet for it is dropped at its source, as is a
 * packet with no surviving path. With a drop rate, each link crossing corrupts the packet with that
 * probability; the next router receives it whole, discards it and frees its buffer.
 *
 * <p><b>Regions.</b> A simulator may own only a region of the network (its routers, their input
 * buffers, source queues and the credit counters of the channels leaving them), so that a network
 * can be spread over several simulators, on cluster members. The regions then run in windows of up to
 * L cycles, L = {@link SimulatorSettings#lookahead()} = min(routerDelay, creditDelay): each region
 * runs the window's cycles, hands every region the packets granted onto channels into it, the
 * credits freed on channels out of it and its counters of each cycle ({@link Outbox}), and applies
 * what it receives before the next window. That is exact, not an approximation (conservative
 * parallel simulation with lookahead L), because nothing a router does in cycle t is seen by another
 * router before cycle t + L: a packet granted in cycle t is ready at the next router from
 * t + routerDelay (or later on a slow link), and a freed credit counts from t + creditDelay. So
 * everything sent in a window takes effect at the window's end or later. Random draws come from a
 * stream per source node (traffic) and per router (link corruption), decisions about the phases
 * from the whole network's counters at the end of cycle t - L ({@link #next}), known everywhere at
 * the start of a window, and the region's measurements add up ({@link Tally}); so a run cut into any
 * regions, with any window from 1 to L, gives the same result, bit for bit, as the whole network in
 * one simulator. A region may also run its interior's next window while the others' steps of this
 * one are in flight ({@link #overlap()}, {@link #ahead}).
 */
public final class Simulator {
  private static final int EJECT = -1;
  private static final int COUNTERS = Counter.values().length;
  private static final int DISCARD = -2;
  private static final byte MEASURED = 1;
  private static final byte CORRUPT = 2;

  private final RouteTable net;
  private final Traffic traffic;
  private final SimulatorSettings cfg;
  private final Faults faults;
  private final int classes;
  private final int vpc;
  private final int vcs;
  private final int nChannels;
  private final int pFlits;
  private final int[] hopDelay;
  /** Cycles before a freed credit counts upstream, and the lookahead (see {@link SimulatorSettings#lookahead()}). */
  private final int creditDelay;
  private final int lookahead;
  /**
   * Credits on their way back, by the cycle they count from modulo {@link #ring} (the credit delay,
   * or the credit delay plus the lookahead when the region runs ahead); null while every credit
   * counts at once (a credit delay of 1, no running ahead). With {@link #overlap()} each part has its
   * own, and these are the part's running.
   */
  private int[][] owed;
  private int[] nOwed;
  private int ring;
  /**
   * The whole network's counters at the end of each of the last cycles, by cycle modulo its length:
   * this region's own, plus the other regions' as they arrive ({@link #receive}).
   */
  private final long[][] seen;

  // the region: which region every node is in, this one's index, its nodes
  private final int[] regionOf;
  private final int me;
  private final boolean[] mine;
  private final int[] myRouters;
  /** The routers and sources of the cycle running: the region's, or one part's ({@link #overlap()}). */
  private int[] runRouters;
  private boolean[] runSources;
  /**
   * With {@link #overlap()}: the region's routers in two parts, [0] those no other region hands
   * anything to (interior), [1] the others (boundary), each with the state it runs with (its cycle,
   * active ports, credits owed and counters); null without. The fields below hold the boundary's
   * between calls, the interior's only while it runs.
   */
  private Part[] parts;
  private byte[] partOf;
  private Part running;
  /** The interior's counters at the end of each of its last cycles, and whether it created traffic in them. */
  private long[][] interiorSeen;
  private boolean[] interiorGenerating;
  private final Outbox[] outboxes;

  // buffers: network buffer ch * vcs + cls * vpc + j, then one source queue per channel
  private final int nNetBufs;
  private final int[] bufHead;
  private final int[] bufTail;
  private final int[] credits;
  private final int[] bufPort;
  private final int[] routerBufStart;
  private final int[] routerBufs;
  private final int[] rr;
  private final int[] pending;

  // ports: input port of channel ch is ch, source queue of channel ch is nChannels + ch
  private final int[] portFreeAt;
  private final int[] portPacket;
  private final int[] portRem;
  private final int[] portOut;
  private final int[] portBuf;
  private int[] active;
  private int nActive;
  private final int[] outFreeAt;

  // packets, in slots reused once a packet is done or has left the region
  private int[] pSrc = new int[1024];
  private int[] pDst = new int[1024];
  private int[] pCreated = new int[1024];
  private int[] pInjected = new int[1024];
  private int[] pReady = new int[1024];
  private int[] pNext = new int[1024];
  private int[] pHop = new int[1024];
  /** With computed routes: the channel the packet takes next from where it waits, or -1 until asked. */
  private int[] pOut = new int[1024];
  private int[] pCorruptCh = new int[1024];
  private byte[] pFlags = new byte[1024];
  private long[] pSeq = new long[1024];
  private int nSlots;
  private int[] freeSlots = new int[1024];
  private int nFree;
  private final long[] seqOf;

  // statistics
  private final long[] offeredFlits;
  private final long[] acceptedFlits;
  private final long[] lostFlits;
  private final long[] chBusy;
  private int[] latencies = new int[1024];
  private long sumNetLatency;
  private long sumHops;
  private long sumZeroLoad;
  private int nLatencies;
  private long generated;
  private long delivered;
  /** Whole-run totals for a live monitor: packets injected and delivered and flits ejected per node, flits per channel. */
  private TrafficMeter meter;
  private long[] totInjected;
  private long[] totDelivered;
  private long[] totEjected;
  private long[] totChannel;
  private long measured;
  private long measuredDone;
  private long flitHops;
  private final List<StressResult.Drop> drops = new ArrayList<>();
  private long outstanding;

  private final SplittableRandom[] rng;
  private final SplittableRandom[] dropRng;
  private final Traffic.PacketSink sink = this::create;
  private final Clock clock;
  private int now;

  /** A simulator of the whole network. */
  public Simulator(RouteTable net, Traffic traffic, SimulatorSettings cfg, Faults faults) {
    this(net, traffic, cfg, faults, new int[net.nodes], 0);
  }

  /**
   * A simulator of one region of the network: the nodes {@code v} with {@code regionOf[v] == me}.
   * Regions are numbered from 0, and the regions run in windows of cycles, in step with each other
   * (see the class comment).
   */
  public Simulator(RouteTable net, Traffic traffic, SimulatorSettings cfg, Faults faults, int[] regionOf, int me) {
    this.net = net;
    this.traffic = traffic;
    this.cfg = cfg;
    this.faults = faults;
    this.classes = net.classes;
    this.vpc = cfg.vcsPerClass();
    this.vcs = classes * vpc;
    this.nChannels = net.channels;
    this.pFlits = cfg.packetFlits();
    int n = net.nodes;
    if (regionOf.length != n) {
      throw new IllegalArgumentException("regions for " + regionOf.length + " nodes, the network has " + n);
    }
    this.regionOf = regionOf.clone();
    this.me = me;
    mine = new boolean[n];
    int regions = 0;
    for (int v = 0; v < n; v++) {
      mine[v] = regionOf[v] == me;
      regions = Math.max(regions, regionOf[v] + 1);
    }
    myRouters = java.util.stream.IntStream.range(0, n).filter(v -> mine[v]).toArray();
    runRouters = myRouters;
    runSources = mine;
    outboxes = new Outbox[regions];
    for (int r = 0; r < regions; r++) {
      outboxes[r] = r == me ? null : new Outbox();
    }
    creditDelay = cfg.creditDelay();
    lookahead = cfg.lookahead();
    ring = creditDelay;
    owed = creditDelay > 1 ? new int[ring][] : null;
    nOwed = creditDelay > 1 ? new int[ring] : null;
    seen = new long[2 * lookahead][COUNTERS];
    hopDelay = new int[nChannels];
    for (int c = 0; c < nChannels; c++) {
      hopDelay[c] = cfg.routerDelay() + net.chExtraDelay[c];
    }
    nNetBufs = nChannels * vcs;
    int nBufs = nNetBufs + nChannels;
    bufHead = new int[nBufs];
    bufTail = new int[nBufs];
    Arrays.fill(bufHead, -1);
    Arrays.fill(bufTail, -1);
    credits = new int[nNetBufs];
    Arrays.fill(credits, cfg.bufferFlits());
    bufPort = new int[nBufs];
    for (int b = 0; b < nBufs; b++) {
      bufPort[b] = b < nNetBufs ? b / vcs : nChannels + (b - nNetBufs);
    }
    routerBufStart = new int[n + 1];
    for (int c = 0; c < nChannels; c++) {
      routerBufStart[net.chDst[c] + 1] += vcs;
      routerBufStart[net.chSrc[c] + 1] += 1;
    }
    for (int v = 0; v < n; v++) {
      routerBufStart[v + 1] += routerBufStart[v];
    }
    routerBufs = new int[nBufs];
    int[] fill = Arrays.copyOf(routerBufStart, n);
    for (int c = 0; c < nChannels; c++) {
      for (int k = 0; k < vcs; k++) {
        routerBufs[fill[net.chDst[c]]++] = c * vcs + k;
      }
      routerBufs[fill[net.chSrc[c]]++] = nNetBufs + c;
    }
    rr = new int[n];
    pending = new int[n];
    portFreeAt = new int[2 * nChannels];
    portPacket = new int[2 * nChannels];
    portRem = new int[2 * nChannels];
    portOut = new int[2 * nChannels];
    portBuf = new int[2 * nChannels];
    active = new int[2 * nChannels];
    outFreeAt = new int[nChannels];
    offeredFlits = new long[n];
    acceptedFlits = new long[n];
    lostFlits = new long[n];
    chBusy = new long[nChannels];
    seqOf = new long[n];
    rng = streams(new SplittableRandom(cfg.seed()), n);
    dropRng = streams(new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + 7), n);
    clock = new Clock(cfg, 10_000 + 4L * cfg.bufferFlits() * n + (creditDelay - 1), lookahead);
  }

  /** One random stream per node, split from {@code root} in node order: the same in every region. */
  private static SplittableRandom[] streams(SplittableRandom root, int n) {
    SplittableRandom[] out = new SplittableRandom[n];
    for (int v = 0; v < n; v++) {
      out[v] = root.split();
    }
    return out;
  }

  /** Builds the network for a fabric and its faults, then runs. */
  public static StressResult run(fivepp.fabric.Fabric fabric, java.util.function.Function<RouteTable, Traffic> traffic,
      SimulatorSettings cfg, Faults faults) {
    RouteTable net = new RouteTable(fabric, faults);
    return new Simulator(net, traffic.apply(net), cfg, faults).run();
  }

  /** Publishes this run's counters to {@code m} while it runs (call before {@link #run()}). */
  public Simulator watch(TrafficMeter m) {
    meter = m;
    return countTotals();
  }

  /**
   * Keeps the whole-run totals a live monitor shows ({@link #totals()}): per node the packets
   * injected and delivered and the flits ejected, per channel the flits carried. A region counts
   * those of its own nodes and of the channels leaving them, so the regions' totals add up.
   */
  public Simulator countTotals() {
    totInjected = new long[net.nodes];
    totDelivered = new long[net.nodes];
    totEjected = new long[net.nodes];
    totChannel = new long[nChannels];
    return this;
  }

  /** Copies of the totals ({@link #countTotals()}): injected, delivered, ejected flits, channel flits. */
  public long[][] totals() {
    return new long[][] {totInjected.clone(), totDelivered.clone(), totEjected.clone(), totChannel.clone()};
  }

  /** Runs warm-up, measurement, drain and flush of the whole network, and returns the measurements. */
  public StressResult run() {
    if (outboxes.length != 1) {
      throw new IllegalStateException("a region of " + outboxes.length + " runs in lockstep with the others");
    }
    long start = System.nanoTime();
    int cycle = 0;
    while (next(cycle)) {
      step(cycle++);
    }
    double wall = (System.nanoTime() - start) / 1e9;
    if (meter != null) {
      meter.publish(cycle, totInjected, totDelivered, totEjected, totChannel, true);
    }
    return result(net, traffic, cfg, faults, Tally.sum(List.of(tally())), cycle, wall);
  }

  /**
   * Runs a network cut into regions in this thread, as cluster members do over the wire: each region
   * runs a window of {@link SimulatorSettings#lookahead()} cycles, then the regions exchange what
   * crossed between them in the window. The result equals {@link #run()}'s on the whole network.
   *
   * @param traffic a traffic per region (a periodic source keeps state)
   */
  public static StressResult runRegions(RouteTable net, java.util.function.Supplier<Traffic> traffic,
      SimulatorSettings cfg, Faults faults, int[] regionOf) {
    return runRegions(net, traffic, cfg, faults, regionOf, cfg.lookahead(), 0, Ahead.NO);
  }

  /** How {@link #runRegions} lets regions run ahead of the steps in flight ({@link #overlap()}). */
  enum Ahead {
    /** Each region runs a window once it has the others' steps of the one before. */
    NO,
    /** Each region runs its interior's next window before the others' steps of this one arrive. */
    INTERIOR,
    /** A test's deliberate error: every router of a region runs ahead, those next to other regions too. */
    EVERY_ROUTER
  }

  /**
   * {@link #runRegions(RouteTable, java.util.function.Supplier, SimulatorSettings, Faults, int[])} with
   * windows of {@code window} cycles (1 to the lookahead), and, to show that a test catches it, what
   * a region receives taking effect {@code early} cycles sooner than it may (0 in every real run),
   * each region running ahead as {@code ahead} says: between its window and what the others sent in
   * theirs, as a member does while its steps travel.
   */
  static StressResult runRegions(RouteTable net, java.util.function.Supplier<Traffic> traffic,
      SimulatorSettings cfg, Faults faults, int[] regionOf, int window, int early, Ahead ahead) {
    if (window < 1 || window > cfg.lookahead()) {
      throw new IllegalArgumentException("a window of " + window + " cycles: give 1 to the lookahead, "
          + cfg.lookahead());
    }
    int k = Arrays.stream(regionOf).max().orElse(0) + 1;
    Simulator[] rs = new Simulator[k];
    for (int r = 0; r < k; r++) {
      rs[r] = new Simulator(net, traffic.get(), cfg, faults, regionOf, r);
      if (ahead != Ahead.NO) {
        rs[r].overlap(ahead == Ahead.EVERY_ROUTER);
      }
    }
    long start = System.nanoTime();
    int end;
    Outbox[][] sent = new Outbox[k][k];
    for (int cycle = 0; (end = runWindow(rs, cycle, window)) < 0; cycle += window) {
      // as members do: each region sends its steps, runs ahead while they travel, then takes the others'
      for (Simulator from : rs) {
        for (int to = 0; to < k; to++) {
          if (to != from.me) {
            Outbox o = from.outbox(to);
            sent[from.me][to] = new Outbox(o.packets(), o.seqs(), o.credits(), o.firstCycle(), o.counters());
            o.clear();
          }
        }
      }
      for (Simulator r : rs) {
        r.ahead(cycle + window, window);
      }
      for (Simulator from : rs) {
        for (int to = 0; to < k; to++) {
          if (to != from.me) {
            rs[to].receive(sent[from.me][to], early);
          }
        }
      }
    }
    double wall = (System.nanoTime() - start) / 1e9;
    List<Tally> parts = Arrays.stream(rs).map(Simulator::tally).toList();
    return result(net, rs[0].traffic, cfg, faults, Tally.sum(parts), end, wall);
  }

  /**
   * Runs cycles {@code from} to {@code from + window - 1} of every region.
   *
   * @return the cycle the run ended at (its count of cycles), or -1 when it goes on
   */
  private static int runWindow(Simulator[] rs, int from, int window) {
    for (int cycle = from; cycle < from + window; cycle++) {
      boolean go = false;
      for (Simulator r : rs) {
        go = r.next(cycle);
      }
      if (!go) {
        return cycle;
      }
      for (Simulator r : rs) {
        r.step(cycle);
      }
    }
    return -1;
  }

  /** The counters whose sums over the regions decide the phases, as a region keeps them for each cycle. */
  public enum Counter {
    MEASURED, MEASURED_DONE, OUTSTANDING, FLIT_HOPS, ACTIVE_PORTS;

    /** Adds {@code b} into {@code a}. */
    public static void add(long[] a, long[] b) {
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i];
      }
    }
  }

  /** This region's counters at the end of the last cycle it ran, indexed by {@link Counter}, into {@code c}. */
  private long[] counters(long[] c) {
    c[0] = measured;
    c[1] = measuredDone;
    c[2] = outstanding;
    c[3] = flitHops;
    c[4] = nActive;
    return c;
  }

  /**
   * Decides whether cycle {@code cycle} runs, and whether traffic is created in it, from the whole
   * network's counters at the end of cycle {@code cycle - lookahead} (the sums of every region's
   * counters; with the default lookahead of 1, the cycle before). Looking that far back, and no
   * nearer, lets regions run a window of up to the lookahead between exchanges and still decide alike.
   *
   * @return false when the run is over: traffic has stopped and no packet is left in the network
   * @throws IllegalStateException when the network stopped moving with packets in it (deadlock)
   */
  public boolean next(int cycle) {
    int at = cycle - lookahead;
    return clock.next(cycle, at < 0 ? NOTHING : seen[at % seen.length]);
  }

  private static final long[] NOTHING = new long[COUNTERS];

  /** Runs one cycle of this region (after {@link #next} said it runs). */
  public void step(int cycle) {
    if (parts != null) {
      int at = cycle % interiorSeen.length;
      if (parts[0].now < cycle) {
        runInterior(cycle, clock.generating);
      } else if (interiorGenerating[at] != clock.generating) {
        throw new IllegalStateException("the interior ran cycle " + cycle + " ahead " + (interiorGenerating[at]
            ? "with" : "without") + " traffic, and the phases say otherwise");
      }
    }
    now = cycle;
    cycle(clock.generating);
    if (meter != null && (now & (TrafficMeter.EVERY - 1)) == 0) {
      meter.publish(now, totInjected, totDelivered, totEjected, totChannel, false);
    }
    long[] c = counters(seen[now % seen.length]);
    if (parts != null) {
      Counter.add(c, interiorSeen[now % interiorSeen.length]);
    }
    for (Outbox o : outboxes) {
      if (o != null) {
        o.counters(now, c);
      }
    }
  }

  /** Cycle {@link #now} of the routers and sources running (the region's, or a part's). */
  private void cycle(boolean generating) {
    if (owed != null) {
      repay();
    }
    if (generating) {
      traffic.generate(now, runSources, rng, sink);
    }
    allocate();
    stream(now >= cfg.warmup() && now < cfg.warmup() + cfg.measure());
  }

  /**
   * Lets this region compute while the other regions' steps travel: its routers are split into the
   * interior, which no other region hands packets or credits to, and the boundary, which it does.
   * After a window, {@link #ahead} runs the interior's next window before the steps of this one
   * arrive; {@link #step} then runs only the boundary. That is exact for the same reason as the
   * windows: every router sees what any other did L cycles later or more, so within a window of at
   * most L cycles the routers do not depend on each other, and the interior of the next window needs
   * only this window's boundary, already run. A no-op for a region alone. Call before the first step.
   */
  public Simulator overlap() {
    return overlap(false);
  }

  /**
   * {@link #overlap()}, with every router in the interior when {@code everyRouter}: to show that a
   * test catches it, routers that other regions hand packets and credits to run ahead of them.
   */
  Simulator overlap(boolean everyRouter) {
    if (outboxes.length == 1 || parts != null) {
      return this;
    }
    if (generated != 0 || flitHops != 0 || nSlots != 0) {
      throw new IllegalStateException("a region overlaps from its first cycle on");
    }
    partOf = new byte[net.nodes];
    for (int c = 0; c < nChannels && !everyRouter; c++) {
      int a = net.chSrc[c];
      int b = net.chDst[c];
      if (mine[a] != mine[b]) {
        partOf[mine[a] ? a : b] = 1;
      }
    }
    // a part's credits may be owed by the other part running up to a window (L cycles) ahead of it
    ring = creditDelay + lookahead;
    parts = new Part[2];
    for (int k = 0; k < 2; k++) {
      int part = k;
      int[] routers = Arrays.stream(myRouters).filter(v -> partOf[v] == part).toArray();
      boolean[] sources = new boolean[net.nodes];
      for (int v : routers) {
        sources[v] = true;
      }
      parts[k] = new Part(routers, sources, new int[2 * nChannels], new int[ring][], new int[ring]);
    }
    interiorSeen = new long[2 * lookahead][COUNTERS];
    interiorGenerating = new boolean[2 * lookahead];
    running = parts[1];
    load(parts[1]);
    return this;
  }

  /**
   * Runs the interior's cycles {@code from} to {@code from + window - 1} ahead of the other regions'
   * steps of the window before them (see {@link #overlap()}), for as long as whether traffic runs
   * in them does not hang on those steps' counters (it does during a drain, until traffic stops).
   * The interior may so run cycles after the run's end: the network is empty then, and they change
   * nothing measured.
   *
   * @return the cycles run ahead (0 without {@link #overlap()})
   */
  public int ahead(int from, int window) {
    int c = from;
    while (parts != null && c < from + window && parts[0].now == c - 1) {
      Boolean generating = clock.generatingWhatever(c);
      if (generating == null) {
        break;
      }
      runInterior(c++, generating);
    }
    return c - from;
  }

  /** Runs cycle {@code cycle} of the interior, then makes the boundary the part running again. */
  private void runInterior(int cycle, boolean generating) {
    if (parts[0].now != cycle - 1) {
      throw new IllegalStateException("the interior is at cycle " + parts[0].now + ", asked to run " + cycle);
    }
    switchTo(parts[0]);
    now = cycle;
    cycle(generating);
    counters(interiorSeen[cycle % interiorSeen.length]);
    interiorGenerating[cycle % interiorSeen.length] = generating;
    switchTo(parts[1]);
  }

  /** One part of a region ({@link #overlap()}): its routers and sources, and the state it runs with. */
  private static final class Part {
    final int[] routers;
    final boolean[] sources;
    final int[] active;
    final int[][] owed;
    final int[] nOwed;
    int now = -1;
    int nActive;
    long measured;
    long measuredDone;
    long outstanding;
    long flitHops;

    Part(int[] routers, boolean[] sources, int[] active, int[][] owed, int[] nOwed) {
      this.routers = routers;
      this.sources = sources;
      this.active = active;
      this.owed = owed;
      this.nOwed = nOwed;
    }
  }

  /** Keeps the running part's state and runs {@code p} from now on. */
  private void switchTo(Part p) {
    Part q = running;
    q.now = now;
    q.nActive = nActive;
    q.measured = measured;
    q.measuredDone = measuredDone;
    q.outstanding = outstanding;
    q.flitHops = flitHops;
    load(p);
  }

  private void load(Part p) {
    running = p;
    runRouters = p.routers;
    runSources = p.sources;
    active = p.active;
    owed = p.owed;
    nOwed = p.nOwed;
    now = p.now;
    nActive = p.nActive;
    measured = p.measured;
    measuredDone = p.measuredDone;
    outstanding = p.outstanding;
    flitHops = p.flitHops;
  }

  /** The regions this one exchanges with run windows of at most this many cycles. */
  public int lookahead() {
    return lookahead;
  }

  /** What this region's cycles since the last exchange send region {@code to}; the caller clears it once sent. */
  public Outbox outbox(int to) {
    return outboxes[to];
  }

  /**
   * Applies what another region sent this one from the cycles it ran since the last exchange, before
   * this region's next cycle: packets, credits, and its counters of those cycles.
   *
   * @throws IllegalStateException when a packet or credit should have counted before the next cycle
   *     (the regions ran further apart than the lookahead)
   */
  public void receive(Outbox in) {
    receive(in, 0);
  }

  /** {@link #receive(Outbox)}, with what arrives counting {@code early} cycles too soon (a test's deliberate error). */
  void receive(Outbox in, int early) {
    int[] f = in.packets;
    for (int i = 0; i < in.nPackets; i++) {
      int o = i * Outbox.FIELDS;
      int ready = f[o + 5];
      if (ready <= now) {
        throw new IllegalStateException("a packet ready at cycle " + ready + " arrived after cycle " + now
            + ": the regions ran further apart than the lookahead, " + lookahead);
      }
      int p = slot();
      pSrc[p] = f[o + 1];
      pDst[p] = f[o + 2];
      pCreated[p] = f[o + 3];
      pInjected[p] = f[o + 4];
      pReady[p] = ready - early;
      pHop[p] = f[o + 6];
      pOut[p] = -1;
      pCorruptCh[p] = f[o + 7];
      pFlags[p] = (byte) f[o + 8];
      pSeq[p] = in.seqs[i];
      enqueue(f[o], p, net.chDst[f[o] / vcs]);
    }
    for (int i = 0; i < in.nCredits; i++) {
      int due = in.credits[2 * i + 1];
      if (due <= now) {
        throw new IllegalStateException("a credit due at cycle " + due + " arrived after cycle " + now
            + ": the regions ran further apart than the lookahead, " + lookahead);
      }
      owe(in.credits[2 * i], Math.max(now + 1, due - early));
    }
    for (int c = 0; c < in.nCycles; c++) {
      long[] g = seen[(in.firstCycle + c) % seen.length];
      for (int k = 0; k < COUNTERS; k++) {
        g[k] += in.counters[c * COUNTERS + k];
      }
    }
  }


  /** A credit of buffer {@code b} that counts from cycle {@code due} (at once with a credit delay of 1). */
  private void owe(int b, int due) {
    if (owed == null) {
      credits[b]++;
      return;
    }
    int[][] o = owed;
    int[] no = nOwed;
    if (parts != null) {
      // the credit counts at the channel's upstream router, in its part
      Part p = parts[partOf[net.chSrc[b / vcs]]];
      o = p.owed;
      no = p.nOwed;
    }
    int s = due % ring;
    if (o[s] == null) {
      o[s] = new int[16];
    } else if (no[s] == o[s].length) {
      o[s] = Arrays.copyOf(o[s], 2 * no[s]);
    }
    o[s][no[s]++] = b;
  }

  /** The credits that count from this cycle on. */
  private void repay() {
    int s = now % ring;
    for (int i = 0; i < nOwed[s]; i++) {
      credits[owed[s][i]]++;
    }
    nOwed[s] = 0;
  }

  /** What this region measured, to add up with the other regions'. */
  public Tally tally() {
    long m = measured;
    long done = measuredDone;
    long hops = flitHops;
    if (parts != null) {
      switchTo(running);
      m = parts[0].measured + parts[1].measured;
      done = parts[0].measuredDone + parts[1].measuredDone;
      hops = parts[0].flitHops + parts[1].flitHops;
    }
    return new Tally(offeredFlits.clone(), acceptedFlits.clone(), lostFlits.clone(), chBusy.clone(),
        Arrays.copyOf(latencies, nLatencies), sumNetLatency, sumHops, sumZeroLoad, generated, delivered, m,
        done, hops, List.copyOf(drops));
  }

  /**
   * What one region's cycles since the last exchange send another: per packet {@link #FIELDS} ints
   * (the downstream buffer it enters, then source, destination, cycle created, cycle injected, cycle
   * its head is ready, hops taken, the channel that corrupted it, flags) and its sequence number at
   * its source; per freed buffer slot two ints, the buffer's index and the cycle its credit counts
   * from, once per flit; and the sender's {@link Counter}s at the end of each of those cycles, from
   * cycle {@link #firstCycle()} on.
   */
  public static final class Outbox {
    /** Ints per packet. */
    public static final int FIELDS = 9;
    int[] packets = new int[FIELDS * 16];
    long[] seqs = new long[16];
    int nPackets;
    int[] credits = new int[128];
    int nCredits;
    int firstCycle;
    long[] counters = new long[4 * COUNTERS];
    int nCycles;

    /** An empty outbox. */
    public Outbox() {}

    /** An outbox holding what arrived over the wire. */
    public Outbox(int[] packets, long[] seqs, int[] credits, int firstCycle, long[] counters) {
      if (packets.length != FIELDS * seqs.length || credits.length % 2 != 0 || counters.length % COUNTERS != 0) {
        throw new IllegalArgumentException(packets.length + " packet fields for " + seqs.length + " packets, "
            + credits.length + " credit fields, " + counters.length + " counters");
      }
      this.packets = packets;
      this.seqs = seqs;
      this.nPackets = seqs.length;
      this.credits = credits;
      this.nCredits = credits.length / 2;
      this.firstCycle = firstCycle;
      this.counters = counters;
      this.nCycles = counters.length / COUNTERS;
    }

    public int[] packets() {
      return Arrays.copyOf(packets, nPackets * FIELDS);
    }

    public long[] seqs() {
      return Arrays.copyOf(seqs, nPackets);
    }

    /** Buffer index and cycle due, for each credit. */
    public int[] credits() {
      return Arrays.copyOf(credits, 2 * nCredits);
    }

    /** The first cycle whose counters {@link #counters()} holds. */
    public int firstCycle() {
      return firstCycle;
    }

    /** The sender's counters, {@link Counter#values()} of them per cycle. */
    public long[] counters() {
      return Arrays.copyOf(counters, nCycles * COUNTERS);
    }

    public boolean isEmpty() {
      return nPackets == 0 && nCredits == 0 && nCycles == 0;
    }

    public void clear() {
      nPackets = 0;
      nCredits = 0;
      nCycles = 0;
    }

    void counters(int cycle, long[] c) {
      if (nCycles == 0) {
        firstCycle = cycle;
      }
      if ((nCycles + 1) * COUNTERS > counters.length) {
        counters = Arrays.copyOf(counters, 2 * counters.length);
      }
      System.arraycopy(c, 0, counters, nCycles++ * COUNTERS, COUNTERS);
    }

    void credit(int buffer, int due) {
      if (2 * nCredits == credits.length) {
        credits = Arrays.copyOf(credits, 2 * credits.length);
      }
      credits[2 * nCredits] = buffer;
      credits[2 * nCredits++ + 1] = due;
    }

    void packet(int buffer, int src, int dst, int created, int injected, int ready, int hop, int corruptCh,
        int flags, long seq) {
      if (nPackets == seqs.length) {
        seqs = Arrays.copyOf(seqs, 2 * nPackets);
        packets = Arrays.copyOf(packets, 2 * nPackets * FIELDS);
      }
      int o = nPackets * FIELDS;
      packets[o] = buffer;
      packets[o + 1] = src;
      packets[o + 2] = dst;
      packets[o + 3] = created;
      packets[o + 4] = injected;
      packets[o + 5] = ready;
      packets[o + 6] = hop;
      packets[o + 7] = corruptCh;
      packets[o + 8] = flags;
      seqs[nPackets++] = seq;
    }
  }

  /** The phases, decided alike in every region from the whole network's counters. */
  private static final class Clock {
    private final int windowEnd;
    private final int drainEnd;
    private final long deadlockAfter;
    private final int lookahead;
    boolean generating;
    /** The first cycle without traffic, or -1 while traffic runs. */
    private int stoppedAt = -1;
    private int lastProgress;
    private long lastFlitHops = -1;

    Clock(SimulatorSettings cfg, long deadlockAfter, int lookahead) {
      this.windowEnd = cfg.warmup() + cfg.measure();
      this.drainEnd = windowEnd + cfg.drainLimit();
      this.deadlockAfter = deadlockAfter;
      this.lookahead = lookahead;
    }

    /**
     * Whether traffic runs in cycle {@code now} (after the cycles {@link #next} was asked about)
     * whatever the network's counters at the end of cycle {@code now - lookahead} say, or null when
     * they decide it: in warm-up and measurement it runs, and once stopped or past the drain limit it
     * does not.
     */
    Boolean generatingWhatever(int now) {
      if (now - lookahead + 1 < windowEnd) {
        return Boolean.TRUE;
      }
      return stoppedAt >= 0 || now >= drainEnd ? Boolean.FALSE : null;
    }

    /**
     * Whether cycle {@code now} runs, from the network's counters {@code g} at the end of cycle
     * {@code now - lookahead}. Traffic runs until the measurement window's last cycle is seen, then
     * while measured packets are left and the drain limit is not reached; once stopped it stays
     * stopped (the measured count no longer grows). The run ends when the counters seen come from a
     * cycle after the traffic stopped and show no packet left.
     */
    boolean next(int now, long[] g) {
      int seen = now - lookahead;
      if (seen >= 0) {
        if (g[Counter.FLIT_HOPS.ordinal()] != lastFlitHops || g[Counter.ACTIVE_PORTS.ordinal()] > 0) {
          lastFlitHops = g[Counter.FLIT_HOPS.ordinal()];
          lastProgress = seen;
        } else if (!generating && seen - lastProgress > deadlockAfter) {
          throw new IllegalStateException("the network stopped moving with " + g[Counter.OUTSTANDING.ordinal()]
              + " packets in it at cycle " + seen + " (deadlock)");
        }
      }
      generating = seen + 1 < windowEnd
          || (now < drainEnd && g[Counter.MEASURED_DONE.ordinal()] < g[Counter.MEASURED.ordinal()]);
      if (!generating && stoppedAt < 0) {
        stoppedAt = now;
      }
      return generating || g[Counter.OUTSTANDING.ordinal()] != 0 || seen + 1 < stoppedAt;
    }
  }

  private int slot() {
    if (nFree > 0) {
      return freeSlots[--nFree];
    }
    int id = nSlots++;
    if (id == pSrc.length) {
      grow();
    }
    return id;
  }

  private void release(int p) {
    if (nFree == freeSlots.length) {
      freeSlots = Arrays.copyOf(freeSlots, 2 * nFree);
    }
    freeSlots[nFree++] = p;
  }

  private void create(int src, int dst) {
    int id = slot();
    generated++;
    pSrc[id] = src;
    pDst[id] = dst;
    pCreated[id] = now;
    pHop[id] = 0;
    pOut[id] = -1;
    pNext[id] = -1;
    pFlags[id] = 0;
    pSeq[id] = seqOf[src]++;
    boolean inWindow = now >= cfg.warmup() && now < cfg.warmup() + cfg.measure();
    if (inWindow) {
      pFlags[id] = MEASURED;
      measured++;
      offeredFlits[src] += pFlits;
    }
    outstanding++;
    if (totInjected != null) {
      totInjected[src]++;
    }
    if (!net.nodeAlive[dst]) {
      drop(id, src, "destination node " + dst + " failed");
      return;
    }
    if (!net.reachable(src, dst)) {
      drop(id, src, "no path from " + src + " to " + dst + " avoiding the failed links and nodes");
      return;
    }
    pReady[id] = now;
    int first = net.computed != null ? net.computed.nextChannel(src, dst)
        : net.routeCh[net.routeOff[src * net.nodes + dst]];
    pOut[id] = first;
    enqueue(nNetBufs + first, id, src);
  }

  private void grow() {
    int cap = pSrc.length * 2;
    pSrc = Arrays.copyOf(pSrc, cap);
    pDst = Arrays.copyOf(pDst, cap);
    pCreated = Arrays.copyOf(pCreated, cap);
    pInjected = Arrays.copyOf(pInjected, cap);
    pReady = Arrays.copyOf(pReady, cap);
    pNext = Arrays.copyOf(pNext, cap);
    pHop = Arrays.copyOf(pHop, cap);
    pOut = Arrays.copyOf(pOut, cap);
    pCorruptCh = Arrays.copyOf(pCorruptCh, cap);
    pFlags = Arrays.copyOf(pFlags, cap);
    pSeq = Arrays.copyOf(pSeq, cap);
  }

  private void enqueue(int b, int p, int router) {
    pNext[p] = -1;
    if (bufTail[b] < 0) {
      bufHead[b] = p;
    } else {
      pNext[bufTail[b]] = p;
    }
    bufTail[b] = p;
    pending[router]++;
  }

  private void allocate() {
    int n = net.nodes;
    for (int v : runRouters) {
      if (pending[v] == 0) {
        continue;
      }
      int lo = routerBufStart[v];
      int size = routerBufStart[v + 1] - lo;
      int start = rr[v];
      for (int i = 0; i < size; i++) {
        int slot = start + i < size ? start + i : start + i - size;
        int b = routerBufs[lo + slot];
        int p = bufHead[b];
        if (p < 0 || pReady[p] > now) {
          continue;
        }
        int port = bufPort[b];
        if (portFreeAt[port] > now) {
          continue;
        }
        int out;
        int downstream = -1;
        if ((pFlags[p] & CORRUPT) != 0) {
          out = DISCARD;
        } else if (pDst[p] == v) {
          out = EJECT;
        } else {
          int cls;
          if (net.computed == null) {
            int at = net.routeOff[pSrc[p] * n + pDst[p]] + pHop[p];
            out = net.routeCh[at];
            cls = net.routeCls[at];
          } else {
            out = pOut[p] >= 0 ? pOut[p] : (pOut[p] = net.computed.nextChannel(v, pDst[p]));
            cls = net.computed.classAfter(b < nNetBufs ? b % vcs / vpc : 0, out);
          }
          if (outFreeAt[out] > now) {
            continue;
          }
          int first = out * vcs + cls * vpc;
          for (int j = first; j < first + vpc; j++) {
            if (credits[j] >= pFlits && (downstream < 0 || credits[j] > credits[downstream])) {
              downstream = j;
            }
          }
          if (downstream < 0) {
            continue;
          }
        }
        grant(v, b, p, port, out, downstream);
        rr[v] = slot + 1 == size ? 0 : slot + 1;
      }
    }
  }

  private void grant(int v, int b, int p, int port, int out, int downstream) {
    bufHead[b] = pNext[p];
    if (bufHead[b] < 0) {
      bufTail[b] = -1;
    }
    pending[v]--;
    portFreeAt[port] = now + pFlits;
    portPacket[port] = p;
    portRem[port] = pFlits;
    portOut[port] = out;
    portBuf[port] = b;
    active[nActive++] = port;
    if (out >= 0) {
      if (b >= nNetBufs) {
        pInjected[p] = now;
      }
      outFreeAt[out] = now + pFlits;
      credits[downstream] -= pFlits;
      pHop[p]++;
      pOut[p] = -1;
      pReady[p] = now + hopDelay[out];
      if (faults.dropRate() > 0 && dropRng[v].nextDouble() < faults.dropRate()) {
        pFlags[p] |= CORRUPT;
        pCorruptCh[p] = out;
      }
      int next = net.chDst[out];
      if (mine[next]) {
        enqueue(downstream, p, next);
      } else {
        // the packet leaves the region: its flits still stream from this port, which needs no more of it
        outboxes[regionOf[next]].packet(downstream, pSrc[p], pDst[p], pCreated[p], pInjected[p], pReady[p], pHop[p],
            pCorruptCh[p], pFlags[p], pSeq[p]);
        release(p);
      }
    }
  }

  private void stream(boolean inWindow) {
    for (int i = 0; i < nActive; ) {
      int port = active[i];
      int out = portOut[port];
      int b = portBuf[port];
      int p = portPacket[port];
      if (b < nNetBufs) {
        int upstream = net.chSrc[b / vcs];
        if (mine[upstream]) {
          owe(b, now + creditDelay);
        } else {
          outboxes[regionOf[upstream]].credit(b, now + creditDelay);
        }
      }
      if (out >= 0) {
        flitHops++;
        if (inWindow) {
          chBusy[out]++;
        }
        if (totChannel != null) {
          totChannel[out]++;
        }
      } else if (out == EJECT) {
        if (inWindow) {
          acceptedFlits[pSrc[p]]++;
        }
        if (totEjected != null) {
          totEjected[pDst[p]]++;
        }
      }
      if (--portRem[port] > 0) {
        i++;
        continue;
      }
      active[i] = active[--nActive];
      if (out == EJECT) {
        deliver(p);
      } else if (out == DISCARD) {
        int c = pCorruptCh[p];
        drop(p, net.chDst[c], "corrupted on link " + net.chSrc[c] + "->" + net.chDst[c]
            + " (drop rate " + faults.dropRate() + ")");
      }
    }
  }

  private void deliver(int p) {
    delivered++;
    if (totDelivered != null) {
      totDelivered[pDst[p]]++;
    }
    outstanding--;
    release(p);
    // the slot is free for the next packet created; nothing is created before this returns
    if ((pFlags[p] & MEASURED) == 0) {
      return;
    }
    measuredDone++;
    if (nLatencies == latencies.length) {
      latencies = Arrays.copyOf(latencies, 2 * nLatencies);
    }
    latencies[nLatencies++] = now - pCreated[p] + 1;
    sumNetLatency += now - pInjected[p] + 1;
    sumZeroLoad += zeroLoad(pSrc[p], pDst[p], pHop[p]);
    sumHops += pHop[p];
  }

  /** The zero-load latency of the route from s to d ({@code hops} long): its hops' delays plus the packet's flits. */
  private int zeroLoad(int s, int d, int hops) {
    if (net.computed != null) {
      return net.extraDelays ? net.computed.zeroLoad(s, d, hopDelay, pFlits) : pFlits + hops * cfg.routerDelay();
    }
    int pair = s * net.nodes + d;
    int off = net.routeOff[pair];
    int zero = pFlits;
    for (int h = 0; h < net.routeLen[pair]; h++) {
      zero += hopDelay[net.routeCh[off + h]];
    }
    return zero;
  }

  private void drop(int p, int node, String reason) {
    outstanding--;
    release(p); // as in deliver: read on below, reused only later
    if (now >= cfg.warmup() && now < cfg.warmup() + cfg.measure()) {
      lostFlits[pSrc[p]] += pFlits;
    }
    if ((pFlags[p] & MEASURED) != 0) {
      measuredDone++;
    }
    drops.add(new StressResult.Drop(pSrc[p], pSeq[p], pDst[p], now, node, reason));
  }

  /** The run's measurements from the sum of its regions' tallies. */
  public static StressResult result(RouteTable net, Traffic traffic, SimulatorSettings cfg, Faults faults, Tally t,
      int cycles, double wall) {
    int[] src = traffic.sources();
    double window = cfg.measure();
    double offered = 0, minOffered = Double.MAX_VALUE, accepted = 0, minAccepted = Double.MAX_VALUE, lost = 0;
    for (int s : src) {
      lost += t.lostFlits()[s] / window;
      offered += t.offeredFlits()[s] / window;
      accepted += t.acceptedFlits()[s] / window;
      minOffered = Math.min(minOffered, t.offeredFlits()[s] / window);
      minAccepted = Math.min(minAccepted, t.acceptedFlits()[s] / window);
    }
    int k = Math.max(1, src.length);
    int nChannels = net.channels;
    double[] util = new double[nChannels];
    String[] names = new String[nChannels];
    for (int c = 0; c < nChannels; c++) {
      util[c] = t.channelBusy()[c] / window;
      names[c] = net.channelName(c);
    }
    int[] lat = t.latencies().clone();
    int nLatencies = lat.length;
    Arrays.sort(lat);
    double avg = 0;
    for (int l : lat) {
      avg += l;
    }
    int m = Math.max(1, nLatencies);
    int vcs = net.classes * cfg.vcsPerClass();
    return new StressResult(net.fabric.describe(), traffic.describe(), faults.describe(), net.nodes, src.length,
        vcs, net.rerouted, cfg, nLatencies == 0 ? 0 : (double) t.sumZeroLoad() / m, avg / m,
        nLatencies == 0 ? 0 : lat[Math.min(nLatencies - 1, (int) Math.ceil(0.99 * nLatencies) - 1)],
        nLatencies == 0 ? 0 : lat[nLatencies - 1], (double) t.sumNetworkLatency() / m, (double) t.sumHops() / m,
        offered / k, src.length == 0 ? 0 : minOffered, accepted / k, src.length == 0 ? 0 : minAccepted, lost / k,
        util, names, t.generated(), t.delivered(), t.drops().size(), t.measured(), t.measuredDone(), t.drops(), cycles,
        t.flitHops(), wall);
  }
}
