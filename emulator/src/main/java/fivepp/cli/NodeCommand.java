package fivepp.cli;

import fivepp.cluster.MemberHocon;
import fivepp.cluster.MemberNode;
import fivepp.cluster.MemberSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fivepp node}: one cluster member that hosts cores, until it is stopped or downed. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = {"Start a cluster member that hosts cores for 'fivepp run --cluster'.",
        "",
        "The member joins the cluster through the seeds (the first seed, when it is",
        "this member itself, forms the cluster), prints one line once it is Up and",
        "runs until it is stopped: SIGTERM (Ctrl-C) makes it leave the cluster",
        "gracefully. A member that cannot join within --join-timeout says so and",
        "exits with status 2.",
        "",
        "A killed member is noticed by the failure detector and downed by the",
        "split-brain resolver (keep-majority) within seconds. With --management-port,",
        "pekko-management's HTTP endpoint answers /ready (200 once Up), /alive and",
        "/cluster/members, on 127.0.0.1 unless --management-hostname says otherwise.",
        "--config adds a HOCON file over fivepp's defaults: TLS between members (see",
        "deploy/tls/member-tls.conf) or tuning; the addresses given as options win",
        "over the file.",
        "",
        "Secure by default: a member that listens on or advertises an address other",
        "than loopback (127.0.0.1, ::1, localhost) starts only with TLS and mutual",
        "authentication (pekko.remote.artery.transport = tls-tcp), or with",
        "--insecure-transport, which warns once on stderr."},
    footer = {"", "Example, three members on one machine:",
        "  fivepp node --port 25521 --seed 127.0.0.1:25521 --management-port 7627",
        "  fivepp node --port 25522 --seed 127.0.0.1:25521 --management-port 7628",
        "  fivepp node --port 25523 --seed 127.0.0.1:25521 --management-port 7629",
        "or simply: deploy/local-cluster.sh 3"})
