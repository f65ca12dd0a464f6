package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FabricsTest {
  private static final String VALID =
      "use one of 5pp, kpp:K, mesh, mesh:RxC, torus, torus:RxC, ring, hypercube, full, file:PATH";

  @Test
  void sizedByCores() {
    assertThat(Fabrics.parse("5pp", 60)).isInstanceOfSatisfying(KppFabric.class, f -> {
      assertThat(f.k()).isEqualTo(5);
      assertThat(f.nodes()).isEqualTo(60);
      assertThat(f.links()).isEqualTo(285);
    });
    assertThat(Fabrics.parse("KPP:3", 20).describe()).isEqualTo("3PP(20)");
    assertThat(Fabrics.parse("ring", 9).describe()).isEqualTo("ring(9)");
    assertThat(Fabrics.parse("full", 12).links()).isEqualTo(66);
    assertThat(Fabrics.parse("hypercube", 60).nodes()).isEqualTo(64);
    assertThat(Fabrics.parse("hypercube", 64).nodes()).isEqualTo(64);
    assertThat(Fabrics.parse("hypercube", 65).nodes()).isEqualTo(128);
    assertThat(Fabrics.parse("hypercube", 1).nodes()).isEqualTo(1);
  }

  @ParameterizedTest
  @CsvSource({"60, 8, 8", "10, 4, 3", "64, 8, 8", "65, 9, 8", "1, 1, 1", "2, 2, 1", "3, 2, 2", "17, 5, 4"})
  void meshAndTorusAreTheSmallestNearSquareGrid(int cores, int rows, int cols) {
    MeshFabric mesh = (MeshFabric) Fabrics.parse("mesh", cores);
    assertThat(mesh.rows()).isEqualTo(rows);
    assertThat(mesh.cols()).isEqualTo(cols);
    assertThat(mesh.torus()).isFalse();
    MeshFabric torus = (MeshFabric) Fabrics.parse("Torus", cores);
    assertThat(torus.spec()).isEqualTo("torus:" + rows + "x" + cols);
    assertThat(torus.nodes()).isGreaterThanOrEqualTo(cores);
  }

  @Test
  void fixedSizeGrids() {
    assertThat(Fabrics.parse("mesh:8x8", 60).describe()).isEqualTo("mesh 8x8");
    assertThat(Fabrics.parse(" torus:3X5 ", 15).spec()).isEqualTo("torus:3x5");
    assertThatThrownBy(() -> Fabrics.parse("mesh:2x2", 60))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fabric mesh:2x2 has 4 nodes, too few for 60 cores");
  }

  @ParameterizedTest
  @ValueSource(strings = {"meshy", "5pp:60", "ring:4", "", "hypercube:3"})
  void unknownSpecsListTheValidNames(String spec) {
    assertThatThrownBy(() -> Fabrics.parse(spec, 60))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith(VALID)
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> Fabrics.parse("meshy", 60))
        .hasMessage("unknown fabric 'meshy'; " + VALID);
  }

  @Test
  void badParameters() {
    assertThatThrownBy(() -> Fabrics.parse("kpp:0", 60))
        .hasMessage("kpp:0: K must be a whole number >= 1");
    assertThatThrownBy(() -> Fabrics.parse("kpp:x", 60))
        .hasMessage("kpp:x: K must be a whole number >= 1");
    assertThatThrownBy(() -> Fabrics.parse("kpp", 60))
        .hasMessage("kpp: K must be a whole number >= 1");
    for (String spec : new String[] {"mesh:0x4", "mesh:8", "mesh:8x", "torus:ax2", "mesh:4x-1"}) {
      assertThatThrownBy(() -> Fabrics.parse(spec, 4)).as(spec)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(spec + ": R and C must be whole numbers >= 1");
    }
    assertThatThrownBy(() -> Fabrics.parse("file:", 4)).hasMessageStartingWith("file:: give the path");
    assertThatThrownBy(() -> Fabrics.parse("file", 4)).hasMessageStartingWith("file: give the path");
    assertThatThrownBy(() -> Fabrics.parse("5pp", 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Fabrics.parse("mesh:5000x5000", 4))
        .hasMessage("mesh:5000x5000: 25000000 nodes, more than the 16777216 fivepp handles");
  }

  @Test
  void fileFabrics(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("ring5.txt"), "0 1\n1 2\n2 3\n3 4\n4 0\n");
    Fabric f = Fabrics.parse("file:" + file, 5);
    assertThat(f.spec()).isEqualTo("file:" + file);
    assertThat(f.links()).isEqualTo(5);
    assertThatThrownBy(() -> Fabrics.parse("file:" + file, 6))
        .hasMessage("fabric file:" + file + " has 5 nodes, too few for 6 cores");
    assertThatThrownBy(() -> Fabrics.parse("file:" + dir.resolve("missing.txt"), 6))
        .hasMessage("fabric file " + dir.resolve("missing.txt") + ": no such file");
  }

  @Test
  void namesForHelp() {
    assertThat(Fabrics.names()).containsExactly(
        "5pp", "kpp:K", "mesh", "mesh:RxC", "torus", "torus:RxC", "ring", "hypercube", "full", "file:PATH");
  }
}
