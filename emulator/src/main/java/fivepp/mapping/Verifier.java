package fivepp.mapping;

import fivepp.fabric.Fabric;
import java.util.ArrayList;
import java.util.List;

/**
 * The trusted homomorphism check (paper.md B5), independent of the search: a placement is a
 * homomorphism of the core graph into the fabric when it maps cores injectively onto vertices
 * and every flow's two ends are adjacent vertices. It uses nothing but the fabric's adjacency.
 */
public final class Verifier {
  private Verifier() {}

  /** A flow whose ends are not adjacent on the fabric. */
  public record Broken(Flow flow, int fromVertex, int toVertex) {}

  /** The verdict: problems with the placement itself, and every flow that is not single-hop. */
  public record Verdict(List<String> placementErrors, List<Broken> notSingleHop) {
    public boolean homomorphism() {
      return placementErrors.isEmpty() && notSingleHop.isEmpty();
    }
  }

  public static Verdict verify(int cores, List<Flow> flows, Fabric fabric, int[] vertexOf) {
    List<String> errors = new ArrayList<>();
    if (vertexOf.length != cores) {
      errors.add("placement has " + vertexOf.length + " entries for " + cores + " cores");
      return new Verdict(errors, List.of());
    }
    int[] owner = new int[fabric.nodes()];
    java.util.Arrays.fill(owner, -1);
    for (int c = 0; c < cores; c++) {
      int v = vertexOf[c];
      if (v < 0 || v >= fabric.nodes()) {
        errors.add("core " + c + " on vertex " + v + ", outside the fabric's 0.." + (fabric.nodes() - 1));
      } else if (owner[v] >= 0) {
        errors.add("cores " + owner[v] + " and " + c + " share vertex " + v);
      } else {
        owner[v] = c;
      }
    }
    List<Broken> broken = new ArrayList<>();
    if (errors.isEmpty()) {
      for (Flow f : flows) {
        int a = vertexOf[f.from()];
        int b = vertexOf[f.to()];
        if (!fabric.adjacent(a, b)) {
          broken.add(new Broken(f, a, b));
        }
      }
    }
    return new Verdict(errors, broken);
  }

  public static Verdict verify(CoreGraph g, Fabric fabric, Placement p) {
    return verify(g.cores().size(), g.flows(), fabric, p.vertexOf());
  }
}
