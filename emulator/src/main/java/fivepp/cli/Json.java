package fivepp.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** JSON output through Jackson, pretty-printed. */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** {@code value} as JSON with one more field, {@code key}, at its end. */
  static String writeWith(Object value, String key, Object extra) {
    com.fasterxml.jackson.databind.node.ObjectNode n = MAPPER.valueToTree(value);
    n.set(key, MAPPER.valueToTree(extra));
    return write(n);
  }

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
