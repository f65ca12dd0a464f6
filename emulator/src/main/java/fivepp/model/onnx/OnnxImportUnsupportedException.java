package fivepp.model.onnx;

/**
 * An ONNX model uses an operator, or an operator with attributes, that fivepp cannot place on CM
 * cores. One line: the operator, the node's name and what is supported.
 */
public class OnnxImportUnsupportedException extends IllegalArgumentException {
  public OnnxImportUnsupportedException(String message) {
    super(message);
  }
}
