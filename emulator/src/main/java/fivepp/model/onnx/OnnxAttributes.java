package fivepp.model.onnx;

import fivepp.onnx.AttributeProto;
import fivepp.onnx.NodeProto;
import java.util.Arrays;

/**
 * The attributes of a node, read and checked (an integer must fit an int; pads come from pads
 * or auto_pad), and the one-line messages that name a node of the model {@code name}.
 */
final class OnnxAttributes {
  private final String name;

  OnnxAttributes(String name) {
    this.name = name;
  }

  /** Explicit pads {top, left, bottom, right} from pads or auto_pad. */
  int[] pads(NodeProto n, int h, int w, int kh, int kw, int sh, int sw, int dh, int dw) {
    String auto = attrString(n, "auto_pad", "NOTSET");
    switch (auto) {
      case "NOTSET" -> {
        int[] p = attrInts(n, "pads", new int[4]);
        if (p.length != 4) {
          throw unsupported(n, n.getOpType() + " with pads " + Arrays.toString(p) + " (2-D only)");
        }
        for (int x : p) {
          if (x < 0) {
            throw unsupported(n, n.getOpType() + " with negative pads " + Arrays.toString(p));
          }
        }
        return new int[] {p[0], p[1], p[2], p[3]};
      }
      case "VALID" -> {
        return new int[4];
      }
      case "SAME_UPPER", "SAME_LOWER" -> {
        int th = same(h, kh, sh, dh);
        int tw = same(w, kw, sw, dw);
        boolean upper = auto.equals("SAME_UPPER");
        int top = upper ? th / 2 : th - th / 2;
        int left = upper ? tw / 2 : tw - tw / 2;
        return new int[] {top, left, th - top, tw - left};
      }
      default -> throw unsupported(n, n.getOpType() + " with auto_pad " + auto);
    }
  }

  private static int same(int in, int k, int s, int d) {
    int out = (in + s - 1) / s;
    return Math.max(0, (out - 1) * s + (k - 1) * d + 1 - in);
  }

  private static AttributeProto attr(NodeProto n, String name) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  int attrInt(NodeProto n, String name, int dflt) {
    AttributeProto a = attr(n, name);
    return a == null ? dflt : attrValue(n, name, a.getI());
  }

  float attrFloat(NodeProto n, String name, float dflt) {
    AttributeProto a = attr(n, name);
    return a == null ? dflt : a.getF();
  }

  String attrString(NodeProto n, String name, String dflt) {
    AttributeProto a = attr(n, name);
    return a == null ? dflt : a.getS().toStringUtf8();
  }

  int[] attrInts(NodeProto n, String name, int[] dflt) {
    AttributeProto a = attr(n, name);
    return a == null ? dflt : a.getIntsList().stream().mapToInt(v -> attrValue(n, name, v)).toArray();
  }

  /** An integer attribute's value as an int; one that does not fit is the model's mistake. */
  private int attrValue(NodeProto n, String name, long v) {
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(where(n) + "attribute " + name + " = " + v + " is out of range (at most "
          + Integer.MAX_VALUE + ")");
    }
    return (int) v;
  }

  static long[] longs(int[] a) {
    return a == null ? null : Arrays.stream(a).mapToLong(x -> x).toArray();
  }

  String node(NodeProto n) {
    return "node " + (n.getName().isEmpty() ? n.getOutput(0) : n.getName()) + " (" + n.getOpType() + ")";
  }

  String where(NodeProto n) {
    return name + ": " + node(n) + ": ";
  }

  OnnxImportUnsupportedException unsupported(NodeProto n, String what) {
    return new OnnxImportUnsupportedException(name + ": " + what + " in " + node(n)
        + " cannot be placed on CM cores; supported operators: " + String.join(", ", OnnxImporter.SUPPORTED));
  }
}
