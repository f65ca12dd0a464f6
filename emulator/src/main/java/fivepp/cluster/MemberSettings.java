package fivepp.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one cluster member is told: where it listens, whom it joins, what roles it has, and the
 * tuning of failure detection and downing. {@link MemberHocon} turns it into a Pekko config.
 *
 * @param hostname the canonical Artery hostname peers use to reach this member
 * @param port the canonical Artery port (0: any free port)
 * @param bindHostname the interface Artery binds to, or {@code null} for {@code hostname}
 * @param bindPort the port Artery binds to, or {@code null} for {@code port} (behind NAT)
 * @param seeds seed nodes as {@code HOST:PORT}; the first seed forms the cluster if it is itself
 * @param roles cluster roles of this member
 * @param managementHostname where pekko-management's HTTP binds, or {@code null} for 127.0.0.1
 * @param managementPort pekko-management's HTTP port; 0 turns management off
 * @param stableAfter how long membership must be stable before the split-brain resolver downs
 * @param heartbeatInterval the cluster failure detector's heartbeat interval
 * @param acceptableHeartbeatPause heartbeat silence tolerated before a member is unreachable
 * @param joinTimeout how long to try the seeds before giving up (shutting the member down), or
 *     {@code null} to keep trying
 * @param userConfig an optional HOCON file layered over fivepp's defaults (TLS, tuning), or null
 */
public record MemberSettings(
    String hostname,
    int port,
    String bindHostname,
    Integer bindPort,
    List<String> seeds,
    List<String> roles,
    String managementHostname,
    int managementPort,
    Duration stableAfter,
    Duration heartbeatInterval,
    Duration acceptableHeartbeatPause,
    Duration joinTimeout,
    Path userConfig) {

  /** The name every member's actor system has; seed addresses name it. */
  public static final String SYSTEM = "fivepp";
  /** Where management HTTP binds unless told otherwise. */
  public static final String LOOPBACK = "127.0.0.1";

  /** Checks the values; a bad one is an {@link IllegalArgumentException} with a one-line message. */
  public MemberSettings {
    Objects.requireNonNull(hostname, "hostname");
    if (hostname.isBlank()) {
      throw new IllegalArgumentException("the hostname is empty");
    }
    checkPort("port", port, true);
    if (bindPort != null) {
      checkPort("bind port", bindPort, true);
    }
    checkPort("management port", managementPort, true);
    seeds = List.copyOf(seeds);
    for (String s : seeds) {
      parseSeed(s);
    }
    roles = List.copyOf(roles);
    for (String r : roles) {
      if (r.isBlank() || !r.matches("[A-Za-z0-9_.-]+")) {
        throw new IllegalArgumentException("role '" + r + "': use letters, digits, '-', '_' or '.'");
      }
    }
    positive("stable-after", stableAfter);
    positive("heartbeat interval", heartbeatInterval);
    positive("acceptable heartbeat pause", acceptableHeartbeatPause);
    if (joinTimeout != null) {
      positive("join timeout", joinTimeout);
    }
  }

  /**
   * A member at {@code hostname:port} joining {@code seeds}, with fivepp's defaults: no roles,
   * management off, split-brain resolver stable after 5 s, heartbeats every 1 s with 3 s of
   * silence tolerated, no join timeout, no user file.
   */
  public static MemberSettings of(String hostname, int port, List<String> seeds) {
    return new MemberSettings(hostname, port, null, null, seeds, List.of(), null, 0,
        Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(3), null, null);
  }

  /** These settings with other roles. */
  public MemberSettings withRoles(List<String> r) {
    return new MemberSettings(hostname, port, bindHostname, bindPort, seeds, r, managementHostname,
        managementPort, stableAfter, heartbeatInterval, acceptableHeartbeatPause, joinTimeout, userConfig);
  }

  /** These settings with Artery bound to another interface and port than the canonical ones. */
  public MemberSettings withBind(String host, Integer bport) {
    return new MemberSettings(hostname, port, host, bport, seeds, roles, managementHostname,
        managementPort, stableAfter, heartbeatInterval, acceptableHeartbeatPause, joinTimeout, userConfig);
  }

  /** These settings with management HTTP on {@code host} (null: 127.0.0.1) and {@code mport} (0: off). */
  public MemberSettings withManagement(String host, int mport) {
    return new MemberSettings(hostname, port, bindHostname, bindPort, seeds, roles, host, mport,
        stableAfter, heartbeatInterval, acceptableHeartbeatPause, joinTimeout, userConfig);
  }

  /** These settings with another split-brain resolver stable-after. */
  public MemberSettings withStableAfter(Duration d) {
    return new MemberSettings(hostname, port, bindHostname, bindPort, seeds, roles, managementHostname,
        managementPort, d, heartbeatInterval, acceptableHeartbeatPause, joinTimeout, userConfig);
  }

  /** These settings with another failure detector: heartbeat interval and tolerated pause. */
  public MemberSettings withFailureDetector(Duration interval, Duration pause) {
    return new MemberSettings(hostname, port, bindHostname, bindPort, seeds, roles, managementHostname,
        managementPort, stableAfter, interval, pause, joinTimeout, userConfig);
  }

  /** These settings with a join timeout (null: try for ever). */
  public MemberSettings withJoinTimeout(Duration d) {
    return new MemberSettings(hostname, port, bindHostname, bindPort, seeds, roles, managementHostname,
        managementPort, stableAfter, heartbeatInterval, acceptableHeartbeatPause, d, userConfig);
  }

  /** These settings with a HOCON file layered over fivepp's defaults (null: none). */
  public MemberSettings withUserConfig(Path file) {
    return new MemberSettings(hostname, port, bindHostname, bindPort, seeds, roles, managementHostname,
        managementPort, stableAfter, heartbeatInterval, acceptableHeartbeatPause, joinTimeout, file);
  }

  /** Whether pekko-management's HTTP endpoint is to be started. */
  public boolean managementOn() {
    return managementPort > 0;
  }

  /** A seed {@code HOST:PORT} (IPv6 as {@code [::1]:PORT}), checked; the host and port. */
  public record Seed(String host, int port) {
    /** The Pekko address of the member at this seed. */
    public String address() {
      return "pekko://" + SYSTEM + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** Parses {@code HOST:PORT}; anything else is an {@link IllegalArgumentException}. */
  public static Seed parseSeed(String hostPort) {
    String s = hostPort == null ? "" : hostPort.trim();
    String what = "seed '" + hostPort + "': give HOST:PORT, e.g. 10.0.0.5:25520";
    String host;
    String portText;
    if (s.startsWith("[")) {
      int close = s.indexOf("]:");
      if (close < 0) {
        throw new IllegalArgumentException(what);
      }
      host = s.substring(1, close);
      portText = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0 || s.indexOf(':') != colon) {
        throw new IllegalArgumentException(what);
      }
      host = s.substring(0, colon);
      portText = s.substring(colon + 1);
    }
    if (host.isEmpty() || !host.matches("[A-Za-z0-9_.:-]+")) {
      throw new IllegalArgumentException(what);
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("seed '" + hostPort + "': the port must be 1..65535");
    }
    return new Seed(host, port);
  }

  private static void checkPort(String what, int p, boolean zeroOk) {
    if (p < (zeroOk ? 0 : 1) || p > 65535) {
      throw new IllegalArgumentException(what + " " + p + ": give 0..65535");
    }
  }

  private static void positive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be a positive duration, not " + d);
    }
  }
}
