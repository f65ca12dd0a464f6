package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MeshFabricTest {

  @Test
  void mesh4x4() {
    MeshFabric f = new MeshFabric(4, 4, false);
    assertThat(f.nodes()).isEqualTo(16);
    assertThat(f.links()).isEqualTo(24);
    assertThat(f.channels()).isEqualTo(48);
    assertThat(f.maxDegree()).isEqualTo(4);
    assertThat(f.diameter()).isEqualTo(6);
    assertThat(f.spec()).isEqualTo("mesh:4x4");
    assertThat(f.describe()).isEqualTo("mesh 4x4");
    assertThat(f.neighbors(5)).containsExactly(1, 4, 6, 9);
    assertThat(f.neighbors(0)).containsExactly(1, 4);
    assertThat(f.adjacent(3, 4)).isFalse(); // no wrap between rows
    assertThat(f.route(0, 15)).containsExactly(0, 1, 2, 3, 7, 11, 15);
    assertThat(f.route(15, 0)).containsExactly(15, 14, 13, 12, 8, 4, 0);
    assertThat(f.placementOrder()).containsExactly(0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11, 15, 14, 13, 12);
    FabricChecks.all(f, true);
  }

  @Test
  void torus4x4() {
    MeshFabric f = new MeshFabric(4, 4, true);
    assertThat(f.links()).isEqualTo(32);
    assertThat(f.maxDegree()).isEqualTo(4);
    assertThat(f.diameter()).isEqualTo(4);
    assertThat(f.spec()).isEqualTo("torus:4x4");
    assertThat(f.describe()).isEqualTo("torus 4x4");
    assertThat(f.neighbors(0)).containsExactly(1, 3, 4, 12);
    assertThat(f.route(0, 3)).containsExactly(0, 3);
    assertThat(f.route(0, 2)).containsExactly(0, 1, 2); // tie: increasing
    assertThat(f.route(0, 10)).containsExactly(0, 1, 2, 6, 10);
    assertThat(f.route(5, 15)).containsExactly(5, 6, 7, 11, 15);
    FabricChecks.all(f, true);
  }

  @ParameterizedTest
  @CsvSource({
    // rows, cols, torus, links, maxDegree, diameter
    "1, 1, false, 0, 0, 0",
    "1, 1, true, 0, 0, 0",
    "1, 5, false, 4, 2, 4",
    "1, 5, true, 5, 2, 2",
    "2, 2, true, 4, 2, 2",
    "2, 3, true, 9, 3, 2",
    "3, 2, false, 7, 3, 3",
    "3, 5, true, 30, 4, 3",
    "4, 3, false, 17, 4, 5",
    "5, 4, true, 40, 4, 4",
  })
  void smallGridsAgreeWithJGraphT(int rows, int cols, boolean torus, long links, int degree, int diameter) {
    MeshFabric f = new MeshFabric(rows, cols, torus);
    assertThat(f.links()).isEqualTo(links);
    assertThat(f.maxDegree()).isEqualTo(degree);
    assertThat(f.diameter()).isEqualTo(diameter);
    FabricChecks.all(f, true);
  }

  @Test
  void twoLongTorusDimensionHasOneLink() {
    MeshFabric f = new MeshFabric(2, 1, true);
    assertThat(f.links()).isEqualTo(1);
    assertThat(f.neighbors(0)).containsExactly(1);
    assertThat(f.route(1, 0)).containsExactly(1, 0);
  }
}
