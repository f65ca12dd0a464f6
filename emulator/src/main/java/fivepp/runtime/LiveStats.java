package fivepp.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The counters of a run, readable from any thread while it goes (the live monitor reads them).
 *
 * <p>In one JVM (and on the member that runs a vertex) every counter has a single writer: a
 * vertex's counters and its outgoing channels' counters are written by that vertex's actor, the
 * injection counters and the image counters by the coordinator. Writers keep their own plain
 * counts and publish them with a release store ({@code lazySet}), which costs a plain store on
 * x86, into cache lines no other writer touches; readers see each value at most a message
 * behind. On a cluster the coordinator's counters of a member's vertices have two writers: its
 * deployer copies the member's reports into them once a second ({@link Vertex#mirror}), and the
 * coordinator copies each vertex's final statistics at the end of the run. Both store whole
 * values, never adding to what is there, so a value read is one copy or the other. The queue
 * depth of a vertex is what was sent to it (over its incoming channels and by the coordinator)
 * minus what it has taken in; read while the run goes, it is an estimate (the counters are not
 * read atomically together), exact once the run is over.
 */
public final class LiveStats {

  /** One fabric vertex of the array: a core ({@code core >= 0}) or a bare router. */
  public static final class Vertex {
    public final int vertex;
    public final int core;
    private final LiveStats owner;
    /** Written by the vertex's actor: mvms, busy ns, virtual clock bits, messages in, out. */
    private final Padded counts = new Padded();
    /** Written by the coordinator: messages injected. */
    private final Padded injected = new Padded();
    private final List<Channel> out = new ArrayList<>();
    /** The cluster member the vertex runs on, or null in a run on one JVM. */
    private volatile String member;
    /** Written by the vertex's actor: its flushes and envelopes to other members, read together. */
    private volatile Envelopes envelopes = Envelopes.NONE;

    Vertex(LiveStats owner, int vertex, int core) {
      this.owner = owner;
      this.vertex = vertex;
      this.core = core;
    }

    /** Publishes the actor's counts (called by the vertex's actor only). */
    void publish(long mvms, long busyNanos, double virtualTime, long in, long out) {
      counts.set(0, mvms);
      counts.set(1, busyNanos);
      counts.set(2, Double.doubleToRawLongBits(virtualTime));
      counts.set(3, in);
      counts.set(4, out);
    }

    /**
     * Publishes the flushes and the envelopes sent to each other member (by address) so far
     * (called by the vertex's actor only, or by the one reader mirroring a member's report).
     */
    public void publishEnvelopes(long flushes, java.util.Map<String, Long> envelopesOut) {
      envelopes = new Envelopes(flushes, java.util.Map.copyOf(envelopesOut));
    }

    /** Flushes and envelopes by member, as one consistent pair. */
    public Envelopes envelopes() {
      return envelopes;
    }

    /** The channel from this vertex to {@code to}, created on first use (when the array is wired). */
    synchronized Channel channel(int to) {
      for (Channel c : out) {
        if (c.to == to) {
          return c;
        }
      }
      Channel c = new Channel(vertex, to);
      out.add(c);
      owner.register(c);
      return c;
    }

    public long mvms() {
      return counts.get(0);
    }

    public long busyNanos() {
      return counts.get(1);
    }

    /** The core's virtual clock: when its latest MVM ends (0 on a router), in seconds. */
    public double virtualTime() {
      return Double.longBitsToDouble(counts.get(2));
    }

    public long messagesIn() {
      return counts.get(3);
    }

    public long messagesOut() {
      return counts.get(4);
    }

    /**
     * Copies the counts of this vertex as reported from the cluster member that runs it: by the
     * coordinator's deployer from the member's reports while the run goes, and by the coordinator
     * from the vertex's final statistics.
     */
    public void mirror(String runsOn, long mvms, long busyNanos, double virtualTime, long in, long out) {
      member = runsOn;
      publish(mvms, busyNanos, virtualTime, in, out);
    }

    /** Copies the counts of this vertex's channel to {@code to}, as reported by its member. */
    public void mirrorChannel(int to, long bits, long messages) {
      channel(to).publish(bits, messages);
    }

    /** The cluster member this vertex runs on, or null in a run on one JVM. */
    public String member() {
      return member;
    }

    /** Messages the coordinator sent to this vertex (images entering the array). */
    public long injected() {
      return injected.get(0);
    }
  }

  /**
   * A vertex's flushes and the envelopes it sent to each other member (by address), counted
   * together: a flush sends at most one envelope per member, unless one would be too large.
   */
  public record Envelopes(long flushes, java.util.Map<String, Long> envelopesOut) {
    static final Envelopes NONE = new Envelopes(0, java.util.Map.of());
  }

  /** One channel: a direction of a link, with the bits and messages sent over it. */
  public static final class Channel {
    public final int from;
    public final int to;
    private final Padded counts = new Padded();

    Channel(int from, int to) {
      this.from = from;
      this.to = to;
    }

    void publish(long bits, long messages) {
      counts.set(0, bits);
      counts.set(1, messages);
    }

    public long bits() {
      return counts.get(0);
    }

    public long messages() {
      return counts.get(1);
    }
  }

  /**
   * Up to five counters with one writer, published with release stores, in the middle of an
   * array of 24 longs: 80 bytes of padding before them and 88 after, so that counters written
   * by different threads never share a cache line.
   */
  private static final class Padded {
    private static final int BASE = 8;
    private final java.util.concurrent.atomic.AtomicLongArray a = new java.util.concurrent.atomic.AtomicLongArray(24);

