package fivepp.cli;

import fivepp.fabric.Fabric;
import fivepp.mapping.Core;
import fivepp.mapping.Flow;
import fivepp.mapping.Mapping;
import fivepp.mapping.Verifier;
import fivepp.model.Layer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SVG picture of a placement: the fabric's vertices, the cores on them coloured by layer,
 * and every flow from its source core to its destination (paper.md B4 for the prism).
 *
 * <p>kPP is drawn as a prism lying on its side: the height axis runs left to right and the k
 * lateral lines are the projection of a regular k-gon seen slightly from the side. Mesh and
 * torus are grids (vertex r*C + c at row r, column c); any other fabric is a circle.
 *
 * <p>Marks a test or script can find: every core is a {@code <circle class="core"
 * data-core="ID" data-vertex="V">}, every flow a {@code <path class="flow">} whose
 * {@code data-single-hop} says whether the verifier found its ends adjacent.
 */
final class PlacementSvg {
  private PlacementSvg() {}

  private static final Pattern KPP = Pattern.compile("(?:(5)pp|kpp:(\\d+))");
  private static final Pattern GRID = Pattern.compile("(?:mesh|torus):(\\d+)x(\\d+)");
  private static final double MARGIN = 30, CORE_R = 6, STEP = 40, LINE = 16;
  private static final int MAX_LAYERS = 40;
  private static final String BROKEN = "#d62728";

  /** Flow colours by kind; red is kept for flows that are not single-hop. */
  private static String colour(Flow.Kind k) {
    return switch (k) {
      case ACTIVATION -> "#1f77b4";
      case PARTIAL_SUM -> "#ff7f0e";
      case RESIDUAL -> "#2ca02c";
      case FORWARD -> "#9467bd";
      case GATE -> "#8c564b";
    };
  }

  /** The SVG document (UTF-8 text) picturing mapping m. */
  static String render(Mapping m) {
    Fabric fab = m.fabric();
    double[][] xy = layout(fab);
    double[] x = xy[0], y = xy[1];
    int n = fab.nodes();
    double minX = 0, maxX = 0, minY = 0, maxY = 0;
    for (int v = 0; v < n; v++) {
      minX = v == 0 ? x[v] : Math.min(minX, x[v]);
      maxX = v == 0 ? x[v] : Math.max(maxX, x[v]);
      minY = v == 0 ? y[v] : Math.min(minY, y[v]);
      maxY = v == 0 ? y[v] : Math.max(maxY, y[v]);
    }
    // Shift the drawing below the two title lines, leaving room for curved flows.
    double dx = MARGIN + STEP / 2 - minX, dy = MARGIN + 2 * LINE + STEP / 2 - minY;
    for (int v = 0; v < n; v++) {
      x[v] += dx;
      y[v] += dy;
    }
    double drawingW = maxX - minX + 2 * MARGIN + STEP, legendTop = maxY + dy + STEP / 2 + MARGIN;

    List<Layer> layers = m.graph().network().layers();
    StringBuilder legend = new StringBuilder();
    double legendW = legend(legend, layers, legendTop);
    int layerRows = Math.min(10, layers.size()) + (layers.size() > MAX_LAYERS ? 1 : 0);
    double height = legendTop + LINE * (1 + layerRows) + MARGIN;

    String[] title = title(m);
    double width = Math.max(Math.max(drawingW, legendW + 2 * MARGIN),
        Math.max(title[0].length() * 8.6, title[1].length() * 7.2) + 2 * MARGIN);

    StringBuilder s = new StringBuilder();
    s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(num(width))
        .append("\" height=\"").append(num(height)).append("\" viewBox=\"0 0 ").append(num(width))
        .append(' ').append(num(height)).append("\" font-family=\"sans-serif\" font-size=\"12\">\n")
        .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append("<text class=\"title\" x=\"").append(num(MARGIN)).append("\" y=\"")
        .append(num(MARGIN)).append("\" font-size=\"14\" font-weight=\"bold\">")
        .append(esc(title[0])).append("</text>\n");
    s.append("<text x=\"").append(num(MARGIN)).append("\" y=\"").append(num(MARGIN + LINE + 2))
        .append("\" fill=\"#555\">").append(esc(title[1])).append("</text>\n");

    s.append("<g class=\"fabric\" stroke=\"#ccc\" stroke-width=\"1\" fill=\"none\">\n");
    skeleton(s, fab, x, y);
    s.append("</g>\n");

    Set<Flow> broken = new HashSet<>();
    for (Verifier.Broken b : m.verdict().notSingleHop()) {
      broken.add(b.flow());
    }
    List<Core> cores = m.graph().cores();
    s.append("<g class=\"flows\" fill=\"none\" stroke-linecap=\"round\">\n");
    for (Flow f : m.graph().flows()) {
      flow(s, f, cores, m, x, y, broken.contains(f));
    }
    s.append("</g>\n");

    boolean[] occupied = new boolean[n];
    s.append("<g class=\"cores\" stroke=\"#333\" stroke-width=\"0.8\">\n");
    for (Core c : cores) {
      int v = m.placement().vertex(c.id());
      occupied[v] = true;
      s.append("<circle class=\"core\" data-core=\"").append(c.id()).append("\" data-vertex=\"")
          .append(v).append("\" cx=\"").append(num(x[v])).append("\" cy=\"").append(num(y[v]))
          .append("\" r=\"").append(num(CORE_R)).append("\" fill=\"")
          .append(layerColour(c.layerIndex())).append("\"><title>")
          .append(esc("core " + c.id() + ": layer " + c.layer() + " (row tile " + c.rowTile()
              + ", col group " + c.colGroup() + ") @ vertex " + v))
          .append("</title></circle>\n");
    }
    s.append("</g>\n<g class=\"free\" fill=\"#bbb\">\n");
    for (int v = 0; v < n; v++) {
      if (!occupied[v]) {
        s.append("<circle cx=\"").append(num(x[v])).append("\" cy=\"").append(num(y[v]))
            .append("\" r=\"2\"><title>vertex ").append(v).append(" (free)</title></circle>\n");
      }
    }
    s.append("</g>\n").append(legend).append("</svg>\n");
    return s.toString();
  }

