package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import fivepp.model.Shape;
import org.junit.jupiter.api.Test;

/** Outputs come back together row by row, and the run's times follow from them. */
class OutputAssemblyTest {

  @Test
  void rowsOfChannelsLandWhereTheyBelongAndCompleteTheImageOnce() {
    // 2 channels of 2x3: rows arrive in any order, channel 1 from another core
    OutputAssembly a = new OutputAssembly(new Shape(2, 2, 3), 1);
    a.started(0, 1e-6, 1_000);
    assertThat(a.add(new Coordinator.Output(0, 1, 1, 3, new float[] {11, 12, 13}, 4e-6, 0), 2_000)).isEqualTo(-1);
    assertThat(a.add(new Coordinator.Output(0, 0, 0, 3, new float[] {1, 2, 3}, 3e-6, 0), 3_000)).isEqualTo(-1);
    assertThat(a.add(new Coordinator.Output(0, 0, 1, 3, new float[] {4, 5, 6}, 2e-6, 0), 4_000)).isEqualTo(-1);
    assertThat(a.add(new Coordinator.Output(0, 1, 0, 3, new float[] {8, 9, 10}, 5e-6, 0), 5_000)).isEqualTo(4_000);
    assertThat(a.logits()[0]).containsExactly(1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13);
    assertThat(a.virtualDone(0)).isEqualTo(5e-6);
    assertThat(a.virtualLatencyP50()).isCloseTo(4e-6, within(1e-18));
    assertThat(a.top1()).containsExactly(11);
    assertThatThrownBy(() -> a.add(new Coordinator.Output(0, 0, 0, 3, new float[] {1, 2, 3}, 3e-6, 0), 6_000))
        .hasMessageContaining("received 15 output values, expected 12");
  }

  @Test
  void virtualThroughputIsImagesBetweenTheFirstAndTheLastOut() {
    OutputAssembly a = new OutputAssembly(new Shape(1, 1, 1), 3);
    for (int i = 0; i < 3; i++) {
      a.started(i, 0, 0);
    }
    a.add(new Coordinator.Output(2, 0, 0, 1, new float[] {0}, 5e-6, 0), 1);
    a.add(new Coordinator.Output(0, 0, 0, 1, new float[] {0}, 1e-6, 0), 1);
    a.add(new Coordinator.Output(1, 0, 0, 1, new float[] {0}, 3e-6, 0), 1);
    // two images in 4 us
    assertThat(a.virtualImagesPerSecond()).isCloseTo(500_000, within(1e-6));
    assertThat(a.makespan()).isEqualTo(5e-6);
    a.forget(1);
    assertThat(a.virtualDone(1)).isZero();
  }
}
