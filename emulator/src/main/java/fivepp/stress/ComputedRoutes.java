package fivepp.stress;

import fivepp.fabric.Fabric;
import fivepp.fabric.HypercubeFabric;
import fivepp.fabric.KppFabric;
import fivepp.fabric.MeshFabric;
import fivepp.fabric.RingFabric;

/**
 * Routes of a regular fabric computed hop by hop from its topology ({@link Fabric#nextHop}), so a
 * network of any size needs memory only per channel: nothing is stored per pair of nodes.
 *
 * <p><b>Deadlock freedom.</b> A hop's virtual-channel class is the number of dateline channels the
 * packet has taken so far, this hop included. Datelines are the wraparound links of a ring and of
 * each torus dimension longer than 2; mesh (dimension order), hypercube (e-cube) and kPP (monotone)
 * have none and need one class. Within a class no route crosses a dateline after its first hop in
 * that class, routes take the shorter way round so cross each dimension's dateline at most once, and
 * a torus finishes the row before the column: the dependencies within a class therefore never close
 * a ring, and the others go upwards, so the network cannot deadlock (Dally and Seitz's scheme).
 */
final class ComputedRoutes {
  private final Fabric fabric;
  private final RouteTable net;
  /** 1 when channel c crosses a dateline, else 0. */
  private final byte[] dateline;
  private final int classes;

  /** Routes hop by hop on the channels of {@code net}, whose fabric {@link #supports}. */
  ComputedRoutes(RouteTable net) {
    this.fabric = net.fabric;
    this.net = net;
    dateline = new byte[net.channels];
    int dims = 0;
    if (fabric instanceof RingFabric && fabric.nodes() >= 3) {
      int n = fabric.nodes();
      for (int c = 0; c < net.channels; c++) {
        dateline[c] = (byte) (Math.abs(net.chSrc[c] - net.chDst[c]) == n - 1 ? 1 : 0);
      }
      dims = 1;
    } else if (fabric instanceof MeshFabric m && m.torus()) {
      int cols = m.cols(), rows = m.rows();
      for (int c = 0; c < net.channels; c++) {
        int a = net.chSrc[c], b = net.chDst[c];
        boolean sameRow = a / cols == b / cols;
        boolean wrap = sameRow ? cols >= 3 && Math.abs(a % cols - b % cols) == cols - 1
            : rows >= 3 && Math.abs(a / cols - b / cols) == rows - 1;
        dateline[c] = (byte) (wrap ? 1 : 0);
      }
      dims = (cols >= 3 ? 1 : 0) + (rows >= 3 ? 1 : 0);
    }
    classes = 1 + dims;
  }

  /** True when {@code f}'s routing is one of the regular ones this class computes. */
  static boolean supports(Fabric f) {
    return f instanceof KppFabric || f instanceof MeshFabric || f instanceof RingFabric || f instanceof HypercubeFabric;
  }

  int classes() {
    return classes;
  }

  /** The channel a packet at {@code v} for {@code dst} takes next (v != dst). */
  int nextChannel(int v, int dst) {
    return net.channel(v, fabric.nextHop(v, dst));
  }

  /** The class of a hop over channel {@code c} after a hop in class {@code cls} (0 at the source). */
  int classAfter(int cls, int c) {
    return cls + dateline[c];
  }

  /** The zero-load latency of the route from s to d: its hops' delays plus the packet's flits. */
  int zeroLoad(int s, int d, int[] hopDelay, int flits) {
    int zero = flits;
    for (int v = s; v != d; ) {
      int c = nextChannel(v, d);
      zero += hopDelay[c];
      v = net.chDst[c];
    }
    return zero;
  }
}
