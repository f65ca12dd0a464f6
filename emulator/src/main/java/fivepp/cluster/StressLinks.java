package fivepp.cluster;

import com.typesafe.config.Config;
import fivepp.proto.stress.RegionId;
import fivepp.proto.stress.Step;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The links between the regions of one stress run on different members: one TCP connection per
 * pair of regions, over which each window's hand-overs travel as one length-delimited protobuf
 * {@code Step}. A region's own thread writes its steps to the socket and reads the others' from it:
 * no actor, mailbox or transport thread stands between two regions, so a window's exchange costs
 * two system calls rather than a chain of thread hand-offs (each of which, on a member with one
 * processor, waits for the region's thread to give the processor up). The lockstep of windows is
 * the flow control: a region reads one step from every other region per window, in order.
 *
 * <p>Secure like the cluster port: when Artery speaks TLS ({@code tls-tcp} with Pekko's {@code
 * ConfigSSLEngineProvider}), the links speak TLS with the same key store, trust store, protocol,
 * cipher suites and mutual authentication; otherwise (the user opted out of TLS, or the members
 * listen on loopback) plain TCP. The links listen on the address Artery binds to. A connecting
 * region first says which run, epoch and region it is; anything else is refused.
 */
final class StressLinks implements AutoCloseable {
  private static final String ENGINE = "pekko.remote.artery.ssl.config-ssl-engine.";

  private final ServerSocket server;
  private final String advertised;
  private final SSLContext tls;
  private final boolean verifyHost;
  private final String[] protocols;
  private final String[] suites;
  private final Socket[] sockets;
  private final InputStream[] in;
  private final OutputStream[] out;

  private StressLinks(ServerSocket server, String advertised, SSLContext tls, boolean verifyHost,
      String[] protocols, String[] suites, int regions) {
    this.server = server;
    this.advertised = advertised;
    this.tls = tls;
    this.verifyHost = verifyHost;
    this.protocols = protocols;
    this.suites = suites;
    this.sockets = new Socket[regions];
    this.in = new InputStream[regions];
    this.out = new OutputStream[regions];
  }

