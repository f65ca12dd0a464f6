package fivepp.cluster;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a member's (or coordinator's) cluster port may speak plain TCP: secure by default.
 *
 * <p>Artery is <em>secure</em> when its transport is {@code tls-tcp} with mutual authentication
 * (Pekko's {@code ConfigSSLEngineProvider} with {@code require-mutual-authentication = on}, its
 * default, or another SSL engine provider, such as the rotating-keys one, which always asks for
 * the peer's certificate). Otherwise ({@code tcp}, {@code aeron-udp}, or TLS that lets any client
 * in) anyone who reaches the port can join the cluster, and Pekko 1.7.0's plaintext framing does
 * not bound a frame's length: one 110-byte message makes a member log and grow without bound.
 * Such a member may listen and advertise on loopback only, unless the user accepts the risk with
 * {@code --insecure-transport}.
 *
 * <p>Loopback is judged from the address as written, without DNS: {@code 127.0.0.0/8},
 * {@code ::1} and {@code localhost}. Any other name (a host name, {@code 0.0.0.0}, a public
 * address, Pekko's {@code <getHostAddress>}) counts as reachable from elsewhere.
 */
public final class TransportSecurity {
  /** The transport that speaks TLS. */
  public static final String TLS = "tls-tcp";
  static final String ARTERY = "pekko.remote.artery.";
  static final String CONFIG_ENGINE = "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider";
  static final String MUTUAL = ARTERY + "ssl.config-ssl-engine.require-mutual-authentication";

  private TransportSecurity() {}

  /**
   * What this config exposes.
   *
   * @param transport Artery's transport ({@code tcp}, {@code tls-tcp}, {@code aeron-udp})
   * @param secure whether it is TLS with mutual authentication
   * @param why when not secure, what is missing, in a few words
   * @param exposed the addresses it binds or advertises that are not loopback, in that order
   *     (canonical first), without repeats
   */
  public record Verdict(String transport, boolean secure, String why, List<String> exposed) {
    /** Whether the cluster port speaks without TLS (or without mutual authentication) beyond loopback. */
    public boolean exposedInsecurely() {
      return !secure && !exposed.isEmpty();
    }
  }

  /** The verdict on a resolved member config (as {@link MemberHocon#of} gives it). */
  public static Verdict of(Config c) {
    String transport = c.getString(ARTERY + "transport").trim().toLowerCase(Locale.ROOT);
    boolean secure;
    String why;
    if (!transport.equals(TLS)) {
      secure = false;
      why = "plain " + transport.toUpperCase(Locale.ROOT);
    } else if (c.getString(ARTERY + "ssl.ssl-engine-provider").trim().equals(CONFIG_ENGINE) && !c.getBoolean(MUTUAL)) {
      secure = false;
      why = "TLS without mutual authentication (" + MUTUAL + " = off)";
    } else {
      secure = true;
      why = "";
    }
    String canonical = c.getString(ARTERY + "canonical.hostname");
    String bind = c.getString(ARTERY + "bind.hostname");
    Set<String> exposed = new LinkedHashSet<>();
    for (String h : List.of(canonical, bind.isBlank() ? canonical : bind)) {
      if (!isLoopback(h)) {
        exposed.add(h.trim());
      }
    }
    return new Verdict(transport, secure, why, List.copyOf(new ArrayList<>(exposed)));
  }

  /**
   * Checks a member's config before it starts.
   *
   * @param insecureAllowed whether the user gave {@code --insecure-transport}
   * @return the one warning line to print (without a prefix), or null when there is nothing to say
   * @throws IllegalArgumentException with one line when the member must not start
   */
  public static String check(Config c, boolean insecureAllowed) {
    Verdict v = of(c);
    if (!v.exposedInsecurely()) {
      return null;
    }
    String where = String.join(" and ", v.exposed());
    if (!insecureAllowed) {
      throw new IllegalArgumentException("the cluster port on " + where + " would speak " + v.why()
          + ", which anyone who reaches it can use to join or to flood this JVM; give a TLS --config"
          + " (deploy/tls/member-tls.conf, keys from deploy/tls/make-keys.sh), listen on 127.0.0.1 only,"
          + " or accept the risk with --insecure-transport");
    }
    return "warning: --insecure-transport: the cluster port on " + where + " speaks " + v.why()
        + "; anyone who reaches it can join the cluster or flood this JVM (see docs/cluster.md, TLS)";
  }

  /** Whether {@code host}, as written, is a loopback address (no DNS is asked). */
  public static boolean isLoopback(String host) {
    String h = host == null ? "" : host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost") || h.equals("localhost.")) {
      return true;
    }
    if (h.matches("127(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}")) {
      return true;
    }
    // ::1 in any spelling; InetAddress parses a literal with a colon as IPv6 and asks no DNS
    if (!h.contains(":") || !h.matches("[0-9a-f:.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
