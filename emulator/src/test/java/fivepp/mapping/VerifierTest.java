package fivepp.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.fabric.KppFabric;
import fivepp.fabric.MeshFabric;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifierTest {
  private static final KppFabric PATH6 = new KppFabric(1, 6);
  private static final List<Flow> CHAIN = List.of(
      new Flow(0, 1, 100, Flow.Kind.ACTIVATION),
      new Flow(1, 2, 50, Flow.Kind.ACTIVATION),
      new Flow(0, 2, 10, Flow.Kind.RESIDUAL));

  @Test
  void acceptsAPlacementWhereEveryFlowRidesOneLink() {
    Verifier.Verdict v = Verifier.verify(3, CHAIN, new KppFabric(2, 3), new int[] {0, 1, 2});
    assertThat(v.homomorphism()).isTrue();
  }

  @Test
  void reportsAFlowWhoseEndsAreTwoHopsApart() {
    Verifier.Verdict v = Verifier.verify(3, CHAIN, PATH6, new int[] {0, 1, 2});
    assertThat(v.homomorphism()).isFalse();
    assertThat(v.placementErrors()).isEmpty();
    assertThat(v.notSingleHop()).singleElement().satisfies(b -> {
      assertThat(b.flow()).isEqualTo(CHAIN.get(2));
      assertThat(b.fromVertex()).isZero();
      assertThat(b.toVertex()).isEqualTo(2);
    });
  }

  @Test
  void rejectsTwoCoresOnOneVertex() {
    Verifier.Verdict v = Verifier.verify(3, CHAIN, PATH6, new int[] {0, 1, 1});
    assertThat(v.homomorphism()).isFalse();
    assertThat(v.placementErrors()).containsExactly("cores 1 and 2 share vertex 1");
  }

  @Test
  void rejectsAVertexOutsideTheFabric() {
    Verifier.Verdict v = Verifier.verify(3, CHAIN, PATH6, new int[] {0, 1, 6});
    assertThat(v.placementErrors()).containsExactly("core 2 on vertex 6, outside the fabric's 0..5");
    assertThat(Verifier.verify(3, CHAIN, PATH6, new int[] {-1, 1, 2}).homomorphism()).isFalse();
  }

  @Test
  void rejectsAPlacementOfTheWrongLength() {
    assertThat(Verifier.verify(3, CHAIN, PATH6, new int[] {0, 1}).placementErrors())
        .containsExactly("placement has 2 entries for 3 cores");
  }

  @Test
  void judgesByAdjacencyOnTheMeshToo() {
    MeshFabric mesh = new MeshFabric(2, 2, false);
    // vertices 0 and 3 are diagonal on a 2x2 mesh
    assertThat(Verifier.verify(3, CHAIN, mesh, new int[] {0, 1, 3}).notSingleHop()).hasSize(1);
    assertThat(Verifier.verify(3, CHAIN, mesh, new int[] {1, 0, 2}).notSingleHop()).hasSize(1);
  }
}
