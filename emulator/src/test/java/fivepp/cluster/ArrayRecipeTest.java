package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.mapping.CoreGraph;
import fivepp.mapping.LinearOrder;
import fivepp.mapping.Placement;
import fivepp.mapping.Tiling;
import fivepp.fabric.Fabrics;
import fivepp.runtime.CorePlan;
import fivepp.runtime.RunOptions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A member rebuilds the plans, and draws the weights, of the cores it hosts and of no other. */
class ArrayRecipeTest {

  static long floats(List<CorePlan> plans) {
    return plans.stream().flatMap(p -> p.blocks.stream()).mapToLong(b -> b.weights().length).sum();
  }

  @Test
  void aShareHoldsItsOwnCoresPlansExactlyAsTheWholeArrayHasThem() throws Exception {
    CoreGraph g = CoreGraph.of(fivepp.model.Zoo.get("resnet20"), Tiling.DEFAULT);
    Placement p = Placement.along(LinearOrder.search(g), Fabrics.parse("5pp", g.cores().size()));
    ArrayRecipe recipe = new ArrayRecipe("resnet20", null, null, null, null, 0, 7, "256x256", Tiling.Concat.FORWARD, 8, 16,
        "5pp", p.vertexOf(), RunOptions.DEFAULT);
    ArrayRecipe.Built all = recipe.build();
    // the first third of the cores' vertices
    int[] vertices = Arrays.stream(p.vertexOf()).sorted().limit(g.cores().size() / 3).toArray();
    ArrayRecipe.Built share = recipe.build(vertices);

    List<Integer> want = Arrays.stream(vertices).mapToObj(v -> {
      for (int c = 0; c < p.vertexOf().length; c++) {
        if (p.vertexOf()[c] == v) {
          return c;
        }
      }
      throw new AssertionError();
    }).sorted().toList();
    assertThat(share.plans()).extracting(x -> x.core.id()).containsExactlyElementsOf(want);
    Map<Integer, CorePlan> whole = all.plans().stream().collect(Collectors.toMap(x -> x.core.id(), x -> x));
    for (CorePlan mine : share.plans()) {
      CorePlan ref = whole.get(mine.core.id());
      assertThat(mine.blocks).hasSameSizeAs(ref.blocks);
      for (int b = 0; b < ref.blocks.size(); b++) {
        assertThat(mine.blocks.get(b).weights()).containsExactly(ref.blocks.get(b).weights());
      }
      assertThat(mine.bias).containsExactly(ref.bias);
      assertThat(mine.sends).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(ref.sends);
    }
    // what the share holds is its part of the weights, not the whole model's
    long mine = floats(share.plans());
    assertThat(mine).isPositive().isLessThan(floats(all.plans()) / 2);
  }
}
