package fivepp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Layers summed from their cores, and the bottleneck named, ties included. */
class BottleneckTest {

  private static Snapshot.CoreSample core(int id, String layer, double mvmsPerSecond, double busy,
      double virtualBusy, long queue) {
    return new Snapshot.CoreSample("local", id, layer, 10 + id, 0, mvmsPerSecond, 0, 0, busy, virtualBusy, queue);
  }

  private static Snapshot.ChannelSample channel(int fromCore, int toCore, double bytesPerSecond) {
    return new Snapshot.ChannelSample("local", 10 + fromCore, 10 + toCore, 0, bytesPerSecond, 0);
  }

  @Test
  void aLayerSumsItsCoresRatesAndTakesItsBusiestCoresBusy() {
    List<Snapshot.CoreSample> cores = List.of(core(0, "conv1", 100, 0.5, 0.9, 3),
        core(1, "s1a", 40, 0.2, 0.3, 1), core(2, "s1a", 60, 0.4, 0.2, 4));
    // conv1 -> both s1a cores; s1a core 1 -> a router at vertex 99 (counted out of s1a only)
    List<Snapshot.ChannelSample> channels = List.of(channel(0, 1, 1000), channel(0, 2, 500),
        new Snapshot.ChannelSample("local", 11, 99, 0, 70, 0));
    List<Bottleneck.Layer> layers = Bottleneck.layers(cores, channels);
    assertThat(layers).containsExactly(
        new Bottleneck.Layer("conv1", 1, 100, 0.5, 0.9, 3, 0, 1500),
        new Bottleneck.Layer("s1a", 2, 100, 0.4, 0.3, 5, 1500, 70));
  }

  @Test
  void theBottleneckIsTheHighestVirtualBusyAndTheSentenceNamesIt() {
    Bottleneck b = Bottleneck.of(List.of(core(0, "conv1", 100, 0.3, 0.887, 0),
        core(1, "s1a", 40, 0.6, 0.055, 2), core(2, "s1b", 60, 0.2, 0.055, 7)), 3189, 2913);
    assertThat(b.virtual().cores()).containsExactly(0);
    assertThat(b.virtual().layers()).containsExactly("conv1");
    assertThat(b.virtual().says()).isEqualTo("conv1 (core 0): 88.7% virtual busy");
    assertThat(b.wall().cores()).containsExactly(1);
    assertThat(b.wall().says()).isEqualTo("s1a (core 1): 60.0% wall busy");
    assertThat(b.queue().cores()).containsExactly(2);
    assertThat(b.queue().says()).isEqualTo("s1b (core 2): 7 messages waiting");
    assertThat(b.boundImagesPerSecond()).isEqualTo(3189);
    assertThat(b.virtualImagesPerSecond()).isEqualTo(2913);
  }

  @Test
  void coresWithinOnePercentOfTheHighestTieAndAreNamedTogether() {
    // 0.995 is within 1% of 1.0; 0.985 is not
    Bottleneck b = Bottleneck.of(List.of(core(0, "conv1", 1, 0, 1.0, 0), core(1, "s1a", 1, 0, 0.995, 0),
        core(2, "s1a", 1, 0, 1.0, 0), core(3, "s1b", 1, 0, 0.985, 0)), 1, 1);
    assertThat(b.virtual().cores()).containsExactly(0, 1, 2);
    assertThat(b.virtual().layers()).containsExactly("conv1", "s1a");
    assertThat(b.virtual().says()).isEqualTo("3 cores of layers conv1, s1a tie at 100.0% virtual busy");
    // nothing waits anywhere: no queue bottleneck
    assertThat(b.queue()).isNull();
  }

  @Test
  void manyTiedLayersAreCutShortInTheSentence() {
    List<Snapshot.CoreSample> cores = new java.util.ArrayList<>();
    for (int i = 0; i < 11; i++) {
      cores.add(core(i, "l" + i, 1, 0, 0.999, 0));
    }
    assertThat(Bottleneck.of(cores, 1, 1).virtual().says())
        .isEqualTo("11 cores of layers l0, l1, l2, l3, l4 and 6 more tie at 99.9% virtual busy");
    assertThat(Bottleneck.of(List.of(), 1, 1)).isNull();
  }
}
