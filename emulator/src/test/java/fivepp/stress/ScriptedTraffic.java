package fivepp.stress;

import java.util.SplittableRandom;

/** Test traffic: one packet from src to dst at cycle 0. */
record ScriptedTraffic(int src, int dst) implements Traffic {
  @Override
  public String describe() {
    return "one packet " + src + "->" + dst;
  }

  @Override
  public void generate(int cycle, boolean[] mine, SplittableRandom[] rng, PacketSink sink) {
    if (cycle == 0 && mine[src]) {
      sink.packet(src, dst);
    }
  }

  @Override
  public int[] sources() {
    return new int[] {src};
  }

  @Override
  public double offeredRate() {
    return 0;
  }
}
