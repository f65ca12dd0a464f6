package fivepp.cli;

import fivepp.cluster.VertexCosts;
import fivepp.fabric.Fabric;
import fivepp.mapping.CoreGraph;
import fivepp.mapping.Placement;
import fivepp.model.Layer;
import fivepp.model.Network;
import fivepp.model.Shape;

/**
 * What a run in this JVM will hold, predicted before anything is built, so that a run too large
 * for the heap is refused in one line (with the {@code -Xmx} to use) instead of failing with an
 * {@link OutOfMemoryError} half-way.
 *
 * <p>The parts, in bytes: the array (every core's weights and buffers for the window of images in
 * flight, as {@link VertexCosts} prices them for placing members); the weights as read or seeded
 * (float32, once more); the images in flight (at most {@code window}, and no more than the run's); and the reference
 * inference that checks the outputs: at its peak a layer's input, convolution output and output,
 * plus as much again for what is kept alive for residuals and concatenations. Above these, a base
 * of {@value #BASE_BYTES} bytes for the JVM's own classes, Pekko and the report.
 */
record RunMemory(long arrayBytes, long weightBytes, long imageBytes, long referenceBytes) {
  /** What the JVM, Pekko and the report take besides the run itself. */
  static final long BASE_BYTES = 192L << 20;
  /** The most elements one Java array (one tensor) holds. */
  static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  /**
   * The prediction for {@code g} placed by {@code p} on {@code f}, {@code images} images with at most
   * {@code window} in flight, {@code check} of them compared with the reference; {@code local} when
   * the array lives in this JVM (else on cluster members, which answer for their own memory).
   */
  static RunMemory of(CoreGraph g, Fabric f, Placement p, boolean pixels, int window, int images, int check,
      boolean local) {
    Network net = g.network();
    long array = 0;
    if (local) {
      VertexCosts costs = VertexCosts.of(g, p.vertexOf(), f::route, pixels, window, false);
      for (int v : costs.vertices()) {
        array += costs.vertex(v).memoryBytes();
      }
    }
    long reference = 0;
    for (Layer l : net.layers()) {
      reference = Math.max(reference, 4 * (l.input().elements() + l.convOutput().elements() + l.output().elements()));
    }
    return new RunMemory(array, 4 * net.weights(), 4L * Math.min(window, images) * net.input().elements(),
        check > 0 ? 2 * reference : 0);
  }

  long totalBytes() {
    return BASE_BYTES + arrayBytes + weightBytes + imageBytes + referenceBytes;
  }

  /**
   * Refuses a run whose tensors do not fit a Java array, or whose predicted memory is over {@code
   * maxHeap} bytes: one line with the estimate, its parts and the {@code -Xmx} to give.
   */
  static void check(Network net, RunMemory m, long maxHeap) {
    Shape largest = net.input();
    String where = "the input";
    for (Layer l : net.layers()) {
      for (Shape s : new Shape[] {l.convOutput(), l.output()}) {
        if (s.elements() > largest.elements()) {
          largest = s;
          where = "layer " + l.name();
        }
      }
    }
    if (largest.elements() > MAX_ARRAY) {
      throw new UserError(String.format("%s at input %s: %s holds %s = %,d values, more than one tensor"
          + " (a Java array) can hold (%,d); use a smaller input", net.name(), net.input(), where, largest,
          largest.elements(), MAX_ARRAY));
    }
    if (m.totalBytes() > maxHeap) {
      long gib = (m.totalBytes() * 5 / 4 + (1L << 30) - 1) >> 30;
      throw new UserError(String.format("this run needs about %s of heap (array %s, weights %s, images in flight %s,"
          + " reference check %s), more than the %s this JVM may use; give it FIVEPP_JAVA_OPTS=-Xmx%dg,"
          + " or use a smaller input, --window or --check 0", mib(m.totalBytes()), mib(m.arrayBytes),
          mib(m.weightBytes), mib(m.imageBytes), mib(m.referenceBytes), mib(maxHeap), gib));
    }
  }

  static String mib(long bytes) {
    return bytes >= 10L << 30 ? String.format("%,d GiB", bytes >> 30) : String.format("%,d MiB", bytes >> 20);
  }
}
