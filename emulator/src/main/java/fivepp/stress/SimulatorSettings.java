package fivepp.stress;

/**
 * The router model and run length of one stress run: what the {@link Simulator} is set to. The
 * network and traffic it runs are a {@link StressSpec}'s.
 *
 * @param packetFlits flits per packet
 * @param bufferFlits depth of each input virtual-channel buffer, in flits (at least one packet: the
 *     switching is virtual cut-through)
 * @param vcsPerClass virtual channels per class at every input port, each with its own buffer; a
 *     packet takes the one of its class with the most free space
 * @param routerDelay cycles a head flit takes per hop, router and link together (at least 1)
 * @param creditDelay cycles from a flit leaving an input buffer to its credit counting at the
 *     upstream router (BookSim2's {@code credit_delay}; at least 1: a credit freed in cycle t is usable
 *     from t + creditDelay)
 * @param warmup cycles of traffic before measuring
 * @param measure cycles whose packets are measured
 * @param drainLimit at most this many cycles after the measurement, with traffic still running, for
 *     the measured packets to arrive; the run then stops injecting and flushes the network
 * @param seed the seed of every random draw of the run
 */
public record SimulatorSettings(int packetFlits, int bufferFlits, int vcsPerClass, int routerDelay, int creditDelay,
    int warmup, int measure, int drainLimit, long seed) {

  /**
   * 20-flit packets, 2 VCs per class of 2-packet buffers, 1-cycle hops, credits back after 1 cycle,
   * 2,000 + 10,000 cycles, drain up to 50,000.
   */
  public static final SimulatorSettings DEFAULT = new SimulatorSettings(20, 40, 2, 1, 1, 2_000, 10_000, 50_000, 1);

  /** The longest credit delay taken. */
  public static final int MAX_CREDIT_DELAY = 100_000;

  /** The longest run: cycles are counted in ints, and the flush after the drain needs room. */
  public static final long MAX_CYCLES = 1_000_000_000L;

  public SimulatorSettings {
    if (packetFlits < 1) {
      throw new IllegalArgumentException("--packet-flits " + packetFlits + ": give a whole number >= 1");
    }
    if (bufferFlits < packetFlits) {
      throw new IllegalArgumentException("--buffer-flits " + bufferFlits + ": a buffer must hold a whole packet ("
          + packetFlits + " flits) under virtual cut-through");
    }
    if (vcsPerClass < 1 || vcsPerClass > 16) {
      throw new IllegalArgumentException("--vcs " + vcsPerClass + ": give 1 to 16 virtual channels per class");
    }
    if (routerDelay < 1) {
      throw new IllegalArgumentException("--router-delay " + routerDelay + ": give a whole number of cycles >= 1");
    }
    if (creditDelay < 1 || creditDelay > MAX_CREDIT_DELAY) {
      throw new IllegalArgumentException("--credit-delay " + creditDelay + ": give a whole number of cycles from 1 to "
          + MAX_CREDIT_DELAY);
    }
    if (warmup < 0 || measure < 1 || drainLimit < 0 || (long) warmup + measure + drainLimit > MAX_CYCLES) {
      throw new IllegalArgumentException("cycles: --warmup >= 0, --cycles >= 1 and --drain >= 0, together at most "
          + MAX_CYCLES + ", got " + warmup + ", " + measure + ", " + drainLimit);
    }
  }

  public SimulatorSettings withPacketFlits(int flits, int buffer) {
    return new SimulatorSettings(flits, buffer, vcsPerClass, routerDelay, creditDelay, warmup, measure, drainLimit,
        seed);
  }

  public SimulatorSettings withCycles(int warm, int meas, int drain) {
    return new SimulatorSettings(packetFlits, bufferFlits, vcsPerClass, routerDelay, creditDelay, warm, meas, drain,
        seed);
  }

  public SimulatorSettings withSeed(long s) {
    return new SimulatorSettings(packetFlits, bufferFlits, vcsPerClass, routerDelay, creditDelay, warmup, measure,
        drainLimit, s);
  }

  public SimulatorSettings withVcs(int v) {
    return new SimulatorSettings(packetFlits, bufferFlits, v, routerDelay, creditDelay, warmup, measure, drainLimit,
        seed);
  }

  public SimulatorSettings withRouterDelay(int d) {
    return new SimulatorSettings(packetFlits, bufferFlits, vcsPerClass, d, creditDelay, warmup, measure, drainLimit,
        seed);
  }

  public SimulatorSettings withCreditDelay(int d) {
    return new SimulatorSettings(packetFlits, bufferFlits, vcsPerClass, routerDelay, d, warmup, measure, drainLimit,
        seed);
  }

  /**
   * The lookahead: the fewest cycles before anything a router does is seen by another router, the
   * least of the router delay (a packet granted in cycle t is ready at the next router from t +
   * routerDelay, or later on a slow link) and the credit delay. Regions of a network can run this
   * many cycles apart before they exchange what crossed between them (see {@link Simulator}).
   */
  public int lookahead() {
    return Math.min(routerDelay, creditDelay);
  }
}
