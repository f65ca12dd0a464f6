package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.runtime.LiveStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveColumnsTest {

  @Test
  void packsVerticesByVertexChannelsInOrderAndEnvelopesByMember() {
    LiveStats live = new LiveStats(6, 1e-7);
    // registered out of order: the columns come by ascending vertex
    live.vertex(3, 1).mirror("a:1", 10, 2_000, 1.5e-6, 7, 8);
    live.vertex(0, 0).mirror("a:1", 20, 3_000, 2.5e-6, 9, 11);
    live.vertex(5, -1).mirror("a:1", 0, 400, 0, 12, 12);
    live.vertexOrNull(3).mirrorChannel(5, 640, 4);
    live.vertexOrNull(0).mirrorChannel(3, 1_280, 8);
    live.vertexOrNull(0).publishEnvelopes(6, Map.of("c:3", 2L, "b:2", 5L));
    live.vertexOrNull(5).publishEnvelopes(1, Map.of("b:2", 1L));

    Member.LiveCounters c = LiveColumns.pack("a:1", 42, live, 1_000_000, 2_000_000);

    assertThat(c.address()).isEqualTo("a:1");
    assertThat(c.run()).isEqualTo(42);
    assertThat(c.vertex()).containsExactly(0, 3, 5);
    assertThat(c.core()).containsExactly(0, 1, -1);
    assertThat(c.mvms()).containsExactly(20, 10, 0);
    assertThat(c.busyNanos()).containsExactly(3_000, 2_000, 400);
    assertThat(c.virtualTime()).containsExactly(2.5e-6, 1.5e-6, 0);
    assertThat(c.messagesIn()).containsExactly(9, 7, 12);
    assertThat(c.messagesOut()).containsExactly(11, 8, 12);
    // channels in the order they were registered
    assertThat(c.channelFrom()).containsExactly(3, 0);
    assertThat(c.channelTo()).containsExactly(5, 3);
    assertThat(c.channelBits()).containsExactly(640, 1_280);
    assertThat(c.channelMessages()).containsExactly(4, 8);
    assertThat(c.flushes()).containsExactly(6, 0, 1);
    // one entry per (vertex, member), by vertex and then by address
    assertThat(c.envelopeFrom()).containsExactly(0, 0, 5);
    assertThat(c.envelopeTo()).containsExactly("b:2", "c:3", "b:2");
    assertThat(c.envelopes()).containsExactly(5, 2, 1);
    assertThat(c.heapUsedBytes()).isEqualTo(1_000_000);
    assertThat(c.heapPeakBytes()).isEqualTo(2_000_000);
  }

  @Test
  void aRunTheMemberDoesNotHostHasEmptyColumns() {
    Member.LiveCounters c = LiveColumns.pack("a:1", 7, null, 5, 6);

    assertThat(c.run()).isEqualTo(7);
    assertThat(c.vertex()).isEmpty();
    assertThat(c.mvms()).isEmpty();
    assertThat(c.channelFrom()).isEmpty();
    assertThat(c.envelopeTo()).isEmpty();
    assertThat(c.heapUsedBytes()).isEqualTo(5);
    assertThat(c.heapPeakBytes()).isEqualTo(6);
  }
}
