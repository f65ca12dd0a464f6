package fivepp.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fivepp relay}: a TCP relay that adds a one-way delay, for latency benchmarks. */
@Command(name = "relay", mixinStandardHelpOptions = true, hidden = true,
    description = {"Relay TCP connections with a fixed one-way delay (a stand-in for a LAN).",
        "",
        "Each connection to a --listen address is connected on to the --to address given",
        "at the same position; every byte arriving from either side is written to the other",
        "side --delay-ms after it arrived (order and bandwidth kept, the delay does not add",
        "up per write). deploy/cluster-bench.sh puts one in front of each member: the",
        "member's canonical Artery address is the relay, its bind address the real one.",
        "Runs until --max-seconds pass or it is stopped (SIGTERM)."},
    footer = {"", "Example: fivepp relay --listen 10.211.1.1:25520 --to 10.211.1.2:25520 --delay-ms 0.2"})
final class RelayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
      description = "Where to accept connections; repeat for more routes.")
  List<String> listen = new ArrayList<>();

  @Option(names = "--to", required = true, paramLabel = "HOST:PORT",
      description = "Where connections to the --listen at the same position go.")
  List<String> to = new ArrayList<>();

  @Option(names = "--delay-ms", required = true, paramLabel = "D",
      description = "One-way delay in milliseconds added to every byte, in each direction.")
  double delayMs;

  @Option(names = "--max-seconds", defaultValue = "0", paramLabel = "S",
      description = "Stop after this many seconds; 0: run until stopped (default: ${DEFAULT-VALUE}).")
  double maxSeconds;

  @Override
  public Integer call() throws InterruptedException {
    List<DelayRelay.Route> routes = routes();
    if (!(delayMs >= 0) || delayMs > 60_000) {
      throw new UserError("--delay-ms " + delayMs + ": give milliseconds from 0 to 60000");
    }
    if (!(maxSeconds >= 0) || Double.isInfinite(maxSeconds)) {
      throw new UserError("--max-seconds " + maxSeconds + ": give seconds >= 0 (0: until stopped)");
    }
    DelayRelay relay;
    try {
      relay = DelayRelay.start(routes, Math.round(delayMs * 1e6));
    } catch (IOException e) {
      throw new UserError("cannot listen on " + String.join(", ", listen) + ": " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    for (int i = 0; i < routes.size(); i++) {
      out.printf(Locale.ROOT, "relay %s -> %s, delay %s ms%n", hostPort(relay.listening(i)),
          hostPort(routes.get(i).to()), delayMs);
    }
    out.flush();
    // stopped by a signal, the shutdown hook closes the relay and reports; else the time limit does
    Thread hook = new Thread(() -> stop(relay, out), "relay-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    CountDownLatch never = new CountDownLatch(1);
    if (maxSeconds == 0) {
      never.await();
    } else {
      never.await(Math.round(maxSeconds * 1000), TimeUnit.MILLISECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      return 0; // shutting down already: the hook reports
    }
    stop(relay, out);
    return 0;
  }

  private static void stop(DelayRelay relay, PrintWriter out) {
    relay.close();
    out.printf(Locale.ROOT, "relay stopped: %d connections, %d bytes relayed%n", relay.connections(), relay.bytes());
    out.flush();
  }

  /** The routes from the options, checked. */
  List<DelayRelay.Route> routes() {
    if (listen.size() != to.size()) {
      throw new UserError("give one --to for each --listen (" + listen.size() + " --listen, " + to.size() + " --to)");
    }
    List<DelayRelay.Route> r = new ArrayList<>();
    for (int i = 0; i < listen.size(); i++) {
      r.add(new DelayRelay.Route(address("--listen", listen.get(i), 0), address("--to", to.get(i), 1)));
    }
    return r;
  }

  /** HOST:PORT as an address (resolved), with the port at least {@code minPort}. */
  static InetSocketAddress address(String option, String hostPort, int minPort) {
    String s = hostPort.trim();
    int colon = s.lastIndexOf(':');
    String host = colon < 0 ? "" : s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (host.isEmpty() || port < minPort || port > 65535) {
      throw new UserError(option + " '" + hostPort + "': give HOST:PORT with a port from " + minPort + " to 65535");
    }
    InetSocketAddress a = new InetSocketAddress(host, port);
    if (a.isUnresolved()) {
      throw new UserError(option + " '" + hostPort + "': unknown host " + host);
    }
    return a;
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }
}
