package fivepp.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Typesafe Config (HOCON) of one cluster member, in three layers over {@code ConfigFactory.load()}
 * (so application.conf and the libraries' reference.conf stay in force):
 * <ol>
 *   <li>fivepp's member defaults: cluster provider, Artery over TCP, Java serialization off,
 *       split-brain resolver (keep-majority) as the downing provider, the failure detector, and
 *       management HTTP on 127.0.0.1;</li>
 *   <li>the user's HOCON file, if any: TLS (Artery {@code transport = tls-tcp} with a key store
 *       and a trust store), tuning, management on another interface;</li>
 *   <li>the addresses this member was given (hostname, ports, seeds, roles, management port),
 *       which win over the file as command-line flags do.</li>
 * </ol>
 */
public final class MemberHocon {
  /** The role of every member started by {@code fivepp node}: it hosts cores and routers. */
  public static final String HOST_ROLE = "host";

  private MemberHocon() {}

  /** The config of a member with these settings, over {@code ConfigFactory.load()}. */
  public static Config of(MemberSettings s) {
    return of(s, ConfigFactory.load());
  }

  /**
   * The config of a member with these settings over {@code base}.
   *
   * @throws IllegalArgumentException when the user file is missing, unreadable or not HOCON
   */
  public static Config of(MemberSettings s, Config base) {
    Config config = given(s).withFallback(userFile(s.userConfig())).withFallback(defaults(s))
        .withFallback(base);
    try {
      return config.resolve();
    } catch (ConfigException e) {
      throw new IllegalArgumentException((s.userConfig() == null ? "member config" : "config file " + s.userConfig())
          + ": " + e.getMessage().replaceAll("\\s+", " ").trim());
    }
  }

  /** Layer 1: what fivepp chooses for every member unless the user's file says otherwise. */
  static Config defaults(MemberSettings s) {
    Map<String, Object> m = new HashMap<>();
    m.put("pekko.actor.provider", "cluster");
    m.put("pekko.actor.allow-java-serialization", "off");
    m.put("pekko.remote.artery.transport", "tcp");
    m.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    m.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
    // the majority is counted among the members that host cores, not the coordinators, which
    // join for a run and leave after it: a coordinator gone unreachable before it was removed
    // must not tip a decision when a host is lost
    m.put("pekko.cluster.split-brain-resolver.keep-majority.role", HOST_ROLE);
    m.put("pekko.cluster.split-brain-resolver.stable-after", millis(s.stableAfter()));
    m.put("pekko.cluster.failure-detector.heartbeat-interval", millis(s.heartbeatInterval()));
    m.put("pekko.cluster.failure-detector.acceptable-heartbeat-pause", millis(s.acceptableHeartbeatPause()));
    // several members of one JVM (tests) each register their own cluster MBean
    m.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
    m.put("pekko.management.http.hostname", MemberSettings.LOOPBACK);
    if (s.joinTimeout() != null) {
      m.put("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", millis(s.joinTimeout()));
    }
    return ConfigFactory.parseMap(m, "fivepp member defaults");
  }

  /** Layer 3: the addresses given for this member. */
  static Config given(MemberSettings s) {
    Map<String, Object> m = new HashMap<>();
    m.put("pekko.remote.artery.canonical.hostname", s.hostname());
    m.put("pekko.remote.artery.canonical.port", s.port());
    if (s.bindHostname() != null) {
      m.put("pekko.remote.artery.bind.hostname", s.bindHostname());
    }
    if (s.bindPort() != null) {
      m.put("pekko.remote.artery.bind.port", s.bindPort().toString());
    }
    List<String> seeds = s.seeds().stream().map(x -> MemberSettings.parseSeed(x).address()).toList();
    m.put("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
    m.put("pekko.cluster.roles", ConfigValueFactory.fromIterable(s.roles()));
    if (s.managementHostname() != null) {
      m.put("pekko.management.http.hostname", s.managementHostname());
    }
    if (s.managementOn()) {
      m.put("pekko.management.http.port", s.managementPort());
    }
    return ConfigFactory.parseMap(m, "fivepp member settings");
  }

  /** Layer 2: the user's file, unresolved (it may refer to the environment, e.g. for passwords). */
  static Config userFile(Path file) {
    if (file == null) {
      return ConfigFactory.empty();
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("config file " + file + " does not exist or is not a file");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("config file " + file + " is not readable");
    }
    try {
      return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("config file " + file + ": "
          + e.getMessage().replaceAll("\\s+", " ").trim());
    }
  }

  private static String millis(Duration d) {
    return d.toMillis() + "ms";
  }
}
