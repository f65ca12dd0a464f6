package fivepp.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import fivepp.onnx.GraphProto;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OperatorRulesTest {
  @Test
  void everySupportedOperatorButConstantHasARule() {
    var build = new OnnxImporter.Build(GraphProto.getDefaultInstance(), null, "m", "", 13,
        OnnxImportOptions.DEFAULT, 0);
    var expected = new TreeSet<>(OnnxImporter.SUPPORTED);
    expected.remove("Constant"); // decoded by the walk itself, into the constant table
    assertThat(new TreeSet<>(build.rules.keySet())).isEqualTo(expected);
  }
}
