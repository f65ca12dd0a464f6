package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.mapping.CoreGraph;
import fivepp.mapping.Tiling;
import fivepp.model.Zoo;
import fivepp.runtime.Deployment;
import fivepp.runtime.RunOptions;
import org.junit.jupiter.api.Test;

/** A message larger than one Artery frame would be dropped: such an array is refused up front. */
class FrameLimitTest {
  static final CoreGraph RESNET32 = CoreGraph.of(Zoo.get("resnet32"), Tiling.DEFAULT);

  @Test
  void resnet32RowsFitTheConfiguredFrame() {
    // its widest row: 16 channels x 32 pixels (or 32 x 16, 64 x 8) of float32 = 2,048 bytes
    assertThatCode(() -> ClusterRun.checkFrames(RESNET32, RunOptions.DEFAULT, 4 << 20)).doesNotThrowAnyException();
    assertThatCode(() -> ClusterRun.checkFrames(RESNET32, RunOptions.DEFAULT, 3072)).doesNotThrowAnyException();
  }

  @Test
  void aRowLargerThanTheFrameIsRefusedUnlessPixelsTravelAlone() {
    assertThatThrownBy(() -> ClusterRun.checkFrames(RESNET32, RunOptions.DEFAULT, 3071))
        .isInstanceOf(Deployment.Failed.class)
        .hasMessageStartingWith("a row of layer conv1 (")
        .hasMessageContaining("takes 3072 bytes on the wire, more than Artery's maximum-frame-size of 3071 bytes");
    assertThatCode(() -> ClusterRun.checkFrames(RESNET32, RunOptions.DEFAULT.withPixels(true), 3071))
        .doesNotThrowAnyException();
  }
}
