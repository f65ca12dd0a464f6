package fivepp.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileFabricTest {
  @TempDir Path dir;

  private Path write(String text) throws IOException {
    return Files.writeString(dir.resolve("f.txt"), text);
  }

  @Test
  void readsARingWithCommentsAndDuplicates() throws IOException {
    FileFabric f = FileFabric.read(write("""
        # a ring of five
        0 1
          1 2   # trailing comment

        2 3
        3\t4
        4 0
        1 0
        """));
    assertThat(f.nodes()).isEqualTo(5);
    assertThat(f.links()).isEqualTo(5);
    assertThat(f.channels()).isEqualTo(10);
    assertThat(f.maxDegree()).isEqualTo(2);
    assertThat(f.diameter()).isEqualTo(2);
    assertThat(f.neighbors(0)).containsExactly(1, 4);
    assertThat(f.route(0, 3)).containsExactly(0, 4, 3);
    assertThat(f.route(1, 3)).containsExactly(1, 2, 3);
    assertThat(f.route(2, 2)).containsExactly(2);
    assertThat(f.placementOrder()).containsExactly(0, 1, 4, 2, 3);
    assertThat(f.spec()).isEqualTo("file:" + dir.resolve("f.txt"));
    FabricChecks.all(f, false);
  }

  @Test
  void routesAreMinimalAndDeterministicOnAnIrregularGraph() throws IOException {
    // Petersen graph: outer 5-cycle, inner pentagram, spokes; diameter 2.
    String text = "nodes 10\n0 1\n1 2\n2 3\n3 4\n4 0\n0 5\n1 6\n2 7\n3 8\n4 9\n5 7\n7 9\n9 6\n6 8\n8 5\n";
    FileFabric f = FileFabric.read(write(text));
    assertThat(f.links()).isEqualTo(15);
    assertThat(f.diameter()).isEqualTo(2);
    assertThat(f.maxDegree()).isEqualTo(3);
    FabricChecks.all(f, false);
    assertThat(f.route(6, 3)).containsExactly(6, 8, 3);
  }

  @Test
  void tiesGoToTheSmallerNeighbourWhateverTheLineOrder() throws IOException {
    FileFabric square = FileFabric.read(write("3 0\n2 3\n1 2\n0 1\n"));
    assertThat(square.route(0, 2)).containsExactly(0, 1, 2);
    assertThat(square.route(3, 1)).containsExactly(3, 0, 1);
    assertThat(square.route(2, 0)).containsExactly(2, 1, 0);
    assertThat(square.placementOrder()).containsExactly(0, 1, 3, 2);
  }

  @Test
  void rejectsMistakesWithFileAndLine() throws IOException {
    String name = dir.resolve("f.txt").toString();
    assertThatThrownBy(() -> FileFabric.read(write("0 1\n1 2 3\n")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fabric file " + name + " line 2: expected 'A B' (two vertex ids) or 'nodes N', got '1 2 3'");
    assertThatThrownBy(() -> FileFabric.read(write("0 1\n1 x\n")))
        .hasMessageStartingWith("fabric file " + name + " line 2: expected 'A B'");
    assertThatThrownBy(() -> FileFabric.read(write("# loops\n0 1\n4 4\n")))
        .hasMessage("fabric file " + name + " line 3: self-loop 4-4");
    assertThatThrownBy(() -> FileFabric.read(write("0 1\n\n-2 1\n")))
        .hasMessage("fabric file " + name + " line 3: negative vertex id -2");
    assertThatThrownBy(() -> FileFabric.read(write("0 1\n1 2\n2 0\n3 4\n4 5\n5 3\n")))
        .hasMessage("fabric file " + name + " line 4: fabric is not connected: vertex 3 cannot reach vertex 0");
    assertThatThrownBy(() -> FileFabric.read(write("0 1\n1 2\n2 4\n")))
        .hasMessage("fabric file " + name + ": fabric is not connected: vertex 3 has no links (vertices are 0..4)");
    assertThatThrownBy(() -> FileFabric.read(write("nodes 4\n0 1\n1 2\n")))
        .hasMessage("fabric file " + name + " line 1: fabric is not connected: vertex 3 has no links (vertices are 0..3)");
    assertThatThrownBy(() -> FileFabric.read(write("nodes 3\n0 1\n1 2\n2 3\n")))
        .hasMessage("fabric file " + name + " line 4: vertex id 3 is not below the 3 nodes declared on line 1");
    assertThatThrownBy(() -> FileFabric.read(write("# nothing\n\n")))
        .hasMessage("fabric file " + name + ": no links (write one link 'A B' per line)");
    assertThatThrownBy(() -> FileFabric.read(dir.resolve("absent.txt")))
        .hasMessage("fabric file " + dir.resolve("absent.txt") + ": no such file");
    assertThatThrownBy(() -> FileFabric.read(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fabric file " + dir + ": a folder, not a file; give the edge-list file itself");
  }

  @Test
  void declaredSizeMayMatchTheLargestId() throws IOException {
    FileFabric f = FileFabric.read(write("nodes 3\n0 1\n1 2\n"));
    assertThat(f.nodes()).isEqualTo(3);
    assertThat(f.diameter()).isEqualTo(2);
  }

  @Test
  void aFileOverTheVertexLimitIsRefusedAtTheFirstLineThatCrossesIt() throws IOException {
    String name = dir.resolve("f.txt").toString();
    String how = " is over the limit of 20,000 vertices (raise it with FIVEPP_JAVA_OPTS=-Dfivepp.max-fabric-vertices=N;"
        + " the diameter alone then takes a BFS from each of N vertices)";
    assertThatThrownBy(() -> FileFabric.read(write("nodes 200000\n0 1\n")))
        .hasMessage("fabric file " + name + " line 1: 200000 nodes" + how);
    assertThatThrownBy(() -> FileFabric.read(write("0 1\n1 2\n2 20000\n")))
        .hasMessage("fabric file " + name + " line 3: vertex id 20000" + how);
    System.setProperty(FileFabric.MAX_VERTICES_PROPERTY, "3");
    try {
      assertThatThrownBy(() -> FileFabric.read(write("0 1\n1 2\n2 3\n")))
          .hasMessageStartingWith("fabric file " + name + " line 3: vertex id 3 is over the limit of 3 vertices");
      assertThat(FileFabric.read(write("0 1\n1 2\n")).nodes()).isEqualTo(3);
    } finally {
      System.clearProperty(FileFabric.MAX_VERTICES_PROPERTY);
    }
  }

  @Test
  void aRingOfFiveThousandIsMeasuredAndRoutedInLinearTime() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      sb.append(i).append(' ').append((i + 1) % 5000).append('\n');
    }
    long start = System.nanoTime();
    FileFabric f = FileFabric.read(write(sb.toString()));
    assertThat(f.diameter()).isEqualTo(2500);
    assertThat(f.placementOrder()).startsWith(0, 1, 4999, 2, 4998);
    assertThat(f.hops(10, 4990)).isEqualTo(20);
    assertThat(f.route(0, 2500)).hasSize(2501).startsWith(0, 1);
    // all-pairs BFS through JGraphT took minutes here; plain BFS over int arrays well under a second
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }
}
