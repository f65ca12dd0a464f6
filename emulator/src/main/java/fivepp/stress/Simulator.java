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
 *       from the next cycle.</li>
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
 */
public final class Simulator {
  private static final int EJECT = -1;
  private static final int DISCARD = -2;
  private static final byte MEASURED = 1;
  private static final byte CORRUPT = 2;

  private final RouteTable net;
  private final Traffic traffic;
  private final StressConfig cfg;
  private final Faults faults;
  private final int classes;
  private final int vpc;
  private final int vcs;
  private final int nChannels;
  private final int pFlits;
  private final int[] hopDelay;

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
  private final int[] active;
  private int nActive;
  private final int[] outFreeAt;

  // packets
  private int[] pSrc = new int[1024];
  private int[] pDst = new int[1024];
  private int[] pCreated = new int[1024];
  private int[] pInjected = new int[1024];
  private int[] pReady = new int[1024];
  private int[] pNext = new int[1024];
  private int[] pHop = new int[1024];
  private int[] pCorruptCh = new int[1024];
  private byte[] pFlags = new byte[1024];
  private int nPackets;

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
  private int outstanding;

  private final SplittableRandom rng;
  private final SplittableRandom dropRng;
  private final Traffic.PacketSink sink = this::create;
  private int now;

  public Simulator(RouteTable net, Traffic traffic, StressConfig cfg, Faults faults) {
    this.net = net;
    this.traffic = traffic;
    this.cfg = cfg;
    this.faults = faults;
    this.classes = net.classes;
    this.vpc = cfg.vcsPerClass();
    this.vcs = classes * vpc;
    this.nChannels = net.channels;
    this.pFlits = cfg.packetFlits();
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
    int n = net.nodes;
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
    rng = new SplittableRandom(cfg.seed());
    dropRng = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + 7);
  }

  /** Builds the network for a fabric and its faults, then runs. */
  public static StressResult run(fivepp.fabric.Fabric fabric, java.util.function.Function<RouteTable, Traffic> traffic,
      StressConfig cfg, Faults faults) {
    RouteTable net = new RouteTable(fabric, faults);
    return new Simulator(net, traffic.apply(net), cfg, faults).run();
  }

  /** Publishes this run's counters to {@code m} while it runs (call before {@link #run()}). */
  public Simulator watch(TrafficMeter m) {
    meter = m;
    totInjected = new long[net.nodes];
    totDelivered = new long[net.nodes];
    totEjected = new long[net.nodes];
    totChannel = new long[nChannels];
    return this;
  }

  /** Runs warm-up, measurement, drain and flush, and returns the measurements. */
  public StressResult run() {
    long start = System.nanoTime();
    int windowStart = cfg.warmup();
    int windowEnd = cfg.warmup() + cfg.measure();
    int drainEnd = windowEnd + cfg.drainLimit();
    int lastProgress = 0;
    long lastFlitHops = -1;
    for (now = 0; ; now++) {
      boolean generating = now < windowEnd || (now < drainEnd && measuredDone < measured);
      if (generating) {
        traffic.generate(now, rng, sink);
      } else if (outstanding == 0) {
        break;
      }
      allocate();
      stream(now >= windowStart && now < windowEnd);
      if (meter != null && (now & (TrafficMeter.EVERY - 1)) == 0) {
        meter.publish(now, totInjected, totDelivered, totEjected, totChannel, false);
      }
      if (flitHops != lastFlitHops || nActive > 0) {
        lastFlitHops = flitHops;
        lastProgress = now;
      } else if (!generating && now - lastProgress > 10_000 + 4L * cfg.bufferFlits() * net.nodes) {
        throw new IllegalStateException("the network stopped moving with " + outstanding
            + " packets in it at cycle " + now + " (deadlock)");
      }
    }
    double wall = (System.nanoTime() - start) / 1e9;
    if (meter != null) {
      meter.publish(now, totInjected, totDelivered, totEjected, totChannel, true);
    }
    return result(wall);
  }

  private void create(int src, int dst) {
    int id = nPackets++;
    if (id == pSrc.length) {
      grow();
    }
    pSrc[id] = src;
    pDst[id] = dst;
    pCreated[id] = now;
    pHop[id] = 0;
    pNext[id] = -1;
    pFlags[id] = 0;
    boolean inWindow = now >= cfg.warmup() && now < cfg.warmup() + cfg.measure();
    if (inWindow) {
      pFlags[id] = MEASURED;
      measured++;
      offeredFlits[src] += pFlits;
    }
    outstanding++;
    if (meter != null) {
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
    int first = net.routeCh[net.routeOff[src * net.nodes + dst]];
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
    pCorruptCh = Arrays.copyOf(pCorruptCh, cap);
    pFlags = Arrays.copyOf(pFlags, cap);
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
    for (int v = 0; v < n; v++) {
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
          int at = net.routeOff[pSrc[p] * n + pDst[p]] + pHop[p];
          out = net.routeCh[at];
          if (outFreeAt[out] > now) {
            continue;
          }
          int first = out * vcs + net.routeCls[at] * vpc;
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
      pReady[p] = now + hopDelay[out];
      if (faults.dropRate() > 0 && dropRng.nextDouble() < faults.dropRate()) {
        pFlags[p] |= CORRUPT;
        pCorruptCh[p] = out;
      }
      enqueue(downstream, p, net.chDst[out]);
    }
  }

  private void stream(boolean inWindow) {
    for (int i = 0; i < nActive; ) {
      int port = active[i];
      int out = portOut[port];
      int b = portBuf[port];
      int p = portPacket[port];
      if (b < nNetBufs) {
        credits[b]++;
      }
      if (out >= 0) {
        flitHops++;
        if (inWindow) {
          chBusy[out]++;
        }
        if (meter != null) {
          totChannel[out]++;
        }
      } else if (out == EJECT) {
        if (inWindow) {
          acceptedFlits[pSrc[p]]++;
        }
        if (meter != null) {
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
    if (meter != null) {
      totDelivered[pDst[p]]++;
    }
    outstanding--;
    if ((pFlags[p] & MEASURED) == 0) {
      return;
    }
    measuredDone++;
    if (nLatencies == latencies.length) {
      latencies = Arrays.copyOf(latencies, 2 * nLatencies);
    }
    latencies[nLatencies++] = now - pCreated[p] + 1;
    sumNetLatency += now - pInjected[p] + 1;
    int pair = pSrc[p] * net.nodes + pDst[p];
    int off = net.routeOff[pair];
    int zero = pFlits;
    for (int h = 0; h < net.routeLen[pair]; h++) {
      zero += hopDelay[net.routeCh[off + h]];
    }
    sumZeroLoad += zero;
    sumHops += net.routeLen[pair];
  }

  private void drop(int p, int node, String reason) {
    outstanding--;
    if (now >= cfg.warmup() && now < cfg.warmup() + cfg.measure()) {
      lostFlits[pSrc[p]] += pFlits;
    }
    if ((pFlags[p] & MEASURED) != 0) {
      measuredDone++;
    }
    drops.add(new StressResult.Drop(p, pSrc[p], pDst[p], now, node, reason));
  }

  private StressResult result(double wall) {
    int[] src = traffic.sources();
    double window = cfg.measure();
    double offered = 0, minOffered = Double.MAX_VALUE, accepted = 0, minAccepted = Double.MAX_VALUE, lost = 0;
    for (int s : src) {
      lost += lostFlits[s] / window;
      offered += offeredFlits[s] / window;
      accepted += acceptedFlits[s] / window;
      minOffered = Math.min(minOffered, offeredFlits[s] / window);
      minAccepted = Math.min(minAccepted, acceptedFlits[s] / window);
    }
    int k = Math.max(1, src.length);
    double[] util = new double[nChannels];
    String[] names = new String[nChannels];
    for (int c = 0; c < nChannels; c++) {
      util[c] = chBusy[c] / window;
      names[c] = net.channelName(c);
    }
    int[] lat = Arrays.copyOf(latencies, nLatencies);
    Arrays.sort(lat);
    double avg = 0;
    for (int l : lat) {
      avg += l;
    }
    int m = Math.max(1, nLatencies);
    return new StressResult(net.fabric.describe(), traffic.describe(), faults.describe(), net.nodes, src.length,
        vcs, net.rerouted, cfg, nLatencies == 0 ? 0 : (double) sumZeroLoad / m, avg / m,
        nLatencies == 0 ? 0 : lat[Math.min(nLatencies - 1, (int) Math.ceil(0.99 * nLatencies) - 1)],
        nLatencies == 0 ? 0 : lat[nLatencies - 1], (double) sumNetLatency / m, (double) sumHops / m,
        offered / k, src.length == 0 ? 0 : minOffered, accepted / k, src.length == 0 ? 0 : minAccepted, lost / k,
        util, names, nPackets, delivered, drops.size(), measured, measuredDone, List.copyOf(drops), now,
        flitHops, wall);
  }
}
