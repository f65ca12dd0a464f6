package fivepp.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import fivepp.mapping.Tiling;
import fivepp.proto.wire.Data;
import fivepp.runtime.Coordinator;
import fivepp.runtime.CoreActor;
import fivepp.runtime.RunOptions;
import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Maps every runtime and member message that can cross JVMs to its protobuf message in
 * {@code proto/.../wire.proto}: tensors as little-endian float32 bytes, actor references in
 * Pekko's serialization format. Bound in reference.conf; Java serialization stays off.
 */
public final class WireSerializer extends ProtobufSerializer
    implements org.apache.pekko.serialization.ByteBufferSerializer {
  public WireSerializer(ExtendedActorSystem system) {
    super(system);
  }

  @Override
  public int identifier() {
    return 5055;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof CoreActor.Data) {
      return "D";
    } else if (o instanceof CoreActor.Envelope) {
      return "E";
    } else if (o instanceof CoreActor.Wire) {
      return "W";
    } else if (o instanceof CoreActor.GetStats) {
      return "GS";
    } else if (o instanceof CoreActor.Stats) {
      return "S";
    } else if (o instanceof Coordinator.Output) {
      return "O";
    } else if (o instanceof Coordinator.Ready) {
      return "R";
    } else if (o instanceof Member.GetInfo) {
      return "GI";
    } else if (o instanceof Member.Info) {
      return "I";
    } else if (o instanceof Member.Spawn) {
      return "SP";
    } else if (o instanceof Member.Spawned) {
      return "SD";
    } else if (o instanceof Member.StopRun) {
      return "ST";
    } else if (o instanceof Member.GetLive) {
      return "GL";
    } else if (o instanceof Member.LiveCounters) {
      return "LC";
    }
    throw new IllegalArgumentException("no wire format for " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof CoreActor.Data d) {
      Data.Builder b = Data.newBuilder().setImage(d.image()).setPort(d.port()).setRow(d.row())
          .setCol(d.col()).setCount(d.count()).setValues(floats(d.values())).setReady(d.ready())
          .setHop(d.hop()).setBits(d.bits());
      for (int v : d.route()) {
        b.addRoute(v);
      }
      return b.build().toByteArray();
    } else if (o instanceof CoreActor.Envelope e) {
      return envelope(e).toByteArray();
    } else if (o instanceof CoreActor.Wire w) {
      fivepp.proto.wire.Wire.Builder b = fivepp.proto.wire.Wire.newBuilder().setSink(ref(w.sink())).setEpoch(w.epoch())
          .setFirstImage(w.firstImage());
      w.neighbours().forEach((v, r) -> b.putNeighbours(v, ref(r)));
      return b.build().toByteArray();
    } else if (o instanceof CoreActor.GetStats g) {
      return fivepp.proto.wire.GetStats.newBuilder().setReplyTo(ref(g.replyTo())).build().toByteArray();
    } else if (o instanceof CoreActor.Stats s) {
      return fivepp.proto.wire.Stats.newBuilder().setVertex(s.vertex()).setCore(s.core()).setMvms(s.mvms())
          .setBusyNanos(s.busyNanos()).setVirtualBusy(s.virtualBusy()).setMessagesIn(s.messagesIn())
          .setMessagesOut(s.messagesOut()).setMaxImagesHeld(s.maxImagesHeld()).putAllChannelBits(s.channelBits())
          .putAllChannelMessages(s.channelMessages()).setFlushes(s.flushes()).putAllEnvelopesOut(s.envelopesOut())
          .setHeapPeakBytes(s.heapPeakBytes()).setAnalogSignal(s.analogSignal()).setAnalogError(s.analogError())
          .build().toByteArray();
    } else if (o instanceof Coordinator.Output out) {
      return fivepp.proto.wire.Output.newBuilder().setImage(out.image()).setChannel0(out.channel0())
          .setRow(out.row()).setCount(out.count()).setValues(floats(out.values())).setReady(out.ready())
          .setEpoch(out.epoch()).build().toByteArray();
    } else if (o instanceof Coordinator.Ready r) {
      return fivepp.proto.wire.Ready.newBuilder().setVertex(r.vertex()).setEpoch(r.epoch()).build().toByteArray();
    } else if (o instanceof Member.GetInfo g) {
      return fivepp.proto.wire.GetInfo.newBuilder().setReplyTo(ref(g.replyTo())).build().toByteArray();
    } else if (o instanceof Member.Info i) {
      return fivepp.proto.wire.Info.newBuilder().setAddress(i.address()).setCapacity(i.capacity())
          .setProcessors(i.processors()).setMaxHeapBytes(i.maxHeapBytes()).setMember(ref(i.member())).build().toByteArray();
    } else if (o instanceof Member.Spawn s) {
      fivepp.proto.wire.Spawn.Builder b = fivepp.proto.wire.Spawn.newBuilder().setRun(s.run()).setEpoch(s.epoch())
          .setRecipe(recipe(s.recipe())).setReplyTo(ref(s.replyTo())).setCoordinator(ref(s.coordinator()));
      for (int v : s.vertices()) {
        b.addVertices(v);
      }
      return b.build().toByteArray();
    } else if (o instanceof Member.Spawned s) {
      fivepp.proto.wire.Spawned.Builder b = fivepp.proto.wire.Spawned.newBuilder().setRun(s.run())
          .setEpoch(s.epoch()).setAddress(s.address()).setError(s.error()).setHeapUsedBytes(s.heapUsedBytes());
      s.actors().forEach((v, r) -> b.putActors(v, ref(r)));
      return b.build().toByteArray();
    } else if (o instanceof Member.StopRun s) {
      return fivepp.proto.wire.StopRun.newBuilder().setRun(s.run()).setBelowEpoch(s.belowEpoch()).build().toByteArray();
    } else if (o instanceof Member.GetLive g) {
      return fivepp.proto.wire.GetLive.newBuilder().setRun(g.run()).setReplyTo(ref(g.replyTo())).build().toByteArray();
    } else if (o instanceof Member.LiveCounters c) {
      fivepp.proto.wire.LiveCounters.Builder b = fivepp.proto.wire.LiveCounters.newBuilder()
          .setAddress(c.address()).setRun(c.run());
      for (int i = 0; i < c.vertex().length; i++) {
        b.addVertex(c.vertex()[i]).addCore(c.core()[i]).addMvms(c.mvms()[i]).addBusyNanos(c.busyNanos()[i])
            .addVirtualTime(c.virtualTime()[i]).addMessagesIn(c.messagesIn()[i]).addMessagesOut(c.messagesOut()[i]);
      }
      for (int i = 0; i < c.channelFrom().length; i++) {
        b.addChannelFrom(c.channelFrom()[i]).addChannelTo(c.channelTo()[i]).addChannelBits(c.channelBits()[i])
            .addChannelMessages(c.channelMessages()[i]);
      }
      for (long f : c.flushes()) {
        b.addFlushes(f);
      }
      for (int i = 0; i < c.envelopeFrom().length; i++) {
        b.addEnvelopeFrom(c.envelopeFrom()[i]).addEnvelopeTo(c.envelopeTo()[i]).addEnvelopes(c.envelopes()[i]);
      }
      return b.setHeapUsedBytes(c.heapUsedBytes()).setHeapPeakBytes(c.heapPeakBytes()).build().toByteArray();
    }
    throw new IllegalArgumentException("no wire format for " + o.getClass().getName());
  }

  /**
   * Artery's way: the data and envelopes that carry a run's rows are written straight into its
   * send buffer, and read straight from its receive buffer, with no byte array between; every
   * other message goes through {@link #toBinary(Object)}.
   */
  @Override
  public void toBinary(Object o, ByteBuffer buf) {
    com.google.protobuf.MessageLite m = o instanceof CoreActor.Envelope e ? envelope(e) : null;
    if (m == null) {
      buf.put(toBinary(o));
      return;
    }
    if (m.getSerializedSize() > buf.remaining()) {
      throw new java.nio.BufferOverflowException(); // Artery reports the message as too large
    }
    try {
      com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(buf);
      m.writeTo(out);
      out.flush();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Object fromBinary(ByteBuffer buf, String manifest) throws NotSerializableException {
    if (manifest.equals("E")) {
      try {
        return envelope(fivepp.proto.wire.Envelope.parseFrom(buf));
      } catch (InvalidProtocolBufferException e) {
        throw new NotSerializableException(manifest + ": " + e.getMessage());
      }
    }
    byte[] bytes = new byte[buf.remaining()];
    buf.get(bytes);
    return fromBinary(bytes, manifest);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      switch (manifest) {
        case "D": {
          Data d = Data.parseFrom(bytes);
          int[] route = new int[d.getRouteCount()];
          for (int i = 0; i < route.length; i++) {
            route[i] = d.getRoute(i);
          }
          return new CoreActor.Data(d.getImage(), d.getPort(), d.getRow(), d.getCol(), d.getCount(),
              floats(d.getValues()), d.getReady(), route, d.getHop(), d.getBits());
        }
        case "E":
          return envelope(fivepp.proto.wire.Envelope.parseFrom(bytes));
        case "W": {
          fivepp.proto.wire.Wire w = fivepp.proto.wire.Wire.parseFrom(bytes);
          Map<Integer, ActorRef<CoreActor.Command>> n = new HashMap<>();
          w.getNeighboursMap().forEach((v, r) -> n.put(v, ref(r)));
          return new CoreActor.Wire(n, ref(w.getSink()), w.getEpoch(), w.getFirstImage());
        }
        case "GS":
          return new CoreActor.GetStats(ref(fivepp.proto.wire.GetStats.parseFrom(bytes).getReplyTo()));
        case "S": {
          fivepp.proto.wire.Stats s = fivepp.proto.wire.Stats.parseFrom(bytes);
          return new CoreActor.Stats(s.getVertex(), s.getCore(), s.getMvms(), s.getBusyNanos(), s.getVirtualBusy(),
              s.getMessagesIn(), s.getMessagesOut(), s.getMaxImagesHeld(), new HashMap<>(s.getChannelBitsMap()),
              new HashMap<>(s.getChannelMessagesMap()), s.getFlushes(), new TreeMap<>(s.getEnvelopesOutMap()),
              s.getHeapPeakBytes(), s.getAnalogSignal(), s.getAnalogError());
        }
        case "O": {
          fivepp.proto.wire.Output out = fivepp.proto.wire.Output.parseFrom(bytes);
          return new Coordinator.Output(out.getImage(), out.getChannel0(), out.getRow(), out.getCount(),
              floats(out.getValues()), out.getReady(), out.getEpoch());
        }
        case "R": {
          fivepp.proto.wire.Ready r = fivepp.proto.wire.Ready.parseFrom(bytes);
          return new Coordinator.Ready(r.getVertex(), r.getEpoch());
        }
        case "GI":
          return new Member.GetInfo(ref(fivepp.proto.wire.GetInfo.parseFrom(bytes).getReplyTo()));
        case "I": {
          fivepp.proto.wire.Info i = fivepp.proto.wire.Info.parseFrom(bytes);
          return new Member.Info(i.getAddress(), i.getCapacity(), i.getProcessors(), i.getMaxHeapBytes(),
              ref(i.getMember()));
        }
        case "SP": {
          fivepp.proto.wire.Spawn s = fivepp.proto.wire.Spawn.parseFrom(bytes);
          return new Member.Spawn(s.getRun(), s.getEpoch(), recipe(s.getRecipe()),
              s.getVerticesList().stream().mapToInt(Integer::intValue).toArray(), ref(s.getReplyTo()),
              ref(s.getCoordinator()));
        }
        case "SD": {
          fivepp.proto.wire.Spawned s = fivepp.proto.wire.Spawned.parseFrom(bytes);
          Map<Integer, ActorRef<CoreActor.Command>> a = new TreeMap<>();
          s.getActorsMap().forEach((v, r) -> a.put(v, ref(r)));
          return new Member.Spawned(s.getRun(), s.getEpoch(), s.getAddress(), a, s.getError(), s.getHeapUsedBytes());
        }
        case "ST": {
          fivepp.proto.wire.StopRun s = fivepp.proto.wire.StopRun.parseFrom(bytes);
          return new Member.StopRun(s.getRun(), s.getBelowEpoch());
        }
        case "GL": {
          fivepp.proto.wire.GetLive g = fivepp.proto.wire.GetLive.parseFrom(bytes);
          return new Member.GetLive(g.getRun(), ref(g.getReplyTo()));
        }
        case "LC": {
          fivepp.proto.wire.LiveCounters c = fivepp.proto.wire.LiveCounters.parseFrom(bytes);
          return new Member.LiveCounters(c.getAddress(), c.getRun(), ints(c.getVertexList()), ints(c.getCoreList()),
              longs(c.getMvmsList()), longs(c.getBusyNanosList()),
              c.getVirtualTimeList().stream().mapToDouble(Double::doubleValue).toArray(),
              longs(c.getMessagesInList()), longs(c.getMessagesOutList()), ints(c.getChannelFromList()),
              ints(c.getChannelToList()), longs(c.getChannelBitsList()), longs(c.getChannelMessagesList()),
              longs(c.getFlushesList()), ints(c.getEnvelopeFromList()), c.getEnvelopeToList().toArray(String[]::new),
              longs(c.getEnvelopesList()), c.getHeapUsedBytes(), c.getHeapPeakBytes());
        }
        default:
          throw new NotSerializableException("unknown manifest '" + manifest + "'");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException(manifest + ": " + e.getMessage());
    }
  }

  /**
   * An envelope column by column: the items' fields as packed repeated ints and doubles, each
   * distinct route once (items from one sender share their route arrays), all values as one run
   * of little-endian float32; when enough of them are +0.0 (activations after a ReLU), only the
   * others, with a bitmap of where they go. Both forms are lossless: -0.0, NaN and every other bit
   * pattern travel as they are.
   */
  static fivepp.proto.wire.Envelope envelope(CoreActor.Envelope e) {
    fivepp.proto.wire.Envelope.Builder b = fivepp.proto.wire.Envelope.newBuilder();
    Map<int[], Integer> routes = new java.util.IdentityHashMap<>();
    int floats = 0;
    int zeros = 0;
    for (CoreActor.Data d : e.data()) {
      floats += d.values().length;
      for (float f : d.values()) {
        if (Float.floatToRawIntBits(f) == 0) {
          zeros++;
        }
      }
    }
    // a bitmap costs a bit per value, a zero left out saves 32
    boolean sparse = 4L * zeros > (floats + 7) / 8;
    byte[] nonzero = sparse ? new byte[(floats + 7) / 8] : null;
    ByteBuffer values = ByteBuffer.allocate(4 * (sparse ? floats - zeros : floats)).order(ByteOrder.LITTLE_ENDIAN);
    java.nio.FloatBuffer dense = values.asFloatBuffer();
    int k = 0;
    for (CoreActor.Data d : e.data()) {
      Integer r = routes.get(d.route());
      if (r == null) {
        r = routes.size();
        routes.put(d.route(), r);
        fivepp.proto.wire.Route.Builder rb = fivepp.proto.wire.Route.newBuilder();
        for (int v : d.route()) {
          rb.addVertex(v);
        }
        b.addRoutes(rb);
      }
      b.addImage(d.image()).addPort(d.port()).addRow(d.row()).addCol(d.col()).addCount(d.count())
          .addReady(d.ready()).addHop(d.hop()).addBits(d.bits()).addRoute(r).addLength(d.values().length);
      if (!sparse) {
        dense.put(d.values());
        continue;
      }
      for (float f : d.values()) {
        int bits = Float.floatToRawIntBits(f);
        if (bits != 0) {
          nonzero[k >>> 3] |= (byte) (1 << (k & 7));
          values.putInt(bits);
        }
        k++;
      }
    }
    if (sparse) {
      b.setNonzero(com.google.protobuf.UnsafeByteOperations.unsafeWrap(nonzero));
    }
    // the arrays are not touched again: wrapped, not copied
    return b.setValues(com.google.protobuf.UnsafeByteOperations.unsafeWrap(values.array())).build();
  }

  static CoreActor.Envelope envelope(fivepp.proto.wire.Envelope e) throws NotSerializableException {
    int[][] routes = new int[e.getRoutesCount()][];
    for (int i = 0; i < routes.length; i++) {
      routes[i] = ints(e.getRoutes(i).getVertexList());
    }
    int n = e.getImageCount();
    for (java.util.List<?> column : java.util.List.of(e.getPortList(), e.getRowList(), e.getColList(),
        e.getCountList(), e.getReadyList(), e.getHopList(), e.getBitsList(), e.getRouteList(), e.getLengthList())) {
      if (column.size() != n) {
        throw new NotSerializableException("E: an envelope's columns differ in length");
      }
    }
    long total = 0;
    for (int i = 0; i < n; i++) {
      if (e.getLength(i) < 0 || e.getRoute(i) < 0 || e.getRoute(i) >= routes.length) {
        throw new NotSerializableException("E: item " + i + " names values or a route the envelope lacks");
      }
      total += e.getLength(i);
    }
    ByteBuffer nonzero = e.getNonzero().asReadOnlyByteBuffer();
    boolean sparse = nonzero.hasRemaining();
    long stored = sparse ? ones(nonzero) : total;
    if (e.getValues().size() != 4 * stored || (sparse && nonzero.remaining() != (total + 7) / 8)) {
      throw new NotSerializableException("E: an envelope's values do not match its items");
    }
    ByteBuffer values = e.getValues().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    java.nio.FloatBuffer dense = values.asFloatBuffer();
    java.util.List<CoreActor.Data> data = new java.util.ArrayList<>(n);
    int k = 0;
    for (int i = 0; i < n; i++) {
      float[] v = new float[e.getLength(i)];
      if (!sparse) {
        dense.get(v);
      } else {
        for (int j = 0; j < v.length; j++, k++) {
          if ((nonzero.get(k >>> 3) & (1 << (k & 7))) != 0) {
            v[j] = Float.intBitsToFloat(values.getInt());
          }
        }
      }
      data.add(new CoreActor.Data(e.getImage(i), e.getPort(i), e.getRow(i), e.getCol(i), e.getCount(i), v,
          e.getReady(i), routes[e.getRoute(i)], e.getHop(i), e.getBits(i)));
    }
    if (sparse && values.hasRemaining()) {
      throw new NotSerializableException("E: an envelope's bitmap marks values past its items");
    }
    return new CoreActor.Envelope(data);
  }

  /** The bits set in {@code b}, which keeps its position. */
  private static long ones(ByteBuffer b) {
    long c = 0;
    for (int i = b.position(); i < b.limit(); i++) {
      c += Integer.bitCount(b.get(i) & 0xff);
    }
    return c;
  }

  private static ByteString floats(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return ByteString.copyFrom(b.array());
  }

  private static float[] floats(ByteString s) {
    float[] v = new float[s.size() / 4];
    s.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    return v;
  }

  private static fivepp.proto.wire.ArrayRecipe recipe(ArrayRecipe s) {
    fivepp.proto.wire.ArrayRecipe.Builder b = fivepp.proto.wire.ArrayRecipe.newBuilder()
        .setModel(nz(s.model())).setInput(nz(s.input())).setOnnx(nz(s.onnx())).setOnnxSha256(nz(s.onnxSha256()))
        .setInputShape(nz(s.inputShape())).setMaxModelBytes(s.maxModelBytes()).setSeed(s.seed())
        .setCrossbar(s.crossbar()).setConcat(s.concat().name()).setActBits(s.actBits()).setPsumBits(s.psumBits())
        .setFabric(s.fabric()).setTMvm(s.options().tMvmSeconds())
        .setLinkBitsPerSecond(s.options().linkBitsPerSecond()).setLinkLatency(s.options().linkLatencySeconds())
        .setPixels(s.options().pixels()).setCoreBudget(s.coreBudget());
    fivepp.runtime.AnalogSettings a = s.options().analog();
    if (a.on()) {
      b.setAnalog(fivepp.proto.wire.Analog.newBuilder().setSeed(a.seed()).setDacBits(a.dacBits()).setAdcBits(a.adcBits())
          .setCalibrate(a.calibrate()).setWeightNoise(a.weightNoise()).setReadNoise(a.readNoise())
          .setDriftTime(a.driftTime()).setDriftNu(a.driftNu()).setDriftNuStd(a.driftNuStd()));
    }
    for (int v : s.vertexOf()) {
      b.addVertexOf(v);
    }
    return b.build();
  }

  private static ArrayRecipe recipe(fivepp.proto.wire.ArrayRecipe p) {
    return new ArrayRecipe(nn(p.getModel()), nn(p.getInput()), nn(p.getOnnx()), nn(p.getOnnxSha256()),
        nn(p.getInputShape()), p.getMaxModelBytes(), p.getSeed(), p.getCrossbar(), Tiling.Concat.valueOf(p.getConcat()),
        p.getActBits(), p.getPsumBits(), p.getFabric(), p.getVertexOfList().stream().mapToInt(Integer::intValue).toArray(),
        new RunOptions(p.getTMvm(), p.getLinkBitsPerSecond(), p.getLinkLatency(), p.getPixels(), 1, analog(p)),
        p.getCoreBudget());
  }

  private static fivepp.runtime.AnalogSettings analog(fivepp.proto.wire.ArrayRecipe p) {
    if (!p.hasAnalog()) {
      return fivepp.runtime.AnalogSettings.EXACT;
    }
    fivepp.proto.wire.Analog a = p.getAnalog();
    return new fivepp.runtime.AnalogSettings(true, a.getSeed(), a.getDacBits(), a.getAdcBits(), a.getCalibrate(),
        a.getWeightNoise(), a.getReadNoise(), a.getDriftTime(), a.getDriftNu(), a.getDriftNuStd());
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String nn(String s) {
    return s.isEmpty() ? null : s;
  }
}