  /**
   * Writes render(m) to file atomically (temp file in the same directory, then move), so a
   * failure leaves no half-written file.
   */
  static void write(Mapping m, Path file) throws IOException {
    String svg = render(m);
    Path target = file.toAbsolutePath();
    // Not Files.createTempFile: its owner-only permissions would carry over to the picture.
    Path tmp = target.resolveSibling("." + target.getFileName() + "." + System.nanoTime() + ".tmp");
    try {
      Files.writeString(tmp, svg, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // ---- geometry -----------------------------------------------------------------------------

  /** k of a kPP spec, or 0 for any other fabric. */
  private static int prismK(String spec) {
    Matcher k = KPP.matcher(spec);
    return !k.matches() ? 0 : k.group(1) != null ? 5 : Math.max(1, Integer.parseInt(k.group(2)));
  }

  /** Columns of a mesh or torus spec, or 0 for any other fabric. */
  private static int gridCols(String spec) {
    Matcher g = GRID.matcher(spec);
    return g.matches() ? Math.max(1, Integer.parseInt(g.group(2))) : 0;
  }

  /** Angle of lateral line j of a k-gon, chosen so no two lines project to the same height. */
  private static double theta(int j, int k) {
    return Math.PI / 2 + Math.PI / (2 * k) + 2 * Math.PI * j / k;
  }

  private static double prismR(int k) {
    return Math.max(60, 9.0 * k);
  }

  /** Positions {x[], y[]} of every fabric vertex, in raw units (shifted into the page later). */
  private static double[][] layout(Fabric fab) {
    int n = fab.nodes();
    double[] x = new double[n], y = new double[n];
    String spec = fab.spec().trim().toLowerCase(Locale.ROOT);
    int k = prismK(spec), cols = gridCols(spec);
    double r = k > 0 ? prismR(k) : Math.max(80, n * 3 * CORE_R / (2 * Math.PI));
    for (int v = 0; v < n; v++) {
      if (k > 0) {
        double t = theta(v % k, k);
        x[v] = (v / k) * STEP + 0.3 * r * Math.cos(t);
        y[v] = r * Math.sin(t);
      } else if (cols > 0) {
        x[v] = (v % cols) * STEP;
        y[v] = (v / cols) * STEP;
      } else {
        double t = -Math.PI / 2 + 2 * Math.PI * v / n;
        x[v] = r * Math.cos(t);
        y[v] = r * Math.sin(t);
      }
    }
    return new double[][] {x, y};
  }

  /** Faint lines: the prism's lateral lines and rungs, the grid, or the links of other fabrics. */
  private static void skeleton(StringBuilder s, Fabric fab, double[] x, double[] y) {
    int n = fab.nodes();
    String spec = fab.spec().trim().toLowerCase(Locale.ROOT);
    int k = prismK(spec), cols = gridCols(spec);
    if (k > 0) {
      for (int j = 0; j < Math.min(k, n); j++) {
        int last = j + (n - 1 - j) / k * k;
        line(s, x[j], y[j], x[last], y[last]);
      }
      for (int h = 0; h * k < n && k > 1; h++) {
        StringBuilder pts = new StringBuilder();
        for (int v = h * k; v < Math.min(n, h * k + k); v++) {
          pts.append(num(x[v])).append(',').append(num(y[v])).append(' ');
        }
        s.append(h * k + k <= n ? "<polygon" : "<polyline").append(" stroke=\"#e4e4e4\" points=\"")
            .append(pts.toString().trim()).append("\"/>\n");
      }
    } else if (cols > 0) {
      for (int v = 0; v < n; v++) {
        if (v % cols + 1 < cols && v + 1 < n) {
          line(s, x[v], y[v], x[v + 1], y[v + 1]);
        }
        if (v + cols < n) {
          line(s, x[v], y[v], x[v + cols], y[v + cols]);
        }
      }
    } else if (fab.links() <= 4000) {
      s.append("<g stroke=\"#e8e8e8\">\n");
      for (int a = 0; a < n; a++) {
        for (int b : fab.neighbors(a)) {
          if (a < b) {
            line(s, x[a], y[a], x[b], y[b]);
          }
        }
      }
      s.append("</g>\n");
    }
  }

  private static void line(StringBuilder s, double x1, double y1, double x2, double y2) {
    s.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"")
        .append(num(x2)).append("\" y2=\"").append(num(y2)).append("\"/>\n");
  }

  /** One flow as a slight quadratic curve, bending to the left of its direction of travel. */
  private static void flow(StringBuilder s, Flow f, List<Core> cores, Mapping m, double[] x,
      double[] y, boolean broken) {
    int a = m.placement().vertex(f.from()), b = m.placement().vertex(f.to());
    double len = Math.hypot(x[b] - x[a], y[b] - y[a]);
    double bend = 0.12 * len + 4;
    double nx = len == 0 ? 0 : (y[b] - y[a]) / len, ny = len == 0 ? 0 : -(x[b] - x[a]) / len;
    double cx = (x[a] + x[b]) / 2 + bend * nx, cy = (y[a] + y[b]) / 2 + bend * ny;
    double width = 0.5 + 0.25 * (Math.log1p(f.bytesPerImage() / 256.0) / Math.log(2));
    String kind = f.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    s.append("<path class=\"flow\" data-kind=\"").append(kind.replace(' ', '-'))
        .append("\" data-from=\"").append(f.from()).append("\" data-to=\"").append(f.to())
        .append("\" data-single-hop=\"").append(!broken).append("\" d=\"M").append(num(x[a]))
        .append(' ').append(num(y[a])).append(" Q").append(num(cx)).append(' ').append(num(cy))
        .append(' ').append(num(x[b])).append(' ').append(num(y[b])).append("\" stroke=\"")
        .append(broken ? BROKEN : colour(f.kind())).append("\" stroke-width=\"").append(num(width))
        .append(broken ? "\" stroke-dasharray=\"6 3\"" : "\" stroke-opacity=\"0.75\"")
        .append("><title>")
        .append(esc(kind + " " + cores.get(f.from()).layer() + " -> " + cores.get(f.to()).layer()
            + ": " + f.bytesPerImage() + " bytes/image, core " + f.from() + " @ vertex " + a
            + " -> core " + f.to() + " @ vertex " + b + (broken ? " (not single-hop)" : "")))
        .append("</title></path>\n");
  }

  // ---- text -----------------------------------------------------------------------------------

  private static String[] title(Mapping m) {
    boolean ok = m.verdict().homomorphism();
    return new String[] {
        m.graph().network().name() + " on " + m.fabric().describe() + " | crossbar "
            + m.graph().tiling().crossbar() + " | " + m.graph().cores().size() + " cores"
            + " | single-hop: " + (ok ? "yes" : "no") + " | max channel load "
            + m.bandwidth().maxChannelBytes() + " bytes/image",
        m.graph().flows().size() + " flows, " + m.verdict().notSingleHop().size()
            + " not single-hop" + (m.verdict().placementErrors().isEmpty() ? ""
                : "; placement errors: " + String.join("; ", m.verdict().placementErrors()))};
  }

  /**
   * Appends the legend at {@code top}: flow kinds on one row, then the layers in columns of 10.
   * Returns its width.
   */
  private static double legend(StringBuilder s, List<Layer> layers, double top) {
    s.append("<g class=\"legend\">\n");
    double x = MARGIN;
    for (Flow.Kind k : Flow.Kind.values()) {
      x = legendFlow(s, x, top, colour(k), "", k.name().toLowerCase(Locale.ROOT).replace('_', ' '));
    }
    double width = legendFlow(s, x, top, BROKEN, " stroke-dasharray=\"6 3\"", "not single-hop");
    int shown = Math.min(layers.size(), MAX_LAYERS);
    double colX = MARGIN, colW = 0, rowY = top + LINE * 1.5;
    for (int i = 0; i < shown; i++) {
      String name = layers.get(i).name();
      double cy = rowY + (i % 10) * LINE;
      s.append("<circle cx=\"").append(num(colX + 5)).append("\" cy=\"").append(num(cy - 4))
          .append("\" r=\"5\" stroke=\"#333\" stroke-width=\"0.8\" fill=\"").append(layerColour(i))
          .append("\"/><text x=\"").append(num(colX + 14)).append("\" y=\"").append(num(cy))
          .append("\">").append(esc(name)).append("</text>\n");
      colW = Math.max(colW, 24 + 7 * name.length());
      if (i % 10 == 9 || i == shown - 1) {
        colX += colW;
        colW = 0;
      }
    }
    if (layers.size() > shown) {
      s.append("<text x=\"").append(num(MARGIN)).append("\" y=\"").append(num(rowY + 10 * LINE))
          .append("\" fill=\"#555\">... and ").append(layers.size() - shown)
          .append(" more</text>\n");
    }
    s.append("</g>\n");
    return Math.max(width, colX) - MARGIN;
  }

  private static double legendFlow(StringBuilder s, double x, double y, String colour,
      String extra, String label) {
    s.append("<line x1=\"").append(num(x)).append("\" y1=\"").append(num(y - 4)).append("\" x2=\"")
        .append(num(x + 24)).append("\" y2=\"").append(num(y - 4)).append("\" stroke=\"")
        .append(colour).append("\" stroke-width=\"2.5\"").append(extra).append("/><text x=\"")
        .append(num(x + 30)).append("\" y=\"").append(num(y)).append("\">").append(esc(label))
        .append("</text>\n");
    return x + 44 + 7 * label.length();
  }

  /** A distinct hue per layer index (golden-angle steps), as #rrggbb. */
  static String layerColour(int index) {
    double h = (index * 137.508) % 360 / 60, c = 0.6, xx = c * (1 - Math.abs(h % 2 - 1)), lo = 0.3;
    double[] rgb = switch ((int) h) {
      case 0 -> new double[] {c, xx, 0};
      case 1 -> new double[] {xx, c, 0};
      case 2 -> new double[] {0, c, xx};
      case 3 -> new double[] {0, xx, c};
      case 4 -> new double[] {xx, 0, c};
      default -> new double[] {c, 0, xx};
    };
    return String.format(Locale.ROOT, "#%02x%02x%02x", Math.round((rgb[0] + lo) * 255),
        Math.round((rgb[1] + lo) * 255), Math.round((rgb[2] + lo) * 255));
  }

  private static String num(double v) {
    String s = String.format(Locale.ROOT, "%.1f", v);
    return s.equals("-0.0") ? "0.0" : s;
  }

  /** Text escaped for XML; characters XML 1.0 cannot hold become '?'. */
  static String esc(String t) {
    StringBuilder b = new StringBuilder(t.length());
    for (char ch : t.toCharArray()) {
      switch (ch) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        default -> b.append(ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r'
            || ch == 0xFFFE || ch == 0xFFFF ? '?' : ch);
      }
    }
    return b.toString();
  }
}