  /**
   * Listens for the other regions of a run of {@code regions} regions, on the address a member with
   * config {@code c} binds Artery to, advertised as {@code host} (Artery's canonical host).
   *
   * @throws IOException when the port cannot be opened or the TLS keys cannot be read
   * @throws IllegalArgumentException when Artery speaks TLS through another SSL engine provider
   */
  static StressLinks listen(Config c, String host, int regions) throws IOException {
    String transport = c.getString(TransportSecurity.ARTERY + "transport").trim().toLowerCase(Locale.ROOT);
    SSLContext tls = null;
    boolean mutual = false;
    boolean verifyHost = false;
    String[] protocols = null;
    String[] suites = null;
    if (transport.equals(TransportSecurity.TLS)) {
      String provider = c.getString(TransportSecurity.ARTERY + "ssl.ssl-engine-provider").trim();
      if (!provider.equals(TransportSecurity.CONFIG_ENGINE)) {
        throw new IllegalArgumentException("stress runs across members speak TLS with the key stores of "
            + TransportSecurity.CONFIG_ENGINE + " only, and this member's Artery uses " + provider);
      }
      tls = context(c);
      mutual = c.getBoolean(TransportSecurity.MUTUAL);
      verifyHost = c.getBoolean(ENGINE + "hostname-verification");
      protocols = new String[] {c.getString(ENGINE + "protocol")};
      suites = c.getStringList(ENGINE + "enabled-algorithms").toArray(String[]::new);
    }
    String bind = c.getString(TransportSecurity.ARTERY + "bind.hostname").trim();
    InetAddress at = InetAddress.getByName(bind.isEmpty() ? host : bind);
    ServerSocket s = tls == null ? new ServerSocket() : tls.getServerSocketFactory().createServerSocket();
    try {
      s.bind(new InetSocketAddress(at, 0), regions);
      if (s instanceof SSLServerSocket ss) {
        ss.setEnabledProtocols(protocols);
        ss.setEnabledCipherSuites(suites);
        ss.setNeedClientAuth(mutual);
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return new StressLinks(s, host + ":" + s.getLocalPort(), tls, verifyHost, protocols, suites, regions);
  }

  /** Where the other regions reach this one: host and port. */
  String address() {
    return advertised;
  }

  /**
   * Connects region {@code me} to every other region of run {@code run}, epoch {@code epoch}, at
   * {@code addresses} (by region): it connects to the regions before it and takes the connections
   * of those after it, waiting at most {@code patienceMillis} for each.
   */
  void connect(long run, int epoch, int me, List<String> addresses, int patienceMillis) throws IOException {
    for (int r = 0; r < me; r++) {
      String a = addresses.get(r);
      int colon = a.lastIndexOf(':');
      String host = a.substring(0, colon);
      Socket s = tls == null ? new Socket() : tls.getSocketFactory().createSocket();
      sockets[r] = s;
      if (s instanceof SSLSocket ss) {
        SSLParameters p = ss.getSSLParameters();
        p.setProtocols(protocols);
        p.setCipherSuites(suites);
        if (verifyHost) {
          p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        ss.setSSLParameters(p);
      }
      s.connect(new InetSocketAddress(host, Integer.parseInt(a.substring(colon + 1))), patienceMillis);
      open(r, s);
      RegionId.newBuilder().setRun(run).setEpoch(epoch).setRegion(me).build().writeDelimitedTo(out[r]);
      out[r].flush();
    }
    server.setSoTimeout(patienceMillis);
    for (int n = me + 1; n < sockets.length; n++) {
      Socket s;
      try {
        s = server.accept();
      } catch (SocketTimeoutException e) {
        throw new IOException("no link from " + (sockets.length - n) + " region(s) within " + patienceMillis + " ms");
      }
      InputStream i;
      RegionId who;
      try {
        s.setSoTimeout(patienceMillis);
        i = new BufferedInputStream(s.getInputStream(), 1 << 16);
        who = RegionId.parseDelimitedFrom(i); // over TLS, the handshake: an untrusted peer fails here
      } catch (IOException e) {
        s.close();
        n--;
        continue;
      }
      if (who == null || who.getRun() != run || who.getEpoch() != epoch || who.getRegion() <= me
          || who.getRegion() >= sockets.length || sockets[who.getRegion()] != null) {
        s.close();
        n--; // not a region of this run: refused, and the next connection is awaited
        continue;
      }
      s.setSoTimeout(0);
      sockets[who.getRegion()] = s;
      open(who.getRegion(), s);
      in[who.getRegion()] = i;
    }
  }

  private void open(int r, Socket s) throws IOException {
    s.setTcpNoDelay(true);
    if (in[r] == null) {
      in[r] = new BufferedInputStream(s.getInputStream(), 1 << 16);
    }
    out[r] = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
  }

  /** Sends {@code step} to region {@code to}. */
  void send(int to, Step step) throws IOException {
    step.writeDelimitedTo(out[to]);
    out[to].flush();
  }

  /**
   * The next step region {@code from} sent.
   *
   * @throws EOFException when that region's link closed
   */
  Step receive(int from) throws IOException {
    Step s = Step.parseDelimitedFrom(in[from]);
    if (s == null) {
      throw new EOFException("the link from region " + from + " closed");
    }
    return s;
  }

  /** Closes every link and the listening port; a thread blocked on one of them gets an exception. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : sockets) {
      if (s != null) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
  }

  /** The TLS context of Artery's {@code config-ssl-engine}: its key store, trust store and protocol. */
  private static SSLContext context(Config c) throws IOException {
    try {
      KeyStore keys = KeyStore.getInstance(Path.of(c.getString(ENGINE + "key-store")).toFile(),
          c.getString(ENGINE + "key-store-password").toCharArray());
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, c.getString(ENGINE + "key-password").toCharArray());
      KeyStore trust = KeyStore.getInstance(Path.of(c.getString(ENGINE + "trust-store")).toFile(),
          c.getString(ENGINE + "trust-store-password").toCharArray());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance(c.getString(ENGINE + "protocol"));
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new java.security.SecureRandom());
      return ctx;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot read the TLS keys of " + ENGINE + ": " + e.getMessage(), e);
    }
  }
}
