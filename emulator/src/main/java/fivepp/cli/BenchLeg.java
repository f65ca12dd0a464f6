package fivepp.cli;

import fivepp.model.Network;
import fivepp.model.Weights;
import fivepp.runtime.Tensor;
import java.util.List;

/**
 * A further leg of {@code fivepp bench run}, found with {@link java.util.ServiceLoader}: the
 * ONNX Runtime leg lives on the test classpath (ONNX Runtime is a test-scope dependency, kept
 * out of the runnable jar) and runs from the Maven profile {@code bench}.
 */
public interface BenchLeg {
  /** What the leg is, e.g. "ONNX Runtime 1.22, 2 threads, batch 1". */
  String name();

  /** Images per second over {@code images} after warming up on {@code warmup}. */
  double imagesPerSecond(Network net, Weights w, List<Tensor> warmup, List<Tensor> images) throws Exception;
}
