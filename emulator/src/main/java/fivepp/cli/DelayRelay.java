package fivepp.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay that adds a fixed one-way delay: each accepted connection is connected on to the
 * route's target, and every byte read from either side is written to the other side {@code delay}
 * after the relay read it. Reading goes on while earlier bytes wait, so the delay is not added per
 * write (it does not accumulate) and the bandwidth is kept; order is kept because each direction
 * has one queue and one writer. A direction holds at most {@link #BUDGET} bytes waiting; beyond
 * that it stops reading and TCP slows the sender down.
 *
 * <p>It stands in for a LAN's latency where the kernel offers no {@code netem}: a benchmark puts
 * one relay in front of each cluster member (the member's canonical Artery address is the relay's).
 */
final class DelayRelay implements AutoCloseable {
  /** Bytes one direction of one connection holds while they wait out the delay. */
  static final int BUDGET = 16 << 20;
  private static final int CHUNK = 64 << 10;
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  /** Connections arriving at {@code listen} go on to {@code to}. */
  record Route(InetSocketAddress listen, InetSocketAddress to) {}

  private final long delayNanos;
  private final List<ServerSocket> servers = new ArrayList<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private volatile boolean closed;

  private DelayRelay(long delayNanos) {
    this.delayNanos = delayNanos;
  }

  /**
   * Listens on every route's address and relays what arrives with {@code delayNanos} added.
   *
   * @throws IOException when an address cannot be listened on (then nothing stays open)
   */
  static DelayRelay start(List<Route> routes, long delayNanos) throws IOException {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("the delay must be >= 0, not " + delayNanos + " ns");
    }
    DelayRelay r = new DelayRelay(delayNanos);
    try {
      for (Route route : routes) {
        ServerSocket s = new ServerSocket();
        r.servers.add(s);
        s.setReuseAddress(true);
        s.bind(route.listen());
      }
    } catch (IOException e) {
      r.close();
      throw e;
    }
    for (int i = 0; i < routes.size(); i++) {
      ServerSocket s = r.servers.get(i);
      InetSocketAddress to = routes.get(i).to();
      thread("relay-accept-" + s.getLocalPort(), () -> r.accept(s, to)).start();
    }
    return r;
  }

  /** Where route {@code i} listens (its port is known here when the route asked for port 0). */
  InetSocketAddress listening(int i) {
    return (InetSocketAddress) servers.get(i).getLocalSocketAddress();
  }

  /** Connections accepted so far. */
  int connections() {
    return connections.get();
  }

  /** Bytes written on so far, both directions of every connection. */
  long bytes() {
    return bytes.get();
  }

  private void accept(ServerSocket server, InetSocketAddress to) {
    while (!closed) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      connections.incrementAndGet();
      Socket out = new Socket();
      try {
        in.setTcpNoDelay(true);
        out.setTcpNoDelay(true);
        out.connect(to, CONNECT_TIMEOUT_MS);
      } catch (IOException e) {
        quietClose(in);
        quietClose(out);
        continue;
      }
      sockets.add(in);
      sockets.add(out);
      AtomicInteger open = new AtomicInteger(2);
      Runnable done = () -> {
        if (open.decrementAndGet() == 0) {
          closePair(in, out);
        }
      };
      pipe(in, out, done, "relay-" + in.getPort() + ">" + to.getPort());
      pipe(out, in, done, "relay-" + to.getPort() + ">" + in.getPort());
    }
  }

  /** One direction: a reader that stamps what arrives and a writer that sends it when due. */
  private void pipe(Socket from, Socket to, Runnable done, String name) {
    LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    Semaphore budget = new Semaphore(BUDGET);
    thread(name + "-read", () -> {
      byte[] buf = new byte[CHUNK];
      try {
        InputStream in = from.getInputStream();
        while (true) {
          int n = in.read(buf);
          long due = System.nanoTime() + delayNanos;
          if (n < 0) {
            queue.put(new Chunk(null, due));
            return;
          }
          while (!budget.tryAcquire(n, 100, TimeUnit.MILLISECONDS)) {
            if (from.isClosed()) {
              return;
            }
          }
          byte[] copy = new byte[n];
          System.arraycopy(buf, 0, copy, 0, n);
          queue.put(new Chunk(copy, due));
        }
      } catch (IOException | InterruptedException e) {
        closePair(from, to);
        queue.offer(new Chunk(null, 0)); // the writer stops too
      }
    }).start();
    thread(name + "-write", () -> {
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          Chunk c = queue.take();
          for (long left = c.due() - System.nanoTime(); left > 0; left = c.due() - System.nanoTime()) {
            LockSupport.parkNanos(left);
          }
          if (c.bytes() == null) {
            if (!to.isClosed()) {
              to.shutdownOutput();
            }
            done.run();
            return;
          }
          out.write(c.bytes());
          out.flush();
          bytes.addAndGet(c.bytes().length);
          budget.release(c.bytes().length);
        }
      } catch (IOException | InterruptedException e) {
        closePair(from, to);
      }
    }).start();
  }

  /** Bytes read at one moment, to be written at {@code due} (System.nanoTime); null bytes: end of stream. */
  private record Chunk(byte[] bytes, long due) {}

  private void closePair(Socket a, Socket b) {
    quietClose(a);
    quietClose(b);
    sockets.remove(a);
    sockets.remove(b);
  }

  /** Stops listening and drops every connection. */
  @Override
  public void close() {
    closed = true;
    for (ServerSocket s : servers) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    for (Socket s : sockets) {
      quietClose(s);
    }
    sockets.clear();
  }

  private static void quietClose(Socket s) {
    try {
      s.close();
    } catch (SocketException e) {
      // already closed
    } catch (IOException e) {
      // closing anyway
    }
  }

  private static Thread thread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }
}
