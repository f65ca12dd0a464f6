package fivepp.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an image into the messages that carry it, off-fabric, into the cores of the layers that
 * read the image: one per row of each image port (or one per pixel at pixel granularity).
 */
public final class ImageSlicer {

  /** The messages for one input core, at fabric vertex {@code vertex}. */
  public record Slice(int vertex, List<CoreActor.Data> messages) {}

  private final List<CorePlan> inputCores = new ArrayList<>();
  private final int[] vertexOf;
  private final boolean pixels;

  public ImageSlicer(List<CorePlan> plans, int[] vertexOf, boolean pixels) {
    for (CorePlan p : plans) {
      if (p.imagePorts().length > 0) {
        inputCores.add(p);
      }
    }
    this.vertexOf = vertexOf;
    this.pixels = pixels;
  }

  /** Image {@code i}, there at virtual time {@code ready}, as messages per input core. */
  public List<Slice> slice(int i, Tensor image, double ready) {
    List<Slice> out = new ArrayList<>(inputCores.size());
    int h = image.height(), wd = image.width();
    for (CorePlan p : inputCores) {
      int vertex = vertexOf[p.core.id()];
      int[] route = {vertex};
      List<CoreActor.Data> messages = new ArrayList<>();
      for (int portId : p.imagePorts()) {
        CorePlan.Port port = p.ports.get(portId);
        // the rows the core reads: every row, or its band's when its layer is copied
        for (int y = Math.max(0, port.rowFrom()), end = Math.min(h, port.rowTo()); y < end; y++) {
          if (pixels) {
            for (int x = 0; x < wd; x++) {
              float[] v = new float[port.channels()];
              for (int c = 0; c < port.channels(); c++) {
                v[c] = image.get(port.sourceFrom() + c, y, x);
              }
              messages.add(new CoreActor.Data(i, portId, y, x, 1, v, ready, route, 0, 8));
            }
          } else {
            float[] v = new float[port.channels() * wd];
            for (int c = 0; c < port.channels(); c++) {
              System.arraycopy(image.data(), ((port.sourceFrom() + c) * h + y) * wd, v, c * wd, wd);
            }
            messages.add(new CoreActor.Data(i, portId, y, 0, wd, v, ready, route, 0, 8));
          }
        }
      }
      out.add(new Slice(vertex, messages));
    }
    return out;
  }
}
