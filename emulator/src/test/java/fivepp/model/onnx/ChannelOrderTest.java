package fivepp.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.model.Input;
import fivepp.model.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelOrderTest {
  @Test
  void aShuffleInTwoGroupsInterleavesTheHalves() {
    assertThat(ChannelOrder.shuffle(6, 2)).containsExactly(0, 3, 1, 4, 2, 5);
    assertThat(ChannelOrder.shuffle(6, 3)).containsExactly(0, 2, 4, 1, 3, 5);
  }

  @Test
  void aGatherSplitsPartsAndMergesConsecutiveChannels() {
    Val v = Val.of(List.of(new Input("a", 0, 3), new Input("b", 0, 3)), new Shape(6, 2, 2), 4);
    Val shuffled = ChannelOrder.gather(v, ChannelOrder.shuffle(6, 2));
    assertThat(shuffled.parts()).containsExactly(new Input("a", 0, 1), new Input("b", 0, 1),
        new Input("a", 1, 1), new Input("b", 1, 1), new Input("a", 2, 1), new Input("b", 2, 1));
    assertThat(ChannelOrder.gather(shuffled, ChannelOrder.range(2, 4)).parts())
        .containsExactly(new Input("a", 1, 1), new Input("b", 1, 1));
    assertThat(ChannelOrder.gather(v, ChannelOrder.range(1, 3)).parts()).containsExactly(new Input("a", 1, 2));
  }

  @Test
  void theCanonicalOrderGroupsEachProducerAscendingAndIsNullWhenItSavesNoPart() {
    List<Input> shuffled = List.of(new Input("a", 0, 1), new Input("b", 4, 1), new Input("a", 1, 1),
        new Input("b", 5, 1));
    // a0 a1 b4 b5 are value channels 0, 2, 1, 3
    assertThat(ChannelOrder.canonical(shuffled)).containsExactly(0, 2, 1, 3);
    assertThat(ChannelOrder.canonical(List.of(new Input("b", 0, 2), new Input("a", 0, 2)))).isNull();
    assertThat(ChannelOrder.canonical(List.of(new Input("a", 0, 1), new Input("a", 0, 1)))).isNull();
  }

  @Test
  void weightBlocksFollowTheGather() {
    // two output rows of three input channels, one value each
    float[] w = {1, 2, 3, 4, 5, 6};
    assertThat(ChannelOrder.gatherBlocks(w, 2, 1, new int[] {2, 0, 1})).containsExactly(3, 1, 2, 6, 4, 5);
  }
}
