package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RingFabricTest {

  @Test
  void ringOf6GoesTheShorterWayAndUpOnATie() {
    RingFabric f = new RingFabric(6);
    assertThat(f.links()).isEqualTo(6);
    assertThat(f.channels()).isEqualTo(12);
    assertThat(f.maxDegree()).isEqualTo(2);
    assertThat(f.diameter()).isEqualTo(3);
    assertThat(f.neighbors(0)).containsExactly(1, 5);
    assertThat(f.route(0, 3)).containsExactly(0, 1, 2, 3);
    assertThat(f.route(0, 4)).containsExactly(0, 5, 4);
    assertThat(f.route(4, 1)).containsExactly(4, 5, 0, 1);
    assertThat(f.placementOrder()).containsExactly(0, 1, 2, 3, 4, 5);
    FabricChecks.all(f, true);
  }

  @Test
  void tinyRings() {
    RingFabric one = new RingFabric(1);
    assertThat(one.links()).isZero();
    assertThat(one.neighbors(0)).isEmpty();
    FabricChecks.all(one, true);

    RingFabric two = new RingFabric(2);
    assertThat(two.links()).isEqualTo(1);
    assertThat(two.maxDegree()).isEqualTo(1);
    assertThat(two.diameter()).isEqualTo(1);
    assertThat(two.neighbors(1)).containsExactly(0);
    FabricChecks.all(two, true);

    RingFabric three = new RingFabric(3);
    assertThat(three.links()).isEqualTo(3);
    assertThat(three.diameter()).isEqualTo(1);
    FabricChecks.all(three, true);
    FabricChecks.all(new RingFabric(7), true);
  }
}
