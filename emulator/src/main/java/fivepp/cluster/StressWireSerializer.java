package fivepp.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import fivepp.proto.stress.RegionDone;
import fivepp.proto.stress.RegionFailed;
import fivepp.proto.stress.RegionProgress;
import fivepp.proto.stress.RegionReady;
import fivepp.proto.stress.SpawnStress;
import fivepp.proto.stress.Start;
import fivepp.stress.SimulatorSettings;
import fivepp.stress.StressResult;
import fivepp.stress.StressSpec;
import fivepp.stress.Tally;
import fivepp.stress.Traffic;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Maps the messages of a stress run across members to {@code proto/.../stress.proto}: a region's
 * placement, the steps between regions (one per window of cycles, packed ints), and each region's tally, with
 * latencies as a histogram and the drops' reasons listed once. Bound in reference.conf.
 */
public final class StressWireSerializer extends ProtobufSerializer {
  public StressWireSerializer(ExtendedActorSystem system) {
    super(system);
  }

  @Override
  public int identifier() {
    return 5056;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof StressRegion.Start) {
      return "XS";
    } else if (o instanceof Member.SpawnStress) {
      return "XP";
    } else if (o instanceof StressRegion.Ready) {
      return "XR";
    } else if (o instanceof StressRegion.Done) {
      return "XD";
    } else if (o instanceof StressRegion.Failed) {
      return "XF";
    } else if (o instanceof StressRegion.Progress) {
      return "XG";
    }
    throw new IllegalArgumentException("no wire format for " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof StressRegion.Start s) {
      return Start.newBuilder().addAllRegions(s.links()).build().toByteArray();
    } else if (o instanceof Member.SpawnStress s) {
      SpawnStress.Builder b = SpawnStress.newBuilder().setRun(s.run()).setEpoch(s.epoch()).setSpec(spec(s.spec()))
          .setRegion(s.region()).setReplyTo(ref(s.replyTo())).setLive(s.live());
      for (int r : s.regionOf()) {
        b.addRegionOf(r);
      }
      return b.build().toByteArray();
    } else if (o instanceof StressRegion.Ready r) {
      return RegionReady.newBuilder().setId(id(r)).setRef(ref(r.ref())).setLink(r.link()).build().toByteArray();
    } else if (o instanceof StressRegion.Failed f) {
      return RegionFailed.newBuilder().setId(id(f)).setError(f.error()).setLinkLost(f.linkLost()).build().toByteArray();
    } else if (o instanceof StressRegion.Done d) {
      return done(d).toByteArray();
    } else if (o instanceof StressRegion.Progress g) {
      RegionProgress.Builder b = RegionProgress.newBuilder().setId(id(g)).setCycle(g.cycle());
      Arrays.stream(g.injected()).forEach(b::addInjected);
      Arrays.stream(g.delivered()).forEach(b::addDelivered);
      Arrays.stream(g.ejectedFlits()).forEach(b::addEjectedFlits);
      Arrays.stream(g.channelFlits()).forEach(b::addChannelFlits);
      return b.build().toByteArray();
    }
    throw new IllegalArgumentException("no wire format for " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      switch (manifest) {
        case "XS":
          return new StressRegion.Start(List.copyOf(Start.parseFrom(bytes).getRegionsList()));
        case "XP": {
          SpawnStress s = SpawnStress.parseFrom(bytes);
          return new Member.SpawnStress(s.getRun(), s.getEpoch(), spec(s.getSpec()), ints(s.getRegionOfList()),
              s.getRegion(), ref(s.getReplyTo()), s.getLive());
        }
        case "XR": {
          RegionReady r = RegionReady.parseFrom(bytes);
          return new StressRegion.Ready(r.getId().getRun(), r.getId().getEpoch(), r.getId().getRegion(), ref(r.getRef()),
              r.getLink());
        }
        case "XF": {
          RegionFailed f = RegionFailed.parseFrom(bytes);
          return new StressRegion.Failed(f.getId().getRun(), f.getId().getEpoch(), f.getId().getRegion(), f.getError(),
              f.getLinkLost());
        }
        case "XD":
          return done(RegionDone.parseFrom(bytes));
        case "XG": {
          RegionProgress g = RegionProgress.parseFrom(bytes);
          return new StressRegion.Progress(g.getId().getRun(), g.getId().getEpoch(), g.getId().getRegion(), g.getCycle(),
              longs(g.getInjectedList()), longs(g.getDeliveredList()), longs(g.getEjectedFlitsList()),
              longs(g.getChannelFlitsList()));
        }
        default:
          throw new NotSerializableException("unknown manifest '" + manifest + "'");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException(manifest + ": " + e.getMessage());
    }
  }

