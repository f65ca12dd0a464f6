package fivepp.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.typesafe.config.Config;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.LoggerFactory;

/**
 * Starts one cluster member that hosts cores: its Pekko config from {@link MemberSettings}, the
 * transport check of {@link TransportSecurity}, its actor system running a {@link Member},
 * pekko-management when asked for, and the wait until it is Up.
 *
 * <p>Every problem the user can fix (port in use, unreadable config, plain TCP off loopback, no
 * seed reachable in time) is a {@link CannotStart} with one line, and then no actor system is left
 * running.
 */
public final class MemberNode {
  private MemberNode() {}

  /** A member that is Up: its actor system and its address as HOST:PORT. */
  public record Started(ActorSystem<?> system, String hostPort) {}

  /**
   * Why a member did not start, in one line. A port that cannot listen says so as
   * {@code "port N: ..."} or {@code "management port N: ..."}, naming the setting.
   */
  public static class CannotStart extends RuntimeException {
    CannotStart(String message) {
      super(message, null, false, false);
    }
  }

  /** The member started but did not become Up through its seeds within the join timeout. */
  public static final class NotUp extends CannotStart {
    NotUp() {
      super("could not join the cluster through the seeds within the join timeout");
    }
  }

  /**
   * Starts the member and waits until it is Up (for ever when the settings have no join timeout).
   *
   * @param settings where it listens, whom it joins, its roles and management
   * @param capacity how many fabric vertices it hosts at most
   * @param insecureTransport allow plain TCP beyond loopback (then {@code warn} is told once)
   * @param quiet hold Pekko's log at ERROR while starting and joining (its warnings of every
   *     failed connection attempt), restoring it after
   * @param warn told the one-line warning of {@link TransportSecurity#check}, if any
   * @param onRun told of every run the member begins to host
   * @throws CannotStart with one line for a problem the user can fix
   */
  public static Started start(MemberSettings settings, int capacity, boolean insecureTransport, boolean quiet,
      Consumer<String> warn, Consumer<Member.Hosting> onRun) {
    Config conf;
    try {
      conf = MemberHocon.of(settings);
    } catch (IllegalArgumentException e) {
      throw new CannotStart(e.getMessage());
    }
    secureByDefault(conf, insecureTransport, warn);
    String bindHost = orElse(conf.getString("pekko.remote.artery.bind.hostname"),
        conf.getString("pekko.remote.artery.canonical.hostname"));
    String bindPort = orElse(conf.getString("pekko.remote.artery.bind.port"),
        conf.getString("pekko.remote.artery.canonical.port"));
    checkFree("port", bindHost, Integer.parseInt(bindPort));
    if (settings.managementOn()) {
      checkFree("management port", conf.getString("pekko.management.http.hostname"), settings.managementPort());
    }
    Quiet q = quiet ? new Quiet() : null;
    ActorSystem<?> system;
    try {
      system = ActorSystem.create(Member.create(capacity, onRun), MemberSettings.SYSTEM, conf);
    } catch (RuntimeException e) {
      restore(q);
      throw new CannotStart("cannot start the member: " + firstLine(e));
    }
    try {
      if (settings.managementOn()) {
        startManagement(system, settings.managementPort());
      }
      Address self = awaitUp(system, settings);
      return new Started(system, self.host().get() + ":" + self.port().get());
    } catch (CannotStart e) {
      stop(system);
      throw e;
    } finally {
      restore(q);
    }
  }

  /**
   * Refuses plain TCP beyond loopback unless {@code insecureTransport}, and then warns once (see
   * {@link TransportSecurity}).
   */
  private static void secureByDefault(Config conf, boolean insecureTransport, Consumer<String> warn) {
    String warning;
    try {
      warning = TransportSecurity.check(conf, insecureTransport);
    } catch (IllegalArgumentException e) {
      throw new CannotStart(e.getMessage());
    }
    if (warning != null) {
      warn.accept(warning);
    }
  }

  private static void startManagement(ActorSystem<?> system, int managementPort) {
    try {
      PekkoManagement.get(system).start().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new CannotStart("management HTTP cannot listen on port " + managementPort + ": " + firstLine(cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CannotStart("interrupted while starting management HTTP");
    }
  }

  private static Address awaitUp(ActorSystem<?> system, MemberSettings settings) {
    CompletableFuture<Address> up = new CompletableFuture<>();
    Cluster cluster = Cluster.get(Adapter.toClassic(system));
    cluster.registerOnMemberUp(() -> up.complete(cluster.selfAddress()));
    system.getWhenTerminated().thenRun(() -> up.completeExceptionally(new IllegalStateException("terminated")));
    long waitMs = settings.joinTimeout() == null ? Long.MAX_VALUE
        // Pekko gives up by itself after the join timeout; a few seconds more cover its shutdown
        : settings.joinTimeout().toMillis() + 5_000;
    try {
      return up.get(waitMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new NotUp();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CannotStart("interrupted while joining the cluster");
    }
  }

  /** Fails with one line when nothing can listen on {@code host:port} (0: any port is fine). */
  private static void checkFree(String setting, String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (why.toLowerCase(Locale.ROOT).contains("in use")) {
        throw new CannotStart(setting + " " + port + ": " + host + ":" + port
            + " is already in use (another member or program); choose another port");
      }
      throw new CannotStart(setting + " " + port + ": cannot listen on " + host + ":" + port + " (" + why
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

  /**
   * While a member starts and joins, Pekko warns of every failed connection attempt; the caller
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
