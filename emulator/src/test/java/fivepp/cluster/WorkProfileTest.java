package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.runtime.RunReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkProfileTest {

  static RunReport.CoreReport core(int id, int vertex, double wallBusy) {
    return new RunReport.CoreReport(id, "l" + id, vertex, 0, 0, wallBusy, 0, 0);
  }

  @Test
  void aCoresBusyTimePerImageIsItsWallBusyFractionOfTheRunOverItsImages() {
    WorkProfile p = WorkProfile.of(List.of(core(0, 4, 0.5), core(1, 7, 0.1)), 2.0, 4);
    assertThat(p.busyNanosPerImage()).containsExactlyInAnyOrderEntriesOf(Map.of(4, 2.5e8, 7, 5e7));
    assertThatThrownBy(() -> WorkProfile.of(List.of(core(0, 4, Double.NaN)), 2.0, 4))
        .hasMessage("the profile's core 0 has no busy fraction");
    assertThatThrownBy(() -> WorkProfile.of(List.of(core(0, 4, 0.5)), 0, 4))
        .hasMessage("the profile's run took no time or no images");
  }

  @Test
  void measuredTimeReplacesTheModelsWorkAndMovesTheCut() {
    // the model thinks vertex 2 the heaviest; measured, vertex 0 is: the cut follows the measurement
    List<VertexCosts.Vertex> vs = List.of(new VertexCosts.Vertex(0, 0, 10, 10, 4, 100),
        new VertexCosts.Vertex(1, 1, 10, 10, 4, 100), new VertexCosts.Vertex(2, 2, 20, 20, 4, 100),
        new VertexCosts.Vertex(3, -1, 0, 5, 0, 64));
    VertexCosts model = VertexCosts.of(vs, List.of(), 7);
    List<Member.Info> two = WorkPlacementTest.equal(2);
    assertThat(WorkPlacementTest.sizes(WorkPlacement.cut(model, model.vertices(), two))).containsExactly(2, 2);
    VertexCosts measured = new WorkProfile(Map.of(0, 300.0, 1, 100.0, 2, 100.0)).apply(model);
    // 40 units of core work, shared as measured (3:1:1); the router keeps its 5; nothing else changes
    assertThat(List.of(0, 1, 2, 3).stream().map(v -> measured.vertex(v).work())).containsExactly(24L, 8L, 8L, 5L);
    assertThat(measured.vertex(2).macs()).isEqualTo(20);
    assertThat(measured.vertex(2).memoryBytes()).isEqualTo(100);
    assertThat(measured.sharedBytes()).isEqualTo(7);
    assertThat(WorkPlacementTest.sizes(WorkPlacement.cut(measured, measured.vertices(), two))).containsExactly(1, 3);
  }

  @Test
  void aProfileOfAnotherArrayIsRefused() {
    VertexCosts model = VertexCosts.of(List.of(new VertexCosts.Vertex(0, 0, 10, 10, 4, 100),
        new VertexCosts.Vertex(1, 1, 10, 10, 4, 100)), List.of(), 0);
    assertThatThrownBy(() -> new WorkProfile(Map.of(0, 1.0, 5, 1.0)).apply(model))
        .hasMessage("the work profile is of another array: it has cores on 2 vertices, this array on 2"
            + " (profile a run of the same model, input, crossbar and fabric)");
    assertThatThrownBy(() -> new WorkProfile(Map.of(0, 0.0, 1, 0.0)).apply(model))
        .hasMessage("the work profile's cores were never busy");
  }
}