    void set(int i, long v) {
      a.lazySet(BASE + i, v);
    }

    long get(int i) {
      return a.get(BASE + i);
    }
  }

  private final AtomicReferenceArray<Vertex> vertices;
  private final List<Channel> channels = new ArrayList<>();
  private final AtomicLong imagesTotal = new AtomicLong();
  private final AtomicLong imagesDone = new AtomicLong();
  private final AtomicLong virtualHorizonBits = new AtomicLong();
  private final Recorder latency = new Recorder(3);
  private final double tMvmSeconds;
  private volatile double boundImagesPerSecond;
  /** When each cluster member last answered for its counters (System.nanoTime). */
  private final java.util.concurrent.ConcurrentHashMap<String, Long> heard = new java.util.concurrent.ConcurrentHashMap<>();
  /** Why each member lost from the run was lost. */
  private final java.util.concurrent.ConcurrentHashMap<String, String> lost = new java.util.concurrent.ConcurrentHashMap<>();

  /** Counters for an array on a fabric of {@code fabricNodes} vertices. */
  public LiveStats(int fabricNodes, double tMvmSeconds) {
    this.vertices = new AtomicReferenceArray<>(fabricNodes);
    this.tMvmSeconds = tMvmSeconds;
  }

  /** Registers (or returns) vertex {@code v}, holding core {@code core} or -1 for a router. */
  public synchronized Vertex vertex(int v, int core) {
    Vertex x = vertices.get(v);
    if (x == null) {
      x = new Vertex(this, v, core);
      vertices.set(v, x);
    }
    return x;
  }

  /** Vertex {@code v} if it is registered, else null. */
  public Vertex vertexOrNull(int v) {
    return v >= 0 && v < vertices.length() ? vertices.get(v) : null;
  }

  private synchronized void register(Channel c) {
    channels.add(c);
  }

  /** The vertices registered so far, by ascending vertex. */
  public List<Vertex> vertices() {
    List<Vertex> out = new ArrayList<>();
    for (int v = 0; v < vertices.length(); v++) {
      Vertex x = vertices.get(v);
      if (x != null) {
        out.add(x);
      }
    }
    return out;
  }

  /** The channels registered so far. */
  public synchronized List<Channel> channels() {
    return List.copyOf(channels);
  }

  /** Time of one MVM in virtual time, to turn MVMs into virtual busy time. */
  public double tMvmSeconds() {
    return tMvmSeconds;
  }

  void start(int total, double boundImagesPerSecond) {
    imagesTotal.set(total);
    this.boundImagesPerSecond = boundImagesPerSecond;
  }

  /** A cluster member answered with its counters now. */
  public void heard(String member) {
    heard.put(member, System.nanoTime());
  }

  /** A cluster member is gone from the run, for {@code why}. */
  public void lost(String member, String why) {
    lost.put(member, why);
  }

  /**
   * A cluster member as the coordinator sees it: reachable while it answers for its counters
   * (asked once a second) within {@code HEARD_WITHIN_SECONDS} and is not lost.
   *
   * @param lastHeardSecondsAgo since its last answer; -1 if it never answered
   * @param incident why it was lost, or null
   */
  public record Health(String member, boolean reachable, double lastHeardSecondsAgo, String incident) {}

  /** Seconds without an answer after which a member is shown unreachable. */
  public static final double HEARD_WITHIN_SECONDS = 3;

  /** Every member heard from or lost, by address. */
  public List<Health> health() {
    long now = System.nanoTime();
    java.util.TreeSet<String> members = new java.util.TreeSet<>(heard.keySet());
    members.addAll(lost.keySet());
    List<Health> out = new ArrayList<>();
    for (String m : members) {
      Long at = heard.get(m);
      double ago = at == null ? -1 : (now - at) / 1e9;
      String why = lost.get(m);
      out.add(new Health(m, why == null && at != null && ago < HEARD_WITHIN_SECONDS, ago, why));
    }
    return out;
  }

  /** The pipeline's analytic bound, images per virtual second (0 until the run starts). */
  public double boundImagesPerSecond() {
    return boundImagesPerSecond;
  }

  void injected(int vertex, long messages) {
    Vertex x = vertices.get(vertex);
    x.injected.set(0, x.injected.get(0) + messages);
  }

  /** An image completed after {@code wallNanos}; its last output was ready at {@code virtualDone}. */
  void imageDone(long wallNanos, double virtualDone) {
    latency.recordValue(Math.max(1, wallNanos));
    if (virtualDone > Double.longBitsToDouble(virtualHorizonBits.get())) {
      virtualHorizonBits.lazySet(Double.doubleToRawLongBits(virtualDone));
    }
    imagesDone.lazySet(imagesDone.get() + 1);
  }

  public long imagesTotal() {
    return imagesTotal.get();
  }

  public long imagesDone() {
    return imagesDone.get();
  }

  /** The latest virtual time at which a completed image's output was ready, in seconds. */
  public double virtualHorizon() {
    return Double.longBitsToDouble(virtualHorizonBits.get());
  }

  /**
   * The wall-clock latencies (ns) of the images completed since the previous call; each latency
   * is handed out exactly once. Call it from one reader.
   */
  public Histogram drainLatencies() {
    return latency.getIntervalHistogram();
  }
}
