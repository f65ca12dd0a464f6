package fivepp.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.mapping.Tiling;
import fivepp.runtime.Coordinator;
import fivepp.runtime.CoreActor;
import fivepp.runtime.RunOptions;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every message that can cross JVMs goes through fivepp's protobuf serializer and comes back
 * equal; Java serialization is off; and the whole suite runs with serialize-messages on.
 */
class WireSerializerTest {
  static final ActorTestKit KIT = ActorTestKit.create(com.typesafe.config.ConfigFactory.load());

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  static Serialization serialization() {
    return SerializationExtension.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(KIT.system()));
  }

  static Object roundTrip(Object o) {
    return roundTrip(o, WireSerializer.class);
  }

  static Object roundTrip(Object o, Class<? extends Serializer> by) {
    Serialization s = serialization();
    Serializer ser = s.findSerializerFor(o);
    assertThat(ser).as(o.getClass().getName()).isInstanceOf(by);
    byte[] bytes = ser.toBinary(o);
    return s.deserialize(bytes, ser.identifier(), Serializers.manifestFor(ser, o)).get();
  }

  @Test
  void theSuiteRunsWithSerializeMessagesOnAndJavaSerializationOff() {
    assertThat(KIT.system().settings().config().getBoolean("pekko.actor.serialize-messages")).isTrue();
    assertThat(KIT.system().settings().config().getBoolean("pekko.actor.allow-java-serialization")).isFalse();
    // a plain Serializable finds no serializer: Java serialization cannot carry it
    java.util.ArrayList<Integer> plain = new java.util.ArrayList<>(List.of(1));
    assertThat(serialization().findSerializerFor(plain))
        .isInstanceOf(org.apache.pekko.serialization.DisabledJavaSerializer.class);
    assertThatThrownBy(() -> serialization().serialize(plain).get())
        .hasMessageContaining("Attempted to serialize message using Java serialization");
  }

  @Test
  void everyDomainMessageRoundTripsThroughProtobuf() {
    TestProbe<CoreActor.Command> core = KIT.createTestProbe();
    TestProbe<Coordinator.Command> coordinator = KIT.createTestProbe();
    TestProbe<CoreActor.Stats> stats = KIT.createTestProbe();
    TestProbe<Member.Command> member = KIT.createTestProbe();
    TestProbe<Member.Info> info = KIT.createTestProbe();
    TestProbe<Member.Spawned> spawned = KIT.createTestProbe();

    CoreActor.Data d = new CoreActor.Data(3, 1, 7, 8, 2, new float[] {1.5f, -0f, Float.MIN_VALUE, 3e38f}, 1.25e-6,
        new int[] {4, 9, 12}, 1, 16);
    CoreActor.Data d2 = (CoreActor.Data) roundTrip(d);
    assertThat(d2.values()).containsExactly(d.values());
    assertThat(d2.route()).containsExactly(4, 9, 12);
    assertThat(List.of(d2.image(), d2.port(), d2.row(), d2.col(), d2.count(), d2.hop(), d2.bits()))
        .containsExactly(3, 1, 7, 8, 2, 1, 16);
    assertThat(d2.ready()).isEqualTo(1.25e-6);

    CoreActor.Wire w = new CoreActor.Wire(Map.of(2, core.getRef(), 5, core.getRef()), coordinator.getRef(), 4, 61);
    assertThat(roundTrip(w)).isEqualTo(w);
    assertThat(roundTrip(new CoreActor.GetStats(stats.getRef()))).isEqualTo(new CoreActor.GetStats(stats.getRef()));
    CoreActor.Stats st = new CoreActor.Stats(5, 3, 1024, 99, 1.5e-4, 10, 11, 2, Map.of(6, 4096L), Map.of(6, 8L),
        40, Map.of("fivepp@127.0.0.1:25521", 31L, "fivepp@127.0.0.1:25522", 2L), 123_456_789L);
    assertThat(roundTrip(st)).isEqualTo(st);
    CoreActor.Stats analogStats = new CoreActor.Stats(5, 3, 1024, 99, 1.5e-4, 10, 11, 2, Map.of(), Map.of(), 40, Map.of(),
        1L, 812.5, 3.25);
    assertThat(roundTrip(analogStats)).isEqualTo(analogStats);

    Coordinator.Output o = new Coordinator.Output(9, 0, 0, 1, new float[] {0.25f, -7f}, 3e-5, 2);
    Coordinator.Output o2 = (Coordinator.Output) roundTrip(o);
    assertThat(o2.values()).containsExactly(0.25f, -7f);
    assertThat(List.of(o2.image(), o2.channel0(), o2.row(), o2.count(), o2.epoch())).containsExactly(9, 0, 0, 1, 2);
    assertThat(roundTrip(new Coordinator.Ready(17, 3))).isEqualTo(new Coordinator.Ready(17, 3));

    assertThat(roundTrip(new Member.GetInfo(info.getRef()))).isEqualTo(new Member.GetInfo(info.getRef()));
    Member.Info i = new Member.Info("fivepp@127.0.0.1:25521", 30, 16, 6L << 30, member.getRef());
    assertThat(roundTrip(i)).isEqualTo(i);
    ArrayRecipe recipe = new ArrayRecipe("resnet32", "64x64", null, null, null, 1L << 31, 7, "256x256",
        Tiling.Concat.DIRECT, 8, 16, "mesh:8x8", new int[] {0, 1, 2}, new RunOptions(1e-7, 5e8, 2e-9, true, 1));
    Member.Spawn sp = (Member.Spawn) roundTrip(new Member.Spawn(12, 1, recipe, new int[] {0, 2}, spawned.getRef(),
        coordinator.getRef()));
    assertThat(sp.recipe()).isEqualTo(recipe);
    assertThat(sp.recipe().options().analog()).isEqualTo(fivepp.runtime.AnalogSettings.EXACT);
    // analog settings travel to the members whole, and differ from exact ones even at ideal values
    for (fivepp.runtime.AnalogSettings a : List.of(
        new fivepp.runtime.AnalogSettings(true, 99, 8, 6, 12, 0.02, 0.01, 3600, 0.06, 0.01),
        new fivepp.runtime.AnalogSettings(true, 1, 32, 32, 0, 0, 0, 0, 0.05, 0.02))) {
      ArrayRecipe analog = new ArrayRecipe("resnet20", null, null, null, null, 0, 7, "256x256", Tiling.Concat.FORWARD,
          8, 16, "5pp", new int[] {0, 1}, new RunOptions(1e-7, 0, 0, false, 1, a));
      ArrayRecipe back = ((Member.Spawn) roundTrip(new Member.Spawn(13, 0, analog, new int[] {1}, spawned.getRef(),
          coordinator.getRef()))).recipe();
      assertThat(back.options().analog()).isEqualTo(a);
      assertThat(back).isEqualTo(analog).isNotEqualTo(recipe);
    }
    // a replicated array's budget travels, and makes another recipe
    ArrayRecipe copied = new ArrayRecipe("resnet32", null, null, null, null, 0, 7, "256x256", Tiling.Concat.FORWARD,
        8, 16, "5pp", new int[] {0, 1}, new RunOptions(1e-7, 0, 0, false, 1), 120);
    ArrayRecipe copiedBack = ((Member.Spawn) roundTrip(new Member.Spawn(14, 0, copied, new int[] {1}, spawned.getRef(),
        coordinator.getRef()))).recipe();
    assertThat(copiedBack.coreBudget()).isEqualTo(120);
    assertThat(copiedBack).isEqualTo(copied);
    assertThat(new ArrayRecipe("resnet32", null, null, null, null, 0, 7, "256x256", Tiling.Concat.FORWARD,
        8, 16, "5pp", new int[] {0, 1}, new RunOptions(1e-7, 0, 0, false, 1))).isNotEqualTo(copied);
    assertThat(sp.vertices()).containsExactly(0, 2);
    assertThat(List.of(sp.run(), (long) sp.epoch())).containsExactly(12L, 1L);
    assertThat(sp.replyTo()).isEqualTo(spawned.getRef());
    assertThat(sp.coordinator()).isEqualTo(coordinator.getRef());
    Member.Spawned sd = new Member.Spawned(12, 1, "fivepp@127.0.0.1:25522", Map.of(0, core.getRef()), "", 123L << 20);
    assertThat(roundTrip(sd)).isEqualTo(sd);
    assertThat(roundTrip(new Member.StopRun(12, 2))).isEqualTo(new Member.StopRun(12, 2));
  }

  @Test
  void anEnvelopeCarriesItsDataInOrderBitForBitAsPackedBytes() throws Exception {
    // NaN payloads, -0.0, subnormals and infinities come back with the same bits
    float[] odd = {Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffa00bad), -0f, 0f, Float.MIN_VALUE,
        -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.1754942e-38f};
    int[] r1 = {4, 9, 12};
    int[] r2 = {4, 9, 13, 14};
    java.util.List<CoreActor.Data> items = List.of(
        new CoreActor.Data(3, 1, 7, 0, 9, odd, 1.25e-6, r1, 1, 8),
        new CoreActor.Data(3, 0, 2, 5, 1, new float[] {}, 2.5e-6, r2, 1, 16),
        new CoreActor.Data(4, 1, 8, 0, 2, new float[] {1.5f, -2.25f}, Double.MIN_VALUE, r1, 1, 8));
    CoreActor.Envelope e = new CoreActor.Envelope(items);
    Serialization s = serialization();
    Serializer ser = s.findSerializerFor(e);
    assertThat(ser).isInstanceOf(WireSerializer.class);
    assertThat(Serializers.manifestFor(ser, e)).isEqualTo("E");
    byte[] bytes = ser.toBinary(e);
    CoreActor.Envelope back = (CoreActor.Envelope) s.deserialize(bytes, ser.identifier(), "E").get();
    assertThat(back.data()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      CoreActor.Data a = items.get(i);
      CoreActor.Data b = back.data().get(i);
      assertThat(List.of(b.image(), b.port(), b.row(), b.col(), b.count(), b.hop(), b.bits()))
          .containsExactly(a.image(), a.port(), a.row(), a.col(), a.count(), a.hop(), a.bits());
      assertThat(Double.doubleToRawLongBits(b.ready())).isEqualTo(Double.doubleToRawLongBits(a.ready()));
      assertThat(b.route()).containsExactly(a.route());
      int[] want = new int[a.values().length];
      int[] got = new int[b.values().length];
      for (int k = 0; k < want.length; k++) {
        want[k] = Float.floatToRawIntBits(a.values()[k]);
      }
      for (int k = 0; k < got.length; k++) {
        got[k] = Float.floatToRawIntBits(b.values()[k]);
      }
      assertThat(got).containsExactly(want);
    }
    // items with one route share one array after the trip, as they did before it
    assertThat(back.data().get(2).route()).isSameAs(back.data().get(0).route());

    fivepp.proto.wire.Envelope p = fivepp.proto.wire.Envelope.parseFrom(bytes);
    // the values: one run of little-endian float32, 4 bytes a value, but for the one +0.0 (value 3),
    // which a bit per value marks (2 bytes of bitmap for 11 values cost less than its 4); -0.0 stays
    assertThat(p.getValues().size()).isEqualTo(4 * (9 + 0 + 2 - 1));
    assertThat(p.getValues().substring(0, 4).toByteArray()).containsExactly(0x01, 0x00, (byte) 0xc0, 0x7f);
    assertThat(p.getNonzero().toByteArray()).containsExactly(0xf7, 0x07);
    assertThat(p.getRoutesCount()).isEqualTo(2);
    assertThat(p.getRouteList()).containsExactly(0, 1, 0);
    assertThat(p.getLengthList()).containsExactly(9, 0, 2);
    // packed: 40 value bytes, 2 of bitmap and a few bytes per item of header, nothing like one float a field
    assertThat(bytes.length).isLessThan(42 + 3 * 40 + 20);
  }

  @Test
  void valuesAfterAReluTravelWithoutTheirZerosAndComeBackTheSame() throws Exception {
    // a row after a ReLU: about half +0.0; the rest, and one -0.0, must come back bit for bit
    java.util.Random rnd = new java.util.Random(5);
    float[] relu = new float[1000];
    for (int k = 0; k < relu.length; k++) {
      relu[k] = Math.max(0f, (float) rnd.nextGaussian());
    }
    relu[17] = -0f;
    int zeros = 0;
    for (float f : relu) {
      zeros += Float.floatToRawIntBits(f) == 0 ? 1 : 0;
    }
    assertThat(zeros).isBetween(450, 550);
    float[] dense = {1f, 2f, 3f, -0f};
    CoreActor.Envelope e = new CoreActor.Envelope(List.of(
        new CoreActor.Data(1, 0, 3, 0, 10, relu, 1e-6, new int[] {2, 5}, 1, 8),
        new CoreActor.Data(1, 0, 4, 0, 1, dense, 2e-6, new int[] {2, 5}, 1, 8)));
    WireSerializer ser = (WireSerializer) serialization().findSerializerFor(e);
    byte[] bytes = ser.toBinary(e);
    fivepp.proto.wire.Envelope p = fivepp.proto.wire.Envelope.parseFrom(bytes);
    assertThat(p.getValues().size()).isEqualTo(4 * (1004 - zeros));
    assertThat(p.getNonzero().size()).isEqualTo(126);
    // a little over half of the 4,016 bytes the values took as they were
    assertThat(bytes.length).isLessThan(4 * (1004 - zeros) + 126 + 100);
    CoreActor.Envelope back = (CoreActor.Envelope) ser.fromBinary(bytes, "E");
    for (int i = 0; i < 2; i++) {
      float[] want = e.data().get(i).values();
      float[] got = back.data().get(i).values();
      assertThat(got).hasSize(want.length);
      for (int k = 0; k < want.length; k++) {
        assertThat(Float.floatToRawIntBits(got[k])).as("item %d value %d", i, k).isEqualTo(Float.floatToRawIntBits(want[k]));
      }
    }
    // without zeros there is no bitmap: it would only cost
    byte[] plain = ser.toBinary(new CoreActor.Envelope(List.of(
        new CoreActor.Data(1, 0, 4, 0, 1, dense, 2e-6, new int[] {2, 5}, 1, 8))));
    assertThat(fivepp.proto.wire.Envelope.parseFrom(plain).getNonzero().isEmpty()).isTrue();
    assertThat(fivepp.proto.wire.Envelope.parseFrom(plain).getValues().size()).isEqualTo(16);
  }

  @Test
  void anEnvelopeGoesStraightIntoAndOutOfArterysBuffersWithTheSameBytes() throws Exception {
    CoreActor.Envelope e = new CoreActor.Envelope(List.of(
        new CoreActor.Data(3, 1, 7, 0, 3, new float[] {Float.intBitsToFloat(0x7fc00001), -0f, 2.5f}, 1.25e-6,
            new int[] {4, 9}, 1, 8),
        new CoreActor.Data(4, 1, 8, 0, 1, new float[] {Float.MIN_VALUE}, 2.5e-6, new int[] {4, 9}, 1, 8)));
    WireSerializer ser = (WireSerializer) serialization().findSerializerFor(e);
    byte[] bytes = ser.toBinary(e);
    // as Artery does: a direct buffer, its header already written
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(4096);
    buf.position(28);
    ser.toBinary(e, buf);
    assertThat(buf.position()).isEqualTo(28 + bytes.length);
    buf.flip().position(28);
    byte[] written = new byte[buf.remaining()];
    buf.duplicate().get(written);
    assertThat(written).containsExactly(bytes);
    CoreActor.Envelope back = (CoreActor.Envelope) ser.fromBinary(buf, "E");
    assertThat(back.data()).hasSize(2);
    assertThat(Float.floatToRawIntBits(back.data().get(0).values()[0])).isEqualTo(0x7fc00001);
    assertThat(back.data().get(1).values()).containsExactly(Float.MIN_VALUE);
    assertThat(back.data().get(1).row()).isEqualTo(8);
    // an envelope larger than what is left of the buffer is refused, and Artery says so
    java.nio.ByteBuffer small = java.nio.ByteBuffer.allocateDirect(bytes.length - 1);
    assertThatThrownBy(() -> ser.toBinary(e, small)).isInstanceOf(java.nio.BufferOverflowException.class);
    // any other message takes the byte-array path, into the same buffer
    java.nio.ByteBuffer other = java.nio.ByteBuffer.allocate(256);
    ser.toBinary(new Member.StopRun(12, 2), other);
    other.flip();
    assertThat(ser.fromBinary(other, "ST")).isEqualTo(new Member.StopRun(12, 2));
  }

  @Test
  void aDamagedEnvelopeIsRefusedNotMisread() {
    byte[] bytes = fivepp.proto.wire.Envelope.newBuilder().addImage(1).addPort(0).addRow(0).addCol(0).addCount(1)
        .addReady(0).addHop(1).addBits(8).addRoute(0).addLength(4)
        .addRoutes(fivepp.proto.wire.Route.newBuilder().addVertex(1).addVertex(2))
        .setValues(com.google.protobuf.ByteString.copyFrom(new byte[8])).build().toByteArray();
    assertThat(refusal(bytes)).contains("values do not match its items");
    // a bitmap that marks a value past the items (4 values, a fifth bit set)
    byte[] marked = fivepp.proto.wire.Envelope.newBuilder().addImage(1).addPort(0).addRow(0).addCol(0).addCount(1)
        .addReady(0).addHop(1).addBits(8).addRoute(0).addLength(4)
        .addRoutes(fivepp.proto.wire.Route.newBuilder().addVertex(1).addVertex(2))
        .setNonzero(com.google.protobuf.ByteString.copyFrom(new byte[] {0x11}))
        .setValues(com.google.protobuf.ByteString.copyFrom(new byte[8])).build().toByteArray();
    assertThat(refusal(marked)).contains("past its items");
    // a route the envelope lacks
    byte[] lost = fivepp.proto.wire.Envelope.newBuilder().addImage(1).addPort(0).addRow(0).addCol(0).addCount(1)
        .addReady(0).addHop(1).addBits(8).addRoute(1).addLength(2)
        .addRoutes(fivepp.proto.wire.Route.newBuilder().addVertex(1).addVertex(2))
        .setValues(com.google.protobuf.ByteString.copyFrom(new byte[8])).build().toByteArray();
    assertThat(refusal(lost)).contains("item 0");
  }

  /** The message with which the serializer refuses {@code envelope}'s bytes. */
  private static String refusal(byte[] envelope) {
    WireSerializer ser = new WireSerializer((org.apache.pekko.actor.ExtendedActorSystem)
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(KIT.system()));
    return org.assertj.core.api.Assertions.catchThrowableOfType(java.io.NotSerializableException.class,
        () -> ser.fromBinary(envelope, "E")).getMessage();
  }

  @Test
  void everyStressMessageRoundTripsThroughProtobuf() {
    TestProbe<StressRegion.Command> region = KIT.createTestProbe();
    TestProbe<StressRegion.Reply> conductor = KIT.createTestProbe();
    Class<StressWireSerializer> by = StressWireSerializer.class;
    fivepp.stress.StressSpec spec = new fivepp.stress.StressSpec("torus:4x4", 16, "hotspot", "0,5:0.25", 0.35,
        fivepp.stress.Traffic.Injection.POISSON, 12.5, "128x128", List.of("0-1"), List.of("3"), 0.01,
        List.of("1-2:4"), new fivepp.stress.SimulatorSettings(8, 24, 3, 2, 3, 100, 900, 5000, -42));
    Member.SpawnStress sp = (Member.SpawnStress) roundTrip(new Member.SpawnStress(77, 2, spec,
        new int[] {0, 0, 1, 1, 2}, 1, conductor.getRef(), true), by);
    assertThat(sp.spec()).isEqualTo(spec);
    assertThat(sp.regionOf()).containsExactly(0, 0, 1, 1, 2);
    assertThat(List.of(sp.run(), (long) sp.epoch(), (long) sp.region())).containsExactly(77L, 2L, 1L);
    assertThat(sp.replyTo()).isEqualTo(conductor.getRef());
    assertThat(sp.live()).isTrue();
    fivepp.stress.StressSpec plain = spec.withRate(0.1);
    plain = new fivepp.stress.StressSpec(plain.fabric(), 16, "uniform", null, 0.1, plain.injection(), 10, "256x256",
        List.of(), List.of(), 0, List.of(), plain.config());
    assertThat(((Member.SpawnStress) roundTrip(new Member.SpawnStress(1, 0, plain, new int[16], 0, conductor.getRef(), false),
        by)).spec()).isEqualTo(plain);

    StressRegion.Start st = (StressRegion.Start) roundTrip(new StressRegion.Start(List.of("10.0.0.7:40123",
        "[::1]:40999")), by);
    assertThat(st.links()).containsExactly("10.0.0.7:40123", "[::1]:40999");

    StressRegion.Ready ready = new StressRegion.Ready(77, 2, 1, region.getRef(), "10.0.0.7:40123");
    assertThat(roundTrip(ready, by)).isEqualTo(ready);
    StressRegion.Progress g = (StressRegion.Progress) roundTrip(new StressRegion.Progress(77, 2, 1, 2048,
        new long[] {1, 2}, new long[] {3, 0}, new long[] {60, 0}, new long[] {5, 6, 7}), by);
    assertThat(List.of(g.run(), (long) g.epoch(), (long) g.region(), (long) g.cycle())).containsExactly(77L, 2L, 1L, 2048L);
    assertThat(g.injected()).containsExactly(1, 2);
    assertThat(g.delivered()).containsExactly(3, 0);
    assertThat(g.ejectedFlits()).containsExactly(60, 0);
    assertThat(g.channelFlits()).containsExactly(5, 6, 7);
    StressRegion.Failed failed = new StressRegion.Failed(77, 2, 0, "member x cannot build the network: no");
    assertThat(roundTrip(failed, by)).isEqualTo(failed);
    StressRegion.Failed lost = new StressRegion.Failed(77, 2, 1, "region 1 lost a link to another region: gone", true);
    assertThat(roundTrip(lost, by)).isEqualTo(lost);
    var drops = List.of(new fivepp.stress.StressResult.Drop(3, 0, 9, 150, 4, "corrupted on link 3->4 (drop rate 0.01)"),
        new fivepp.stress.StressResult.Drop(5, 12, 3, 160, 5, "destination node 3 failed"),
        new fivepp.stress.StressResult.Drop(3, 1, 2, 170, 4, "corrupted on link 3->4 (drop rate 0.01)"));
    fivepp.stress.Tally t = new fivepp.stress.Tally(new long[] {1, 2}, new long[] {3, 4}, new long[] {5, 6},
        new long[] {7, 8, 9}, new int[] {30, 21, 30, 22, 21, 30}, 11, 12, 13, 14, 15, 16, 17, 18, drops);
    StressRegion.Done done = (StressRegion.Done) roundTrip(new StressRegion.Done(77, 2, 1, t, 4321, 1.5, 2880), by);
    assertThat(List.of(done.run(), (long) done.epoch(), (long) done.region(), (long) done.cycles()))
        .containsExactly(77L, 2L, 1L, 4321L);
    assertThat(done.wallSeconds()).isEqualTo(1.5);
    assertThat(done.steps()).isEqualTo(2880);
    // latencies travel as a histogram: the same values, sorted
    assertThat(done.tally()).usingRecursiveComparison().ignoringFields("latencies").isEqualTo(t);
    assertThat(done.tally().latencies()).containsExactly(21, 21, 22, 30, 30, 30);
  }
}
