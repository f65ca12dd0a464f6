package fivepp.stress;

import fivepp.fabric.Fabric;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The faults of one stress run, all present from cycle 0: failed links (both channels of the link
 * are gone), failed nodes (the router and its core are gone, with every link they touch), a
 * per-hop drop rate (a packet crossing a link is corrupted with this probability and discarded by
 * the next router) and extra delay on chosen links (both directions).
 *
 * @param failedLinks links that carry nothing
 * @param failedNodes nodes that neither send, receive nor forward
 * @param dropRate probability that a packet is corrupted on one link crossing, in [0, 1)
 * @param linkDelays extra cycles per hop on the given links
 */
public record Faults(List<Link> failedLinks, List<Integer> failedNodes, double dropRate, List<LinkDelay> linkDelays) {

  /** No faults. */
  public static final Faults NONE = new Faults(List.of(), List.of(), 0, List.of());

  /** An undirected link between fabric vertices a and b. */
  public record Link(int a, int b) {
    @Override
    public String toString() {
      return a + "-" + b;
    }
  }

  /** A link whose channels take {@code cycles} more cycles per hop. */
  public record LinkDelay(int a, int b, int cycles) {}

  public Faults {
    failedLinks = List.copyOf(failedLinks);
    failedNodes = List.copyOf(failedNodes);
    linkDelays = List.copyOf(linkDelays);
    if (!(dropRate >= 0 && dropRate < 1)) {
      throw new IllegalArgumentException("--drop-rate " + dropRate + ": give a probability in [0, 1)");
    }
  }

  /** True when nothing fails, drops or slows down. */
  public boolean none() {
    return failedLinks.isEmpty() && failedNodes.isEmpty() && dropRate == 0 && linkDelays.isEmpty();
  }

  /**
   * Parses the command-line forms ({@code A-B}, {@code N}, {@code A-B:CYCLES}) and checks them
   * against the fabric: every link must exist, every node must be a vertex.
   *
   * @throws IllegalArgumentException with one line naming the bad value
   */
  public static Faults parse(Fabric fabric, List<String> links, List<String> nodes, double dropRate,
      List<String> delays) {
    List<Link> failed = new ArrayList<>();
    for (String s : links) {
      failed.add(link(fabric, s, "--fail-link"));
    }
    List<Integer> dead = new ArrayList<>();
    for (String s : nodes) {
      dead.add(node(fabric, s.strip(), "--fail-node " + s));
    }
    List<LinkDelay> slow = new ArrayList<>();
    for (String s : delays) {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("--link-delay '" + s + "': give A-B:CYCLES, e.g. 3-4:10");
      }
      Link l = link(fabric, s.substring(0, colon), "--link-delay");
      int cycles;
      try {
        cycles = Integer.parseInt(s.substring(colon + 1).strip());
      } catch (NumberFormatException e) {
        cycles = -1;
      }
      if (cycles < 0) {
        throw new IllegalArgumentException("--link-delay '" + s + "': CYCLES must be a whole number >= 0");
      }
      slow.add(new LinkDelay(l.a(), l.b(), cycles));
    }
    return new Faults(failed, dead, dropRate, slow);
  }

  private static Link link(Fabric fabric, String s, String option) {
    String[] parts = s.strip().split("-", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException(option + " '" + s + "': give a link as A-B, e.g. 3-4");
    }
    int a = node(fabric, parts[0].strip(), option + " " + s);
    int b = node(fabric, parts[1].strip(), option + " " + s);
    if (a == b || !fabric.adjacent(a, b)) {
      throw new IllegalArgumentException(option + " " + s + ": " + fabric.describe() + " has no link "
          + a + "-" + b);
    }
    return new Link(Math.min(a, b), Math.max(a, b));
  }

  private static int node(Fabric fabric, String s, String what) {
    try {
      int v = Integer.parseInt(s);
      if (v >= 0 && v < fabric.nodes()) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(what + ": '" + s + "' is not a node of " + fabric.describe()
        + " (0.." + (fabric.nodes() - 1) + ")");
  }

  /** One line for reports. */
  public String describe() {
    if (none()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    if (!failedLinks.isEmpty()) {
      parts.add("failed links " + failedLinks);
    }
    if (!failedNodes.isEmpty()) {
      parts.add("failed nodes " + failedNodes);
    }
    if (dropRate > 0) {
      parts.add("drop rate " + dropRate + " per hop");
    }
    for (LinkDelay d : linkDelays) {
      parts.add("link " + d.a() + "-" + d.b() + " +" + d.cycles() + " cycles");
    }
    return String.join("; ", parts);
  }
}
