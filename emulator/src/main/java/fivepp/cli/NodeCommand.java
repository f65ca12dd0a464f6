package fivepp.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.typesafe.config.Config;
import fivepp.cluster.Member;
import fivepp.cluster.MemberConfig;
import fivepp.cluster.MemberSettings;
import fivepp.cluster.TransportSecurity;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.LoggerFactory;
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

  /** A member that is Up: its actor system and its address as HOST:PORT. */
  record Started(ActorSystem<?> system, String hostPort) {}

  @Override
  public Integer call() {
    if (monitorAt.on()) {
      try {
        monitor = fivepp.monitor.MemberMonitor.start(monitorAt.host, monitorAt.port, "");
      } catch (IllegalArgumentException e) {
        throw new UserError("--monitor-host/--monitor-port: " + e.getMessage());
      }
    }
    Started s;
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
      if (!roleList.contains(MemberConfig.HOST_ROLE)) {
        // the split-brain resolver counts hosts only: coordinators come and go
        roleList.add(MemberConfig.HOST_ROLE);
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
   * Starts the member and waits until it is Up. Every problem the user can fix (bad option, port
   * in use, unreadable config, no seed reachable in time) is a {@link UserError}, and then no actor
   * system is left running.
   */
  Started start() {
    MemberSettings settings = settings();
    Config conf;
    try {
      conf = MemberConfig.of(settings);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    secureByDefault(conf);
    String bindHost = orElse(conf.getString("pekko.remote.artery.bind.hostname"),
        conf.getString("pekko.remote.artery.canonical.hostname"));
    String bindPort = orElse(conf.getString("pekko.remote.artery.bind.port"),
        conf.getString("pekko.remote.artery.canonical.port"));
    checkFree("--port", bindHost, Integer.parseInt(bindPort));
    if (settings.managementOn()) {
      checkFree("--management-port", conf.getString("pekko.management.http.hostname"), settings.managementPort());
    }
    Quiet quiet = verbose ? null : new Quiet();
    ActorSystem<?> system;
    try {
      system = ActorSystem.create(Member.create(capacity, h -> {
        if (monitor != null) {
          monitor.watch(h.live(), h.built().graph(), h.built().fabric(),
              new fivepp.mapping.Placement(h.spec().vertexOf()), h.spec().options().pixels() ? "pixel" : "row");
        }
      }), MemberSettings.SYSTEM, conf);
    } catch (RuntimeException e) {
      restore(quiet);
      throw new UserError("cannot start the member: " + firstLine(e));
    }
    try {
      if (settings.managementOn()) {
        startManagement(system);
      }
      Address self = awaitUp(system, settings);
      return new Started(system, self.host().get() + ":" + self.port().get());
    } catch (UserError e) {
      stop(system);
      throw e;
    } finally {
      restore(quiet);
    }
  }

  /**
   * Refuses plain TCP beyond loopback unless --insecure-transport is given, and then warns once on
   * stderr (see {@link TransportSecurity}).
   */
  private void secureByDefault(Config conf) {
    String warning;
    try {
      warning = TransportSecurity.check(conf, insecureTransport);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    if (warning != null) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("fivepp: " + warning);
      err.flush();
    }
  }

  private void startManagement(ActorSystem<?> system) {
    try {
      PekkoManagement.get(system).start().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new UserError("management HTTP cannot listen on port " + managementPort + ": " + firstLine(cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while starting management HTTP");
    }
  }

  private Address awaitUp(ActorSystem<?> system, MemberSettings settings) {
    CompletableFuture<Address> up = new CompletableFuture<>();
    Cluster cluster = Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
    cluster.registerOnMemberUp(() -> up.complete(cluster.selfAddress()));
    system.getWhenTerminated().thenRun(() -> up.completeExceptionally(new IllegalStateException("terminated")));
    long waitMs = settings.joinTimeout() == null ? Long.MAX_VALUE
        // Pekko gives up by itself after the join timeout; a few seconds more cover its shutdown
        : settings.joinTimeout().toMillis() + 5_000;
    try {
      return up.get(waitMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new UserError(String.format(Locale.ROOT,
          "could not join the cluster through %s within %s s: start a seed member there first, check"
              + " the addresses (and TLS certificates) or give a longer --join-timeout%s",
          String.join(",", settings.seeds()), fmt(joinTimeoutSeconds), verbose ? "" : "; --verbose shows the attempts"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while joining the cluster");
    }
  }

  private Duration joinTimeout() {
    return Duration.ofMillis(Math.max(1, Math.round(joinTimeoutSeconds * 1000)));
  }

  /** Says which option is wrong when the settings name it in their own words. */
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

  /** Fails with one line when nothing can listen on {@code host:port} (0: any port is fine). */
  private static void checkFree(String option, String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (why.toLowerCase(Locale.ROOT).contains("in use")) {
        throw new UserError(option + " " + port + ": " + host + ":" + port
            + " is already in use (another member or program); choose another port");
      }
      throw new UserError(option + " " + port + ": cannot listen on " + host + ":" + port + " (" + why
          + "); is " + host + " an address of this machine? (--bind-hostname can differ from --hostname)");
    }
  }

  private static void stop(ActorSystem<?> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // the JVM ends soon anyway; the user already has the line that matters
    }
  }

  private static String orElse(String a, String b) {
    return a == null || a.isBlank() ? b : a;
  }

  private static String firstLine(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.strip().lines().findFirst().orElse(m);
  }

  private static String fmt(double seconds) {
    return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
  }

  /**
   * While a member starts and joins, Pekko warns of every failed connection attempt; the command
   * ends with one line of its own instead. Raises Pekko's log level to ERROR until then.
   */
  private static final class Quiet {
    final Logger logger = (Logger) LoggerFactory.getLogger("org.apache.pekko");
    final Level before = logger.getLevel();

    Quiet() {
      logger.setLevel(Level.ERROR);
    }
  }

  private static void restore(Quiet q) {
    if (q != null) {
      q.logger.setLevel(q.before);
    }
  }
}
