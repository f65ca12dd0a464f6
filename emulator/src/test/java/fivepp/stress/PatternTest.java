package fivepp.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.fabric.Fabric;
import fivepp.fabric.Fabrics;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PatternTest {
  final SplittableRandom rng = new SplittableRandom(1);
  final Fabric mesh = Fabrics.parse("mesh:8x8", 64);

  int dest(String p, Fabric f, int s) {
    return Pattern.parse(p, f, null).dest(s, rng);
  }

  @Test
  void bitPermutationsOn64Nodes() {
    // node r*8+c: transpose sends (r, c) to (c, r); the diagonal does not send
    assertThat(dest("transpose", mesh, 1 * 8 + 6)).isEqualTo(6 * 8 + 1);
    assertThat(dest("transpose", mesh, 3 * 8 + 3)).isEqualTo(-1);
    assertThat(dest("bitcomp", mesh, 0b000101)).isEqualTo(0b111010);
    assertThat(dest("bitrev", mesh, 0b000011)).isEqualTo(0b110000);
    assertThat(dest("shuffle", mesh, 0b100110)).isEqualTo(0b001101);
  }

  @Test
  void gridPatternsWorkPerDimension() {
    // tornado: x + ceil(8/2) - 1 = x + 3 in each dimension; neighbor: x + 1
    assertThat(dest("tornado", mesh, 2 * 8 + 6)).isEqualTo(5 * 8 + 1);
    assertThat(dest("neighbor", mesh, 7 * 8 + 7)).isEqualTo(0);
    Fabric pp = Fabrics.parse("5pp", 60);
    assertThat(dest("tornado", pp, 50)).isEqualTo((50 + 29) % 60);
    assertThat(dest("neighbor", pp, 59)).isEqualTo(0);
  }

  @Test
  void onNonPowerOfTwoNodesOutOfRangeImagesDoNotSend() {
    Fabric pp = Fabrics.parse("5pp", 60);
    // 6 bits; bitcomp of 2 is 61, outside 0..59: node 2 does not send
    assertThat(dest("bitcomp", pp, 2)).isEqualTo(-1);
    assertThat(dest("bitcomp", pp, 10)).isEqualTo(53);
    SyntheticTraffic t = new SyntheticTraffic("bitcomp", Pattern.parse("bitcomp", pp, null), 60,
        new RouteTable(pp, Faults.NONE).aliveNodes(), 0.1, 20, Traffic.Injection.BERNOULLI);
    assertThat(t.sources()).hasSize(56).doesNotContain(0, 1, 2, 3);
  }

  @Test
  void uniformAndHotspotSpreadAsStated() {
    Pattern u = Pattern.parse("uniform", mesh, null);
    Pattern h = Pattern.parse("hotspot", mesh, "0,63:0.5");
    int[] countU = new int[64];
    int hot = 0;
    for (int i = 0; i < 63_000; i++) {
      int d = u.dest(5, rng);
      countU[d]++;
      int e = h.dest(5, rng);
      hot += e == 0 || e == 63 ? 1 : 0;
    }
    assertThat(countU[5]).isZero();
    assertThat(countU[0]).isBetween(850, 1150);
    // half to the two hot nodes, plus their uniform share 2/63 of the other half
    assertThat(hot / 63_000.0).isBetween(0.5 + 0.5 * 2 / 63 - 0.01, 0.5 + 0.5 * 2 / 63 + 0.01);
  }

  @Test
  void badPatternsAreNamed() {
    assertThatThrownBy(() -> Pattern.parse("zigzag", mesh, null)).hasMessageContaining("unknown pattern 'zigzag'");
    assertThatThrownBy(() -> Pattern.parse("hotspot", mesh, null)).hasMessageContaining("needs --hotspot");
    assertThatThrownBy(() -> Pattern.parse("hotspot", mesh, "99:0.2")).hasMessageContaining("--hotspot '99:0.2'");
    assertThatThrownBy(() -> Pattern.parse("uniform", mesh, "1:0.2")).hasMessageContaining("--hotspot goes with");
  }
}
