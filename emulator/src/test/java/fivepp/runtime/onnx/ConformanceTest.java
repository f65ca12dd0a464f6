package fivepp.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ONNX's own backend tests through the importer and the emulator (5PP, 256x256). */
class ConformanceTest {

  @Test
  void onnxBackendTestsPassOnTheEmulator() throws IOException {
    Path dir = Conformance.DEFAULT_DIR;
    if (!Files.isDirectory(dir.resolve("node"))) {
      fail("ONNX's backend test data is not installed at " + dir
          + ": install it with `apt-get update && apt-get install -y libonnx-testdata`");
    }
    Path logFile = Path.of("target", "onnx-conformance.log");
    Files.createDirectories(logFile.getParent());
    Conformance.Result r;
    try (PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile))) {
      r = Conformance.run(dir, log);
    }
    System.out.println(r.summary() + " (log: " + logFile.toAbsolutePath() + ")");
    r.failedTests().forEach(t -> System.out.println("FAILED " + t));
    assertThat(r.failedTests()).isEmpty();
    assertThat(r.failed()).isZero();
    assertThat(r.passedTests()).contains(
        "node/test_conv_with_strides_padding",
        "node/test_conv_with_autopad_same",
        "node/test_conv_with_strides_and_asymmetric_padding",
        "node/test_gemm_all_attributes",
        "node/test_maxpool_2d_pads",
        "node/test_averagepool_2d_pads_count_include_pad",
        "node/test_globalaveragepool",
        "node/test_batchnorm_example",
        "pytorch-converted/test_Conv2d_groups",
        "pytorch-converted/test_Conv2d_depthwise_padded",
        "pytorch-converted/test_Conv2d_dilated",
        "pytorch-converted/test_Linear",
        // auto_pad SAME_UPPER / SAME_LOWER on pools (issue 14)
        "node/test_maxpool_2d_same_upper",
        "node/test_maxpool_2d_same_lower",
        "node/test_averagepool_2d_same_upper",
        "node/test_averagepool_2d_same_lower",
        // a Linear without bias: Transpose of the weight folded (issue 14)
        "pytorch-converted/test_Linear_no_bias");
    // the element-wise activations and the final LogSoftmax (issue 14)
    assertThat(r.passedTests()).contains(
        "node/test_elu", "node/test_elu_default", "node/test_elu_example",
        "node/test_hardsigmoid", "node/test_hardsigmoid_default", "node/test_hardsigmoid_example",
        "node/test_hardswish",
        "node/test_logsoftmax_example_1", "node/test_logsoftmax_large_number",
        "node/test_selu", "node/test_selu_default", "node/test_selu_example",
        "node/test_sigmoid", "node/test_sigmoid_example",
        "node/test_softplus", "node/test_softplus_example",
        "node/test_softsign", "node/test_softsign_example",
        "node/test_tanh", "node/test_tanh_example",
        "pytorch-converted/test_ELU", "pytorch-converted/test_LogSoftmax",
        "pytorch-converted/test_PReLU_2d", "pytorch-converted/test_PReLU_2d_multiparam",
        "pytorch-converted/test_SELU", "pytorch-converted/test_Sigmoid",
        "pytorch-converted/test_Softplus", "pytorch-converted/test_Tanh",
        "pytorch-converted/test_log_softmax_lastdim");
    assertThat(r.passed() + r.failed() + r.unsupported()).isGreaterThan(900);
    // the true counts today: a change that makes a test pass or stop passing updates them
    assertThat(List.of(r.passed(), r.unsupported())).containsExactly(118, 896);
  }

  @Test
  void aMissingDataDirectorySaysHowToInstallIt() {
    try {
      Conformance.run(Path.of("/nonexistent/onnx-data"), new PrintWriter(System.out));
      fail("expected an IOException");
    } catch (IOException e) {
      assertThat(e.getMessage()).contains("apt-get install -y libonnx-testdata").doesNotContain("\n");
    }
  }
}
