package fivepp.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain text table with right-aligned numbers and left-aligned text. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  Table(String... header) {
    columns = header.length;
    rows.add(header);
  }

  Table row(Object... cells) {
    String[] r = new String[columns];
    for (int i = 0; i < columns; i++) {
      r[i] = i < cells.length ? format(cells[i]) : "";
    }
    rows.add(r);
    return this;
  }

  static String format(Object o) {
    if (o instanceof Double d) {
      return Math.abs(d) >= 100 ? String.format("%,.0f", d) : String.format("%.2f", d);
    }
    if (o instanceof Long || o instanceof Integer) {
      return String.format("%,d", ((Number) o).longValue());
    }
    return String.valueOf(o);
  }

  @Override
  public String toString() {
    int[] w = new int[columns];
    boolean[] numeric = new boolean[columns];
    java.util.Arrays.fill(numeric, true);
    for (int r = 0; r < rows.size(); r++) {
      for (int c = 0; c < columns; c++) {
        w[c] = Math.max(w[c], rows.get(r)[c].length());
        if (r > 0 && !rows.get(r)[c].matches("[-0-9.,]*")) {
          numeric[c] = false;
        }
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        String pad = " ".repeat(w[c] - r[c].length());
        line.append(c == 0 ? "" : "  ").append(numeric[c] ? pad + r[c] : r[c] + pad);
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }
}
