package fivepp.monitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4): every line is a
 * {@code # HELP}, a {@code # TYPE} or a sample; every sample belongs to a family whose TYPE came
 * before it (histogram and summary samples by their {@code _bucket}, {@code _count}, {@code _sum}
 * suffixes); names, label names and escapes must be valid, values must parse, and no series may
 * appear twice. Anything else throws with the line number.
 */
final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final List<String> TYPES = List.of("counter", "gauge", "histogram", "summary", "untyped");

  record Sample(String name, Map<String, String> labels, double value) {}

  final Map<String, String> types = new HashMap<>();
  final List<Sample> samples = new ArrayList<>();

  static PrometheusText parse(String text) {
    PrometheusText p = new PrometheusText();
    java.util.Set<String> series = new java.util.HashSet<>();
    String[] lines = text.split("\n", -1);
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("the exposition must end with a newline");
    }
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      String where = "line " + (i + 1) + ": '" + line + "': ";
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 3 && parts[1].equals("TYPE")) {
          if (parts.length != 4 || !NAME.matcher(parts[2]).matches() || !TYPES.contains(parts[3])) {
            throw new IllegalArgumentException(where + "bad TYPE");
          }
          if (p.types.put(parts[2], parts[3]) != null) {
            throw new IllegalArgumentException(where + "TYPE given twice");
          }
        } else if (parts.length >= 3 && parts[1].equals("HELP")) {
          if (!NAME.matcher(parts[2]).matches()) {
            throw new IllegalArgumentException(where + "bad HELP");
          }
        }
        continue;
      }
      Sample s = sample(line, where);
      String family = family(p.types, s.name());
      if (family == null) {
        throw new IllegalArgumentException(where + "sample without a TYPE");
      }
      if (!series.add(s.name() + s.labels())) {
        throw new IllegalArgumentException(where + "series repeated");
      }
      p.samples.add(s);
    }
    return p;
  }

  private static String family(Map<String, String> types, String name) {
    if (types.containsKey(name)) {
      return name;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_created", "_max")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if (types.containsKey(base)) {
          return base;
        }
      }
    }
    return null;
  }

  private static Sample sample(String line, String where) {
    int i = 0;
    Matcher m = NAME.matcher(line);
    if (!m.lookingAt()) {
      throw new IllegalArgumentException(where + "no metric name");
    }
    String name = m.group();
    i = m.end();
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        Matcher l = LABEL.matcher(line).region(i, line.length());
        if (!l.lookingAt()) {
          throw new IllegalArgumentException(where + "bad label name at " + i);
        }
        String label = l.group();
        i = l.end();
        if (!line.startsWith("=\"", i)) {
          throw new IllegalArgumentException(where + "expected =\" at " + i);
        }
        i += 2;
        StringBuilder v = new StringBuilder();
        while (line.charAt(i) != '"') {
          char c = line.charAt(i++);
          if (c == '\\') {
            char e = line.charAt(i++);
            v.append(switch (e) {
              case '\\' -> '\\';
              case '"' -> '"';
              case 'n' -> '\n';
              default -> throw new IllegalArgumentException(where + "bad escape \\" + e);
            });
          } else {
            v.append(c);
          }
        }
        i++;
        if (labels.put(label, v.toString()) != null) {
          throw new IllegalArgumentException(where + "label " + label + " twice");
        }
        if (line.charAt(i) == ',') {
          i++;
        } else if (line.charAt(i) != '}') {
          throw new IllegalArgumentException(where + "expected , or } at " + i);
        }
      }
      i++;
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new IllegalArgumentException(where + "expected a space before the value");
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length < 1 || rest.length > 2) {
      throw new IllegalArgumentException(where + "expected a value and an optional timestamp");
    }
    double value = switch (rest[0]) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(rest[0]);
    };
    if (rest.length == 2) {
      Long.parseLong(rest[1]);
    }
    return new Sample(name, labels, value);
  }

  List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }
}