final class NodeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", defaultValue = "25520", paramLabel = "P",
      description = "Artery (remoting) port of this member; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--seed", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Seed members to join through. List the same seeds, in the same order, on every member.")
  String seeds;

  @Option(names = "--hostname", defaultValue = "127.0.0.1", paramLabel = "H",
      description = "The address other members reach this one at (default: ${DEFAULT-VALUE}).")
  String hostname;

  @Option(names = "--bind-hostname", paramLabel = "H",
      description = "Listen on this interface instead of --hostname (0.0.0.0: all; behind NAT, in containers).")
  String bindHostname;

  @Option(names = "--roles", paramLabel = "r1,r2", description = "Cluster roles of this member.")
  String roles;

  @Option(names = "--capacity", defaultValue = "4096", paramLabel = "CORES",
      description = "How many fabric vertices (core actors and routers) this member hosts at most (default:"
          + " ${DEFAULT-VALUE}); within it, arrays are shared among members by work.")
  int capacity;

  @Option(names = "--management-port", defaultValue = "0", paramLabel = "M",
      description = "Port of the pekko-management HTTP endpoint (/ready, /alive, /cluster/members);"
          + " 0 turns it off (default: ${DEFAULT-VALUE}).")
  int managementPort;

  @Option(names = "--management-hostname", paramLabel = "H",
      description = "Interface of the management endpoint (default: 127.0.0.1).")
  String managementHostname;

  @Option(names = "--config", paramLabel = "FILE",
      description = "A HOCON file layered over fivepp's member defaults, e.g. TLS between members.")
  Path config;

  @Option(names = "--insecure-transport",
      description = "Allow plain TCP (no TLS) on an address other than loopback: anyone who reaches the"
          + " port can join the cluster or flood this member. Prints a warning.")
  boolean insecureTransport;

  @Option(names = "--join-timeout", defaultValue = "30", paramLabel = "S",
      description = "Seconds to try the seeds before giving up; 0 tries for ever (default: ${DEFAULT-VALUE}).")
  double joinTimeoutSeconds;

  @picocli.CommandLine.Mixin Inputs.MonitorOptions monitorAt;

  /** The member's live monitor, when --monitor-port is given. */
  private fivepp.monitor.MemberMonitor monitor;

  @Option(names = "--verbose", description = "Show Pekko's warnings while joining (connection attempts, TLS).")
  boolean verbose;

  @Override
  public Integer call() {
    if (monitorAt.on()) {
      try {
        monitor = fivepp.monitor.MemberMonitor.start(monitorAt.host, monitorAt.port, "");
      } catch (IllegalArgumentException e) {
        throw new UserError("--monitor-host/--monitor-port: " + e.getMessage());
      }
    }
    MemberNode.Started s;
    try {
      s = start();
    } catch (UserError e) {
      if (monitor != null) {
        monitor.close();
      }
      throw e;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "member %s up, capacity %d cores%n", s.hostPort(), capacity);
    if (monitor != null) {
      monitor.member(MemberSettings.SYSTEM + "@" + s.hostPort());
      out.printf(Locale.ROOT, "monitor: %s  (Prometheus: %smetrics)%n", monitor.url(), monitor.url());
    }
    out.flush();
    s.system().getWhenTerminated().toCompletableFuture().join();
    if (monitor != null) {
      monitor.close();
    }
    out.printf(Locale.ROOT, "member %s stopped%n", s.hostPort());
    out.flush();
    return 0;
  }

  /** The member's settings from the options; a bad option is a {@link UserError}. */
  MemberSettings settings() {
    if (capacity < 1) {
      throw new UserError("--capacity " + capacity + ": give at least 1 core");
    }
    if (!(joinTimeoutSeconds >= 0) || Double.isInfinite(joinTimeoutSeconds)) {
      throw new UserError("--join-timeout " + joinTimeoutSeconds + ": give seconds >= 0 (0: for ever)");
    }
    try {
      List<String> seedList = Inputs.list(seeds);
      List<String> roleList = new java.util.ArrayList<>(roles == null ? List.of() : Inputs.list(roles));
      if (!roleList.contains(MemberHocon.HOST_ROLE)) {
        // the split-brain resolver counts hosts only: coordinators come and go
        roleList.add(MemberHocon.HOST_ROLE);
      }
      MemberSettings s = MemberSettings.of(hostname.trim(), port, seedList)
          .withRoles(roleList)
          .withBind(bindHostname == null ? null : bindHostname.trim(), null)
          .withManagement(managementHostname == null ? null : managementHostname.trim(), managementPort)
          .withUserConfig(config);
      return joinTimeoutSeconds == 0 ? s : s.withJoinTimeout(joinTimeout());
    } catch (IllegalArgumentException e) {
      throw new UserError(optionName(e.getMessage()));
    }
  }

  /**
   * Starts the member and waits until it is Up (see {@link MemberNode}). Every problem the user can
   * fix (bad option, port in use, unreadable config, no seed reachable in time) is a
   * {@link UserError}, and then no actor system is left running.
   */
  MemberNode.Started start() {
    MemberSettings settings = settings();
    try {
      return MemberNode.start(settings, capacity, insecureTransport, !verbose, warning -> {
        PrintWriter err = spec.commandLine().getErr();
        err.println("fivepp: " + warning);
        err.flush();
      }, h -> {
        if (monitor != null) {
          monitor.watch(h.live(), h.built().graph(), h.built().fabric(),
              new fivepp.mapping.Placement(h.recipe().vertexOf()), h.recipe().options().pixels() ? "pixel" : "row");
        }
      });
    } catch (MemberNode.NotUp e) {
      throw new UserError(String.format(Locale.ROOT,
          "could not join the cluster through %s within %s s: start a seed member there first, check"
              + " the addresses (and TLS certificates) or give a longer --join-timeout%s",
          String.join(",", settings.seeds()), fmt(joinTimeoutSeconds), verbose ? "" : "; --verbose shows the attempts"));
    } catch (MemberNode.CannotStart e) {
      throw new UserError(optionName(e.getMessage()));
    }
  }

  private Duration joinTimeout() {
    return Duration.ofMillis(Math.max(1, Math.round(joinTimeoutSeconds * 1000)));
  }

  /** Says which option is wrong when the settings or {@link MemberNode} name it in their own words. */
  private static String optionName(String message) {
    if (message.startsWith("port ")) {
      return "--" + message;
    }
    if (message.startsWith("management port ")) {
      return "--management-port " + message.substring("management port ".length());
    }
    if (message.startsWith("seed ")) {
      return "--" + message;
    }
    return message;
  }

  private static String fmt(double seconds) {
    return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
  }
}