  private static RegionDone done(StressRegion.Done d) {
    Tally t = d.tally();
    RegionDone.Builder b = RegionDone.newBuilder().setId(id(d)).setCycles(d.cycles()).setWallSeconds(d.wallSeconds())
        .setSteps(d.steps()).setSumNetworkLatency(t.sumNetworkLatency())
        .setSumHops(t.sumHops()).setSumZeroLoad(t.sumZeroLoad()).setGenerated(t.generated())
        .setDelivered(t.delivered()).setMeasured(t.measured()).setMeasuredDone(t.measuredDone())
        .setFlitHops(t.flitHops());
    Arrays.stream(t.offeredFlits()).forEach(b::addOfferedFlits);
    Arrays.stream(t.acceptedFlits()).forEach(b::addAcceptedFlits);
    Arrays.stream(t.lostFlits()).forEach(b::addLostFlits);
    Arrays.stream(t.channelBusy()).forEach(b::addChannelBusy);
    int[] lat = t.latencies().clone();
    Arrays.sort(lat);
    for (int i = 0; i < lat.length; ) {
      int j = i;
      while (j < lat.length && lat[j] == lat[i]) {
        j++;
      }
      b.addLatencyValues(lat[i]).addLatencyCounts(j - i);
      i = j;
    }
    Map<String, Integer> reasons = new HashMap<>();
    for (StressResult.Drop x : t.drops()) {
      Integer k = reasons.get(x.reason());
      if (k == null) {
        k = reasons.size();
        reasons.put(x.reason(), k);
        b.addReasons(x.reason());
      }
      b.addDropSrc(x.src()).addDropSeq(x.seq()).addDropDst(x.dst()).addDropCycle(x.cycle()).addDropNode(x.node())
          .addDropReason(k);
    }
    return b.build();
  }

  private static StressRegion.Done done(RegionDone p) {
    int n = p.getLatencyCountsList().stream().mapToInt(Integer::intValue).sum();
    int[] lat = new int[n];
    for (int i = 0, at = 0; i < p.getLatencyValuesCount(); i++) {
      Arrays.fill(lat, at, at + p.getLatencyCounts(i), p.getLatencyValues(i));
      at += p.getLatencyCounts(i);
    }
    List<StressResult.Drop> drops = new ArrayList<>(p.getDropSrcCount());
    for (int i = 0; i < p.getDropSrcCount(); i++) {
      drops.add(new StressResult.Drop(p.getDropSrc(i), p.getDropSeq(i), p.getDropDst(i), p.getDropCycle(i),
          p.getDropNode(i), p.getReasons(p.getDropReason(i))));
    }
    Tally t = new Tally(longs(p.getOfferedFlitsList()), longs(p.getAcceptedFlitsList()), longs(p.getLostFlitsList()),
        longs(p.getChannelBusyList()), lat, p.getSumNetworkLatency(), p.getSumHops(), p.getSumZeroLoad(),
        p.getGenerated(), p.getDelivered(), p.getMeasured(), p.getMeasuredDone(), p.getFlitHops(), List.copyOf(drops));
    return new StressRegion.Done(p.getId().getRun(), p.getId().getEpoch(), p.getId().getRegion(), t, p.getCycles(),
        p.getWallSeconds(), p.getSteps());
  }

  private static fivepp.proto.stress.RegionId id(StressRegion.Reply r) {
    return fivepp.proto.stress.RegionId.newBuilder().setRun(r.run()).setEpoch(r.epoch()).setRegion(r.region()).build();
  }

  private static fivepp.proto.stress.StressSpec spec(StressSpec s) {
    SimulatorSettings c = s.config();
    return fivepp.proto.stress.StressSpec.newBuilder().setFabric(s.fabric()).setNodes(s.nodes())
        .setPattern(s.pattern()).setHotspot(s.hotspot() == null ? "" : s.hotspot()).setRate(s.rate())
        .setInjection(s.injection().name()).setLinkGbps(s.linkGbps()).setCrossbar(s.crossbar())
        .addAllFailLinks(s.failLinks()).addAllFailNodes(s.failNodes()).setDropRate(s.dropRate())
        .addAllLinkDelays(s.linkDelays()).setPacketFlits(c.packetFlits()).setBufferFlits(c.bufferFlits())
        .setVcsPerClass(c.vcsPerClass()).setRouterDelay(c.routerDelay()).setCreditDelay(c.creditDelay())
        .setWarmup(c.warmup())
        .setMeasure(c.measure()).setDrainLimit(c.drainLimit()).setSeed(c.seed()).setCoreBudget(s.coreBudget()).build();
  }

  private static StressSpec spec(fivepp.proto.stress.StressSpec p) {
    return new StressSpec(p.getFabric(), p.getNodes(), p.getPattern(), p.getHotspot().isEmpty() ? null : p.getHotspot(),
        p.getRate(), Traffic.Injection.valueOf(p.getInjection()), p.getLinkGbps(), p.getCrossbar(),
        p.getFailLinksList(), p.getFailNodesList(), p.getDropRate(), p.getLinkDelaysList(),
        new SimulatorSettings(p.getPacketFlits(), p.getBufferFlits(), p.getVcsPerClass(), p.getRouterDelay(),
            p.getCreditDelay(), p.getWarmup(), p.getMeasure(), p.getDrainLimit(), p.getSeed()), p.getCoreBudget());
  }
}
