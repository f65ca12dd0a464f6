package fivepp.runtime.onnx;

import fivepp.runtime.Images;
import fivepp.runtime.Tensor;
import java.util.List;

/** An {@link Images.Source} over tensors already in memory (e.g. a test data set's batch). */
public final class OnnxImportSource implements Images.Source {
  private final List<Tensor> images;
  private final String what;
  private int next;

  public OnnxImportSource(List<Tensor> images, String what) {
    this.images = List.copyOf(images);
    this.what = what;
  }

  @Override
  public int count() {
    return images.size();
  }

  @Override
  public Tensor next() {
    if (next >= images.size()) {
      throw new java.util.NoSuchElementException(what + ": only " + images.size() + " images");
    }
    return images.get(next++);
  }

  @Override
  public String describe() {
    return images.size() + " images of " + what;
  }

  @Override
  public void close() {}
}
