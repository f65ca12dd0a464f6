package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KppFabricTest {

  @Test
  void fivePpOf23HasTheCountedLinksAndDiameter() {
    KppFabric f = new KppFabric(5, 23);
    assertThat(f.nodes()).isEqualTo(23);
    assertThat(f.links()).isEqualTo(5 * 23 - 15);
    assertThat(f.channels()).isEqualTo(200);
    assertThat(f.maxDegree()).isEqualTo(10);
    assertThat(f.diameter()).isEqualTo(5);
    assertThat(f.spec()).isEqualTo("5pp");
    assertThat(f.describe()).isEqualTo("5PP(23)");
    FabricChecks.all(f, true);
  }

  @Test
  void fivePpOf60() {
    KppFabric f = new KppFabric(5, 60);
    assertThat(f.links()).isEqualTo(285);
    assertThat(f.diameter()).isEqualTo(12);
    assertThat(f.neighbors(0)).containsExactly(1, 2, 3, 4, 5);
    assertThat(f.neighbors(30)).containsExactly(25, 26, 27, 28, 29, 31, 32, 33, 34, 35);
    assertThat(f.adjacent(10, 15)).isTrue();
    assertThat(f.adjacent(10, 16)).isFalse();
  }

  @Test
  void otherKAndSmallN() {
    KppFabric three = new KppFabric(3, 10);
    assertThat(three.spec()).isEqualTo("kpp:3");
    assertThat(three.describe()).isEqualTo("3PP(10)");
    assertThat(three.links()).isEqualTo(9 + 8 + 7);
    assertThat(three.diameter()).isEqualTo(3);
    FabricChecks.all(three, true);

    KppFabric small = new KppFabric(5, 4); // k >= N - 1: complete graph
    assertThat(small.links()).isEqualTo(6);
    assertThat(small.maxDegree()).isEqualTo(3);
    assertThat(small.diameter()).isEqualTo(1);
    FabricChecks.all(small, true);

    KppFabric one = new KppFabric(5, 1);
    assertThat(one.links()).isZero();
    assertThat(one.diameter()).isZero();
    assertThat(one.route(0, 0)).containsExactly(0);
    FabricChecks.all(new KppFabric(1, 7), true);
  }

  @Test
  void routesForwardAsFarAsALinkReaches() {
    KppFabric f = new KppFabric(5, 60);
    assertThat(f.route(0, 12)).containsExactly(0, 5, 10, 12);
    assertThat(f.route(12, 0)).containsExactly(12, 7, 2, 0);
    assertThat(f.route(3, 8)).containsExactly(3, 8);
    assertThat(f.route(7, 7)).containsExactly(7);
    assertThat(f.hops(0, 59)).isEqualTo(12);
  }

  @Test
  void rejectsBadSizesAndVertices() {
    assertThatThrownBy(() -> new KppFabric(0, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new KppFabric(5, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new KppFabric(5, 10).route(0, 10))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
