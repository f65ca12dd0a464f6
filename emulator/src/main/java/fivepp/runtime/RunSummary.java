package fivepp.runtime;

import fivepp.mapping.CoreGraph;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report of a finished run, from what the vertices counted ({@link CoreActor.Stats}), the
 * assembled outputs and the coordinator's own tallies.
 *
 * @param graph the mapped network
 * @param fabric the fabric's spec, as the user gave it
 * @param options how the run was driven
 * @param bound the pipeline's analytic bound
 * @param memberOf the member each vertex ran on (empty in one JVM)
 */
public record RunSummary(CoreGraph graph, String fabric, RunOptions options, PipelineBound bound,
    Map<Integer, String> memberOf) {

  private static final class MemberTally {
    int cores;
    int vertices;
    double bytes;
    long messages;
    long envelopes;
    long heapPeak;
  }

  /** What the coordinator counted itself. */
  public record Tally(double wallSeconds, int maxImagesInFlight, List<String> incidents, int imagesRedone) {}

  public RunReport report(List<CoreActor.Stats> stats, OutputAssembly outputs, Tally tally) {
    int total = outputs.logits().length;
    double wall = tally.wallSeconds();
    double makespan = outputs.makespan();
    List<CoreActor.Stats> byVertex = new ArrayList<>(stats);
    byVertex.sort(Comparator.comparingInt(CoreActor.Stats::vertex));
    List<RunReport.CoreReport> cores = new ArrayList<>();
    List<RunReport.ChannelReport> channels = new ArrayList<>();
    for (CoreActor.Stats s : byVertex) {
      if (s.core() >= 0) {
        cores.add(new RunReport.CoreReport(s.core(), graph.cores().get(s.core()).layer(),
            s.vertex(), s.mvms(), makespan > 0 ? s.virtualBusy() / makespan : 0,
            s.busyNanos() / 1e9 / wall, s.messagesIn(), s.messagesOut()));
      }
      new TreeMap<>(s.channelBits()).forEach((to, bits) ->
          channels.add(new RunReport.ChannelReport(s.vertex(), to, bits / 8.0 / total)));
    }
    cores.sort(Comparator.comparingInt(RunReport.CoreReport::id));
    // per member: cores, vertices, what leaves it for another member, its heap
    Map<String, MemberTally> byMember = new TreeMap<>();
    double cross = 0;
    for (CoreActor.Stats st : byVertex) {
      String m = memberOf.get(st.vertex());
      if (m == null) {
        continue;
      }
      MemberTally t = byMember.computeIfAbsent(m, k -> new MemberTally());
      t.vertices++;
      t.cores += st.core() >= 0 ? 1 : 0;
      t.heapPeak = Math.max(t.heapPeak, st.heapPeakBytes());
      t.envelopes += st.envelopesOut().values().stream().mapToLong(Long::longValue).sum();
      for (Map.Entry<Integer, Long> e : st.channelBits().entrySet()) {
        if (!m.equals(memberOf.get(e.getKey()))) {
          t.bytes += e.getValue() / 8.0 / total;
          t.messages += st.channelMessages().getOrDefault(e.getKey(), 0L);
          cross += e.getValue() / 8.0 / total;
        }
      }
    }
    List<RunReport.MemberReport> members = new ArrayList<>();
    byMember.forEach((m, t) -> members.add(new RunReport.MemberReport(m, t.cores, t.vertices, t.bytes,
        (double) t.messages / total, (double) t.envelopes / total, t.heapPeak)));
    return RunReport.builder()
        .model(graph.network().name()).fabric(fabric).crossbar(graph.tiling().crossbar().toString())
        .granularity(options.pixels() ? "pixel" : "row").images(total)
        .wallSeconds(wall).wallImagesPerSecond(total / wall)
        .latencyP50Ms(outputs.wallLatencyMs(50)).latencyP99Ms(outputs.wallLatencyMs(99))
        .virtualImagesPerSecond(outputs.virtualImagesPerSecond())
        .virtualBound(bound.imagesPerSecond(), bound.by())
        .virtualLatencyP50Us(outputs.virtualLatencyP50() * 1e6)
        .maxImagesInFlight(tally.maxImagesInFlight())
        .maxImagesHeldByACore(stats.stream().mapToInt(CoreActor.Stats::maxImagesHeld).max().orElse(0))
        .cores(cores).channels(channels).members(members).crossMemberBytesPerImage(cross)
        .incidents(tally.incidents()).imagesRedone(tally.imagesRedone()).heapPeakBytes(Heap.peakBytes())
        .top1(outputs.top1()).logits(outputs.logits()).virtualDone(outputs.virtualDone())
        .analog(analog(stats))
        .build();
  }

  /** With analog MVMs, every core's SNR against the exact MVMs, worst first; otherwise null. */
  private RunReport.AnalogReport analog(List<CoreActor.Stats> stats) {
    AnalogSettings a = options.analog();
    if (!a.on()) {
      return null;
    }
    List<RunReport.CoreSnr> snr = new ArrayList<>();
    for (CoreActor.Stats s : stats) {
      if (s.core() >= 0) {
        snr.add(new RunReport.CoreSnr(s.core(), graph.cores().get(s.core()).layer(),
            AnalogCheck.snrDb(s.analogSignal(), s.analogError())));
      }
    }
    snr.sort(Comparator.comparingDouble(RunReport.CoreSnr::snrDb).thenComparingInt(RunReport.CoreSnr::id));
    return new RunReport.AnalogReport(a.describe(), a.calibrate(), 0, 0, Double.NaN, Double.NaN, snr);
  }
}
