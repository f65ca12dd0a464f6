package fivepp.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/** This JVM's heap, as its memory pools see it. */
public final class Heap {
  private Heap() {}

  /**
   * The peak of the long-lived heap since {@link #resetPeak()}: the peaks of the heap's pools
   * other than the young generation's eden, summed (an upper bound: the pools may peak at
   * different times). Eden fills and empties with every minor collection, so its peak says
   * nothing about what a run holds.
   */
  public static long peakBytes() {
    long b = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && !p.getName().contains("Eden")) {
        b += p.getPeakUsage().getUsed();
      }
    }
    return b;
  }

  /** What the heap holds now, garbage included. */
  public static long usedBytes() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Starts the peak again from what the heap holds now. */
  public static void resetPeak() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
  }
}
