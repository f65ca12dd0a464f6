package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** docs/energy.md, "Layout": where each fabric's vertices sit, and so how long its links are. */
class ChipLayoutTest {

  /** The longest link of {@code f} under its layout, in pitches. */
  private static int longest(Fabric f) {
    ChipLayout l = ChipLayout.of(f);
    int max = 0;
    for (int a = 0; a < f.nodes(); a++) {
      for (int b : f.neighbors(a)) {
        max = Math.max(max, l.pitches(a, b));
      }
    }
    return max;
  }

  @Test
  void fivePpIsASerpentineAsWideAsTheMeshForItsCores() {
    ChipLayout l = ChipLayout.of(new KppFabric(5, 60));
    assertThat(l.describe()).isEqualTo("serpentine of the linear order, 8 cells wide");
    assertThat(new int[] {l.x(7), l.y(7), l.x(8), l.y(8), l.x(12), l.y(12)}).containsExactly(7, 0, 7, 1, 3, 1);
    assertThat(l.pitches(0, 5)).isEqualTo(5);   // a span-5 link along a row
    assertThat(l.pitches(7, 12)).isEqualTo(5);  // across the turn: 4 back and 1 down
    assertThat(l.pitches(5, 10)).isEqualTo(1);  // (5,0) and (5,1): the turn brings them together
    assertThat(longest(new KppFabric(5, 60))).isEqualTo(5);
  }

  @Test
  void meshLinksAreOnePitchAndFoldedTorusAndRingLinksAtMostTwo() {
    assertThat(longest(new MeshFabric(8, 8, false))).isEqualTo(1);
    assertThat(longest(new MeshFabric(8, 8, true))).isEqualTo(2);
    assertThat(longest(new MeshFabric(5, 7, true))).isEqualTo(2);
    assertThat(longest(new RingFabric(60))).isEqualTo(2);
    assertThat(longest(new RingFabric(7))).isEqualTo(2);
    // without folding, a torus's wraparound would be 7 pitches long
    ChipLayout torus = ChipLayout.of(new MeshFabric(8, 8, true));
    assertThat(torus.pitches(0, 7)).isEqualTo(1);
  }

  @Test
  void hypercubeLinksDoubleWithTheirBit() {
    ChipLayout l = ChipLayout.of(new HypercubeFabric(4));
    assertThat(new int[] {l.pitches(0, 1), l.pitches(0, 2), l.pitches(0, 4), l.pitches(0, 8)})
        .containsExactly(1, 2, 1, 2);
    assertThat(l.describe()).isEqualTo("address bits split into 4 columns and 4 rows");
  }

  @Test
  void foldingVisitsEveryCellOnce() {
    assertThat(new int[] {ChipLayout.folded(0, 5), ChipLayout.folded(1, 5), ChipLayout.folded(2, 5),
        ChipLayout.folded(3, 5), ChipLayout.folded(4, 5)}).containsExactly(0, 2, 4, 3, 1);
    assertThat(ChipLayout.gridWidth(60)).isEqualTo(8);
    assertThat(ChipLayout.gridWidth(44)).isEqualTo(7);
  }
}
