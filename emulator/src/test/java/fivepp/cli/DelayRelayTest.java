package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code fivepp relay}: bytes arrive whole, in order, and never before the delay has passed. */
class DelayRelayTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /** What a sink read: the stream's bytes and, per read, when it returned and the offset it reached. */
  private record Received(byte[] bytes, List<long[]> reads) {
    /** When the byte at {@code offset} arrived (System.nanoTime). */
    long arrivalOf(int offset) {
      for (long[] r : reads) {
        if (r[1] > offset) {
          return r[0];
        }
      }
      throw new AssertionError("byte " + offset + " never arrived");
    }
  }

  /** Accepts one connection and reads it to its end, noting when each read returned. */
  private static CompletableFuture<Received> sink(ServerSocket server) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<long[]> reads = new ArrayList<>();
        byte[] buf = new byte[8192];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          long now = System.nanoTime();
          all.write(buf, 0, n);
          reads.add(new long[] {now, all.size()});
        }
        return new Received(all.toByteArray(), reads);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static DelayRelay relayTo(ServerSocket target, long delayMs) throws Exception {
    return DelayRelay.start(List.of(new DelayRelay.Route(new InetSocketAddress(LOOPBACK, 0),
        (InetSocketAddress) target.getLocalSocketAddress())), TimeUnit.MILLISECONDS.toNanos(delayMs));
  }

  @Test
  void everyChunkArrivesWholeInOrderAndNoEarlierThanTheDelayAfterItWasSent() throws Exception {
    long delayMs = 100;
    // sizes below, at and above the relay's read buffer, and single bytes
    int[] sizes = {1, 1000, 65536, 70000, 5, 1, 300_000, 17, 4096, 2};
    Random random = new Random(7);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    long[] sentAt = new long[sizes.length];
    int[] offset = new int[sizes.length];
    try (ServerSocket target = new ServerSocket(0, 1, LOOPBACK); DelayRelay relay = relayTo(target, delayMs)) {
      CompletableFuture<Received> got = sink(target);
      try (Socket client = new Socket(LOOPBACK, relay.listening(0).getPort())) {
        client.setTcpNoDelay(true);
        OutputStream out = client.getOutputStream();
        for (int i = 0; i < sizes.length; i++) {
          byte[] chunk = new byte[sizes[i]];
          random.nextBytes(chunk);
          offset[i] = sent.size();
          sent.write(chunk);
          sentAt[i] = System.nanoTime();
          out.write(chunk);
          out.flush();
        }
        client.shutdownOutput();
        Received r = got.get(30, TimeUnit.SECONDS);

        assertThat(r.bytes()).as("the bytes, in order").isEqualTo(sent.toByteArray());
        for (int i = 0; i < sizes.length; i++) {
          long waitedNs = r.arrivalOf(offset[i]) - sentAt[i];
          assertThat(waitedNs).as("chunk %d (%d bytes) waited %.3f ms", i, sizes[i], waitedNs / 1e6)
              .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(delayMs));
        }
        // the delay is added once per byte, not once per write: ten chunks sent back to back all
        // arrive long before ten delays have passed (10 x 100 ms; they take about 100 ms)
        long lastNs = r.arrivalOf(sent.size() - 1) - sentAt[0];
        assertThat(lastNs).as("the last byte after %.1f ms", lastNs / 1e6)
            .isLessThan(TimeUnit.MILLISECONDS.toNanos(delayMs * sizes.length));
        assertThat(relay.connections()).isEqualTo(1);
        assertThat(relay.bytes()).isEqualTo(sent.size());
      }
    }
  }

  @Test
  void theAnswerComesBackDelayedTooAndTheEndOfTheStreamIsPassedOn() throws Exception {
    long delayMs = 30;
    try (ServerSocket target = new ServerSocket(0, 1, LOOPBACK); DelayRelay relay = relayTo(target, delayMs)) {
      CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
        try (Socket s = target.accept()) {
          s.getInputStream().transferTo(s.getOutputStream());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      try (Socket client = new Socket(LOOPBACK, relay.listening(0).getPort())) {
        byte[] ping = "ping over a slow LAN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long t0 = System.nanoTime();
        client.getOutputStream().write(ping);
        client.shutdownOutput();
        byte[] back = client.getInputStream().readAllBytes(); // ends when the echo's end comes back
        long roundTripNs = System.nanoTime() - t0;
        assertThat(back).isEqualTo(ping);
        assertThat(roundTripNs).as("round trip %.3f ms", roundTripNs / 1e6)
            .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2 * delayMs));
        echo.get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void theCommandRelaysUntilItsTimeIsUpAndRejectsBadInputInOneLine() throws Exception {
    try (ServerSocket target = new ServerSocket(0, 1, LOOPBACK)) {
      String to = "127.0.0.1:" + target.getLocalPort();
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int status = Main.run(new PrintWriter(out), new PrintWriter(err),
          "relay", "--listen", "127.0.0.1:0", "--to", to, "--delay-ms", "0.2", "--max-seconds", "0.1");
      assertThat(status).as(err.toString()).isZero();
      assertThat(out.toString()).matches("relay 127\\.0\\.0\\.1:\\d+ -> " + to.replace(".", "\\.")
          + ", delay 0\\.2 ms\\Rrelay stopped: 0 connections, 0 bytes relayed\\R");
    }
    String[][] bad = {
        {"--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--delay-ms", "-1"},
        {"--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--delay-ms", "1"},
        {"--listen", "127.0.0.1", "--to", "127.0.0.1:1", "--delay-ms", "1"},
        {"--listen", "127.0.0.1:0", "--to", "127.0.0.1:0", "--delay-ms", "1"},
        {"--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--delay-ms", "1", "--max-seconds", "-2"},
        {"--listen", "127.0.0.1:0", "--to", "127.0.0.1:1"},
    };
    for (String[] args : bad) {
      StringWriter err = new StringWriter();
      String[] full = new String[args.length + 1];
      full[0] = "relay";
      System.arraycopy(args, 0, full, 1, args.length);
      int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), full);
      assertThat(status).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString()).as(String.join(" ", args)).startsWith("fivepp: ").hasLineCount(1);
    }
  }
}
