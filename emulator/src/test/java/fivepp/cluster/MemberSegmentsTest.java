package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemberSegmentsTest {
  static final String A = "pekko://fivepp@127.0.0.1:25521";
  static final String B = "pekko://fivepp@127.0.0.1:25522";

  static Member.Info member(String address, int capacity) {
    return new Member.Info(address, capacity, 0, 0, null);
  }

  @Test
  void cutGivesContiguousSegmentsInAddressOrderProportionalToCapacity() {
    Map<String, int[]> out = MemberSegments.cut(new int[] {5, 3, 1, 0, 2, 4}, List.of(member(B, 4), member(A, 8)));
    assertThat(out.keySet()).containsExactly(A, B);
    assertThat(out.get(A)).containsExactly(0, 1, 2, 3);
    assertThat(out.get(B)).containsExactly(4, 5);
  }

  @Test
  void cutFillsEveryMemberWhenTheArrayNeedsAllTheCapacity() {
    Map<String, int[]> out = MemberSegments.cut(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
        List.of(member(A, 6), member(B, 4)));
    assertThat(out.get(A)).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(out.get(B)).containsExactly(6, 7, 8, 9);
  }

  @Test
  void cutLeavesOutAMemberWithNothingToHost() {
    Map<String, int[]> out = MemberSegments.cut(new int[] {7}, List.of(member(A, 1), member(B, 1)));
    assertThat(out.keySet()).containsExactly(A);
    assertThat(out.get(A)).containsExactly(7);
  }

  @Test
  void cutSaysWhenTheMembersAreTooFew() {
    assertThatThrownBy(() -> MemberSegments.cut(new int[] {0, 1, 2, 3, 4}, List.of(member(A, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the cluster's 1 member(s) host at most 3 vertices and the array needs 5: start more members"
            + " or raise their --capacity");
  }

  @Test
  void parseReadsRangesAndSingleVerticesPerMember() {
    Map<String, int[]> out = MemberSegments.parse("127.0.0.1:25522=30-32+40, 127.0.0.1:25521=0-1");
    assertThat(out.keySet()).containsExactly("127.0.0.1:25521", "127.0.0.1:25522");
    assertThat(out.get("127.0.0.1:25521")).containsExactly(0, 1);
    assertThat(out.get("127.0.0.1:25522")).containsExactly(30, 31, 32, 40);
  }

  @Test
  void parseSaysWhatIsWrong() {
    assertThatThrownBy(() -> MemberSegments.parse("127.0.0.1:25521"))
        .hasMessage("--members-placement '127.0.0.1:25521': give HOST:PORT=FROM-TO[+FROM-TO...] per member,"
            + " e.g. 127.0.0.1:25521=0-29,127.0.0.1:25522=30-59");
    assertThatThrownBy(() -> MemberSegments.parse("127.0.0.1:25521=5-2"))
        .hasMessage("--members-placement: '5-2' is not a vertex range FROM-TO");
  }

  @Test
  void explicitKeepsTheArraysVerticesOnTheMembersNamed() {
    Map<String, int[]> given = new LinkedHashMap<>();
    given.put("127.0.0.1:25521", new int[] {0, 1});
    given.put("127.0.0.1:25522", new int[] {2, 7});
    Map<String, int[]> out = MemberSegments.explicit(new int[] {0, 1, 2}, List.of(member(A, 2), member(B, 3)), given);
    assertThat(out.keySet()).containsExactly(A, B);
    assertThat(out.get(A)).containsExactly(0, 1);
    assertThat(out.get(B)).containsExactly(2);
  }

  @Test
  void explicitSaysWhatIsWrong() {
    List<Member.Info> up = List.of(member(A, 2), member(B, 3));
    int[] array = {0, 1, 2};
    assertThatThrownBy(() -> MemberSegments.explicit(array, up, Map.of("10.0.0.1:1", new int[] {0, 1, 2})))
        .hasMessage("--members-placement names 10.0.0.1:1, which is not a member that is up");
    assertThatThrownBy(() -> MemberSegments.explicit(array, up, Map.of("127.0.0.1:25521", new int[] {0, 1, 2})))
        .hasMessage("--members-placement gives 3 vertices to 127.0.0.1:25521, whose capacity is 2");
    assertThatThrownBy(() -> MemberSegments.explicit(array, up, Map.of("127.0.0.1:25521", new int[] {0})))
        .hasMessage("--members-placement leaves vertices [1, 2] of the array on no member");
    Map<String, int[]> twice = new LinkedHashMap<>();
    twice.put("127.0.0.1:25521", new int[] {0, 1});
    twice.put("127.0.0.1:25522", new int[] {1, 2});
    assertThatThrownBy(() -> MemberSegments.explicit(array, up, twice))
        .hasMessage("--members-placement places vertex 1 twice");
  }
}
