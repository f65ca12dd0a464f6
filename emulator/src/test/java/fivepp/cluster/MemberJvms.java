package fivepp.cluster;

import fivepp.cli.Main;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Cluster members for tests: {@code fivepp node} JVMs on 127.0.0.1, each on a free port, the first
 * one the seed, with every line they print written to {@code target/members/member-PORT.log}.
 */
final class MemberJvms implements AutoCloseable {
  final List<Process> processes = new ArrayList<>();
  /** {@code fivepp@127.0.0.1:PORT} of each member. */
  final List<String> addresses = new ArrayList<>();
  private final CountDownLatch up;

  /**
   * Starts {@code n} members of {@code capacity} vertices; {@code extra} gives member i's further
   * arguments.
   */
  MemberJvms(int n, int capacity, IntFunction<List<String>> extra) throws java.io.IOException {
    up = new CountDownLatch(n);
    int[] ports = freePorts(n);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int i = 0; i < n; i++) {
      List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx1g",
          "-Dpekko.actor.serialize-messages=on", "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "node", "--port", Integer.toString(ports[i]),
          "--seed", "127.0.0.1:" + ports[0], "--capacity", Integer.toString(capacity)));
      cmd.addAll(extra.apply(i));
      Path log = Path.of("target", "members", "member-" + ports[i] + ".log");
      Files.createDirectories(log.getParent());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      processes.add(p);
      addresses.add("fivepp@127.0.0.1:" + ports[i]);
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter w = new PrintWriter(Files.newBufferedWriter(log), true)) {
          for (String line; (line = r.readLine()) != null; ) {
            w.println(line);
            if (line.contains(" up, capacity")) {
              up.countDown();
            }
          }
        } catch (java.io.IOException e) {
          // the member is gone
        }
      });
      t.setDaemon(true);
      t.start();
    }
  }

  /** {@code n} ports free at this moment. */
  static int[] freePorts(int n) throws java.io.IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }

  /** Waits until every member said it is up. */
  boolean awaitUp(long seconds) throws InterruptedException {
    return up.await(seconds, TimeUnit.SECONDS);
  }

  /** HOST:PORT of the seed (member 0). */
  String seed() {
    return addresses.get(0).substring("fivepp@".length());
  }

  @Override
  public void close() {
    processes.forEach(Process::destroyForcibly);
  }
}
