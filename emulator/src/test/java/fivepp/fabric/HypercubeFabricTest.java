package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HypercubeFabricTest {

  @Test
  void cubeOfDimension3() {
    HypercubeFabric f = new HypercubeFabric(3);
    assertThat(f.nodes()).isEqualTo(8);
    assertThat(f.links()).isEqualTo(12);
    assertThat(f.maxDegree()).isEqualTo(3);
    assertThat(f.diameter()).isEqualTo(3);
    assertThat(f.neighbors(3)).containsExactly(1, 2, 7);
    assertThat(f.route(0, 7)).containsExactly(0, 1, 3, 7);
    assertThat(f.route(6, 1)).containsExactly(6, 7, 5, 1);
    assertThat(f.placementOrder()).containsExactly(0, 1, 3, 2, 6, 7, 5, 4);
    FabricChecks.all(f, true);
  }

  @Test
  void otherDimensions() {
    HypercubeFabric zero = new HypercubeFabric(0);
    assertThat(zero.nodes()).isEqualTo(1);
    assertThat(zero.links()).isZero();
    FabricChecks.all(zero, true);
    FabricChecks.all(new HypercubeFabric(1), true);
    HypercubeFabric five = new HypercubeFabric(5);
    assertThat(five.links()).isEqualTo(80);
    FabricChecks.all(five, true);
  }
}
