package fivepp.model.onnx;

import fivepp.onnx.TensorProto;
import java.util.Map;

/**
 * Options of {@link OnnxImporter#read}.
 *
 * @param inputShape the full shape of the graph input including the batch dimension (e.g.
 *     {@code 1,3,224,224}), replacing symbolic or fixed dimensions (the CLI's
 *     {@code --input-shape}); null to take the file's
 * @param maxBytes the largest model (file plus external data) accepted, default 2 GiB
 * @param constants values for graph inputs that are to be treated as initialisers (ONNX's node
 *     tests pass the weights of a Conv or Gemm as graph inputs); empty normally
 */
public record OnnxImportOptions(int[] inputShape, long maxBytes, Map<String, TensorProto> constants) {
  public static final long DEFAULT_MAX_BYTES = 2L << 30;
  public static final OnnxImportOptions DEFAULT =
      new OnnxImportOptions(null, DEFAULT_MAX_BYTES, Map.of());

  public OnnxImportOptions {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("the model size limit must be positive, got " + maxBytes);
    }
    inputShape = inputShape == null ? null : inputShape.clone();
    constants = Map.copyOf(constants);
  }

  public OnnxImportOptions withInputShape(int... shape) {
    return new OnnxImportOptions(shape, maxBytes, constants);
  }

  public OnnxImportOptions withMaxBytes(long bytes) {
    return new OnnxImportOptions(inputShape, bytes, constants);
  }

  public OnnxImportOptions withConstants(Map<String, TensorProto> given) {
    return new OnnxImportOptions(inputShape, maxBytes, given);
  }
}
