package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FullFabricTest {

  @Test
  void everyPairIsOneHop() {
    FullFabric f = new FullFabric(7);
    assertThat(f.links()).isEqualTo(21);
    assertThat(f.channels()).isEqualTo(42);
    assertThat(f.maxDegree()).isEqualTo(6);
    assertThat(f.diameter()).isEqualTo(1);
    assertThat(f.route(2, 5)).containsExactly(2, 5);
    assertThat(f.route(4, 4)).containsExactly(4);
    FabricChecks.all(f, true);

    FullFabric one = new FullFabric(1);
    assertThat(one.diameter()).isZero();
    FabricChecks.all(one, true);
  }

  @Test
  void largeFullFabricAnswersWithoutItsEdges() {
    FullFabric f = new FullFabric(3000);
    assertThat(f.links()).isEqualTo(3000L * 2999 / 2);
    assertThat(f.adjacent(0, 2999)).isTrue();
    assertThat(f.hops(17, 2500)).isEqualTo(1);
    assertThat(f.neighbors(1500)).hasSize(2999);
  }
}
