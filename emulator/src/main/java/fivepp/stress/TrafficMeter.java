package fivepp.stress;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counters of one stress run, readable from any thread while it goes (the live monitor reads
 * them): per node the packets it injected and those delivered to it, with their flits; per
 * channel the flits it carried; and the cycle reached. The simulator (or, for a run across cluster
 * members, the coordinator adding up the regions' counts) publishes them every 1,024 cycles and at
 * the end, with release stores; it is their one writer.
 */
public final class TrafficMeter {
  /** Cycles between two publications. */
  public static final int EVERY = 1024;

  private final String label;
  private final int nodes;
  private final int[] chSrc;
  private final int[] chDst;
  private final long plannedCycles;
  private final AtomicLongArray injected;
  private final AtomicLongArray delivered;
  private final AtomicLongArray ejectedFlits;
  private final AtomicLongArray channelFlits;
  private volatile long cycle;
  private volatile boolean done;

  /** Counters for a run labelled {@code label} over {@code net}, planned for {@code plannedCycles}. */
  public TrafficMeter(String label, RouteTable net, long plannedCycles) {
    this.label = label;
    this.nodes = net.nodes;
    this.chSrc = net.chSrc.clone();
    this.chDst = net.chDst.clone();
    this.plannedCycles = plannedCycles;
    this.injected = new AtomicLongArray(nodes);
    this.delivered = new AtomicLongArray(nodes);
    this.ejectedFlits = new AtomicLongArray(nodes);
    this.channelFlits = new AtomicLongArray(chSrc.length);
  }

  /**
   * Publishes the counts at cycle {@code now}: per node the packets injected and delivered and the
   * flits ejected, per channel the flits carried; {@code end} once the run is over.
   */
  public void publish(long now, long[] inj, long[] del, long[] ej, long[] ch, boolean end) {
    for (int v = 0; v < nodes; v++) {
      injected.lazySet(v, inj[v]);
      delivered.lazySet(v, del[v]);
      ejectedFlits.lazySet(v, ej[v]);
    }
    for (int c = 0; c < ch.length; c++) {
      channelFlits.lazySet(c, ch[c]);
    }
    cycle = now;
    done = end;
  }

  public String label() {
    return label;
  }

  public int nodes() {
    return nodes;
  }

  public int channels() {
    return chSrc.length;
  }

  public int channelFrom(int c) {
    return chSrc[c];
  }

  public int channelTo(int c) {
    return chDst[c];
  }

  /** Packets node {@code v} injected so far. */
  public long injected(int v) {
    return injected.get(v);
  }

  /** Packets delivered to node {@code v} so far. */
  public long delivered(int v) {
    return delivered.get(v);
  }

  /** Flits ejected at node {@code v} so far. */
  public long ejectedFlits(int v) {
    return ejectedFlits.get(v);
  }

  /** Flits channel {@code c} carried so far. */
  public long channelFlits(int c) {
    return channelFlits.get(c);
  }

  public long cycle() {
    return cycle;
  }

  /** Warm-up plus measurement cycles: the run's length before its drain. */
  public long plannedCycles() {
    return plannedCycles;
  }

  /** True once the run is over, every packet delivered or dropped. */
  public boolean done() {
    return done;
  }
}
