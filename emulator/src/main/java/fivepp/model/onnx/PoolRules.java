package fivepp.model.onnx;

import static fivepp.model.onnx.OnnxImporter.oneLine;

import fivepp.model.Pool;
import fivepp.model.Shape;
import fivepp.onnx.NodeProto;
import java.util.Arrays;
import java.util.Map;

/** The rules for pooling: MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool. */
final class PoolRules extends OperatorRules {
  PoolRules(OnnxImporter.Build im) {
    super(im);
  }

  @Override
  void register(Map<String, Rule> rules) {
    rules.put("MaxPool", this::pool);
    rules.put("AveragePool", this::pool);
    rules.put("GlobalAveragePool", n -> pool(n, im.data4(n), Pool.globalAvg()));
    rules.put("GlobalMaxPool", this::globalMax);
  }

  private Val pool(NodeProto n) {
    Val v = im.data4(n);
    boolean max = n.getOpType().equals("MaxPool");
    int[] k = attrs.attrInts(n, "kernel_shape", null);
    if (k == null || k.length != 2) {
      throw attrs.unsupported(n, n.getOpType() + " with kernel_shape " + Arrays.toString(k) + " (2-D only)");
    }
    int[] s = attrs.attrInts(n, "strides", new int[] {1, 1});
    int[] dil = attrs.attrInts(n, "dilations", new int[] {1, 1});
    if (k[0] != k[1] || s[0] != s[1] || dil[0] != 1 || dil[1] != 1) {
      throw attrs.unsupported(n, n.getOpType() + " with kernel " + Arrays.toString(k) + ", strides "
          + Arrays.toString(s) + ", dilations " + Arrays.toString(dil) + " (square, undilated only)");
    }
    if (attrs.attrInt(n, "storage_order", 0) != 0) {
      throw attrs.unsupported(n, "MaxPool with storage_order 1");
    }
    Shape in = v.shape();
    int[] p = attrs.pads(n, in.height(), in.width(), k[0], k[1], s[0], s[1], 1, 1);
    boolean ceil = attrs.attrInt(n, "ceil_mode", 0) != 0;
    boolean include = attrs.attrInt(n, "count_include_pad", 0) != 0;
    Pool pool = new Pool(max ? Pool.Kind.MAX : Pool.Kind.AVG, k[0], s[0], p[0], p[1], p[2], p[3], ceil, include);
    if (!max && ceil && (p[0] > 0 || p[1] > 0 || p[2] > 0 || p[3] > 0)) {
      throw attrs.unsupported(n, "AveragePool with ceil_mode and pads");
    }
    try {
      pool.apply(in);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(attrs.where(n) + oneLine(e.getMessage()));
    }
    return pool(n, v, pool);
  }

  private Val globalMax(NodeProto n) {
    Val v = im.data4(n);
    Shape s = v.shape();
    if (s.height() != s.width()) {
      throw attrs.unsupported(n, "GlobalMaxPool over a non-square " + s);
    }
    return pool(n, v, Pool.max(s.height(), 1, 0));
  }

  private Val pool(NodeProto n, Val v, Pool p) {
    Draft d = drafts.attachable(n.getInput(0), v);
    if (d != null && d.postPool == null) {
      d.postPool = p;
      return drafts.outputOf(d, 4);
    }
    if (v.pool() == null && v.pad() == null && !v.marked()) {
      return new Val(v.parts(), v.base(), 4, v.act(), p, null, 1, 1, v.base().channels(), false,
          v.scale(), v.shift());
    }
    Draft h = drafts.host(v, n.getName().isEmpty() ? n.getOpType() : n.getName());
    im.notes.add(attrs.node(n) + " runs in host layer " + h.name);
    h.postPool = p;
    return drafts.outputOf(h, 4);
  }
}
