package fivepp.model.onnx;

import fivepp.onnx.AttributeProto;
import fivepp.onnx.NodeProto;
import fivepp.onnx.StringStringEntryProto;
import fivepp.onnx.TensorProto;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tensor decoding for one import: a TensorProto (raw_data, float_data or external data next to
 * the model) or a Constant node into float32 or integer values, with the checks on sizes, values
 * and the model's size limit.
 */
final class OnnxTensors {
  /** A constant tensor: float32 values, or integers (shape operands). */
  record Const(String name, long[] dims, float[] floats, long[] ints, int type) {
    long count() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  private final String name;
  private final Path dir;
  private final OnnxImportOptions options;
  /** The bytes read so far: the model file, then each external data block. */
  private long bytes;

  OnnxTensors(String name, Path dir, OnnxImportOptions options, long bytes) {
    this.name = name;
    this.dir = dir;
    this.options = options;
    this.bytes = bytes;
  }

  /** The value of a Constant node, or null when it has no numeric value. */
  Const constantNode(NodeProto n) throws IOException {
    String out = n.getOutput(0);
    for (AttributeProto a : n.getAttributeList()) {
      switch (a.getName()) {
        case "value" -> {
          return decode(a.getT(), out);
        }
        case "value_float" -> {
          return new Const(out, new long[0], new float[] {a.getF()}, null, 1);
        }
        case "value_floats" -> {
          float[] f = new float[a.getFloatsCount()];
          for (int i = 0; i < f.length; i++) {
            f[i] = a.getFloats(i);
          }
          return new Const(out, new long[] {f.length}, f, null, 1);
        }
        case "value_int" -> {
          return new Const(out, new long[0], null, new long[] {a.getI()}, 7);
        }
        case "value_ints" -> {
          long[] l = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
          return new Const(out, new long[] {l.length}, null, l, 7);
        }
        default -> { }
      }
    }
    return null;
  }

  /** float32 (raw, float_data or external) or int32/int64 (shape operands). */
  Const decode(TensorProto t, String name) throws IOException {
    long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    long count = 1;
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException(this.name + ": tensor " + name + " has a negative dimension");
      }
      count *= d;
    }
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(this.name + ": tensor " + name + " is too large");
    }
    int n = (int) count;
    int type = t.getDataType();
    ByteBuffer raw = null;
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      raw = external(t, name);
    } else if (!t.getRawData().isEmpty()) {
      raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    switch (type) {
      case TensorProto.DataType.FLOAT_VALUE -> {
        float[] f = new float[n];
        if (raw != null) {
          check(name, raw.remaining(), 4L * n, "bytes");
          raw.asFloatBuffer().get(f);
        } else {
          check(name, t.getFloatDataCount(), n, "values");
          for (int i = 0; i < n; i++) {
            f[i] = t.getFloatData(i);
          }
        }
        finite(name, f);
        return new Const(name, dims, f, null, type);
      }
      case TensorProto.DataType.INT64_VALUE -> {
        long[] l = new long[n];
        if (raw != null) {
          check(name, raw.remaining(), 8L * n, "bytes");
          raw.asLongBuffer().get(l);
        } else {
          check(name, t.getInt64DataCount(), n, "values");
          for (int i = 0; i < n; i++) {
            l[i] = t.getInt64Data(i);
          }
        }
        return new Const(name, dims, null, l, type);
      }
      case TensorProto.DataType.BOOL_VALUE -> {
        long[] l = new long[n];
        if (raw != null) {
          check(name, raw.remaining(), n, "bytes");
          for (int i = 0; i < n; i++) {
            l[i] = raw.get(raw.position() + i);
          }
        } else {
          check(name, t.getInt32DataCount(), n, "values");
          for (int i = 0; i < n; i++) {
            l[i] = t.getInt32Data(i);
          }
        }
        return new Const(name, dims, null, l, type);
      }
      case TensorProto.DataType.INT32_VALUE -> {
        long[] l = new long[n];
        if (raw != null) {
          check(name, raw.remaining(), 4L * n, "bytes");
          for (int i = 0; i < n; i++) {
            l[i] = raw.getInt(raw.position() + 4 * i);
          }
        } else {
          check(name, t.getInt32DataCount(), n, "values");
          for (int i = 0; i < n; i++) {
            l[i] = t.getInt32Data(i);
          }
        }
        return new Const(name, dims, null, l, type);
      }
      default -> {
        return new Const(name, dims, null, null, type);
      }
    }
  }

  /** Weights that hold NaN or an infinity would make every output meaningless: refused. */
  void finite(String tensor, float[] f) {
    for (int i = 0; i < f.length; i++) {
      if (!Float.isFinite(f[i])) {
        throw new IllegalArgumentException(name + ": tensor " + tensor + " holds " + f[i] + " at index " + i
            + "; weights and constants must be finite numbers");
      }
    }
  }

  void check(String tensor, long got, long want, String what) {
    if (got != want) {
      throw new IllegalArgumentException(name + ": tensor " + tensor + " holds " + got + " " + what
          + " where its dimensions need " + want);
    }
  }

  /** An external-data offset or length: a whole number >= 0, else the model's mistake. */
  long externalNumber(String tensor, String key, String value) throws IOException {
    try {
      long v = Long.parseLong(value.trim());
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IOException(name + ": tensor " + tensor + " has external data " + key + " '" + value
        + "'; it must be a whole number of bytes >= 0");
  }

  ByteBuffer external(TensorProto t, String tensor) throws IOException {
    String location = null;
    long offset = 0;
    long length = -1;
    for (StringStringEntryProto e : t.getExternalDataList()) {
      switch (e.getKey()) {
        case "location" -> location = e.getValue();
        case "offset" -> offset = externalNumber(tensor, "offset", e.getValue());
        case "length" -> length = externalNumber(tensor, "length", e.getValue());
        default -> { }
      }
    }
    if (location == null || dir == null) {
      throw new IOException(name + ": tensor " + tensor + " has external data without a location");
    }
    Path f = dir.resolve(location).normalize();
    if (!f.startsWith(dir.normalize()) || !Files.isRegularFile(f)) {
      throw new IOException(name + ": external data file " + location + " of tensor " + tensor
          + " is missing (it must be next to the model)");
    }
    // a symbolic link may lead out of the model's folder: what counts is where the bytes really are
    Path real = f.toRealPath();
    if (!real.startsWith(dir.toRealPath())) {
      throw new IOException(name + ": external data file " + location + " of tensor " + tensor
          + " leads outside the model's folder (to " + real + "); external data must lie in "
          + dir.toRealPath());
    }
    f = real;
    long size = Files.size(f);
    if (length < 0) {
      length = size - offset;
    }
    if (offset < 0 || offset + length > size) {
      throw new IOException(name + ": external data of tensor " + tensor + " (offset " + offset
          + ", length " + length + ") lies beyond the end of " + location + " (" + size + " bytes)");
    }
    bytes += length;
    if (bytes > options.maxBytes()) {
      throw new IOException(name + ": model and external data exceed the size limit of "
          + options.maxBytes() + " bytes");
    }
    if (length > Integer.MAX_VALUE) {
      throw new IOException(name + ": tensor " + tensor + " is too large");
    }
    byte[] b = new byte[(int) length];
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
      r.seek(offset);
      r.readFully(b);
    }
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  static int toInt(long v) {
    if (v <= 0 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("dimension " + v + " out of range");
    }
    return (int) v;
  }

  static String typeName(int type) {
    TensorProto.DataType t = TensorProto.DataType.forNumber(type);
    return t == null ? "type " + type : t.name();
  }
}
