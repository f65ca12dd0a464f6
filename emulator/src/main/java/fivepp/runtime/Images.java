package fivepp.runtime;

import fivepp.model.Shape;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;

/**
 * Input images for a network: synthetic noise, a CIFAR-10 binary file, or a folder of PNG/JPEG
 * files. Sources deliver images one at a time, so memory stays bounded for big inputs.
 */
public final class Images {
  private Images() {}

  /** A finite, ordered source of images of one shape. */
  public interface Source extends AutoCloseable {
    /** How many images {@link #next()} delivers in all. */
    int count();

    /** The next image; at most {@link #count()} calls. */
    Tensor next() throws IOException;

    /** One line for logs, e.g. {@code CIFAR-10 file test_batch.bin: 5 of 10000 images}. */
    String describe();

    /** The class label of the image {@link #next()} returned last, or -1 if unknown. */
    default int lastLabel() {
      return -1;
    }

    @Override
    void close();
  }

  static final int CIFAR_SIDE = 32;
  static final int CIFAR_RECORD = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE;
  private static final Shape CIFAR_SHAPE = new Shape(3, CIFAR_SIDE, CIFAR_SIDE);

  /** Uniform [0,1) values; image {@code i} depends only on {@code (seed, i)}. */
  public static Source synthetic(Shape shape, long seed, int count) {
    checkLimit(count);
    return new Counted(count) {
      @Override
      Tensor produce(int i) {
        SplittableRandom random = new SplittableRandom(mix(seed) ^ mix(mix(i + 1L)));
        Tensor t = Tensor.zeros(shape);
        for (int k = 0; k < t.data().length; k++) {
          t.data()[k] = random.nextFloat();
        }
        return t;
      }

      @Override
      public String describe() {
        return count + " synthetic " + shape + " images (seed " + seed + ")";
      }
    };
  }

  /**
   * Images from {@code path}: a CIFAR-10 binary file (the network must take 3x32x32) or a folder
   * whose *.png / *.jpg / *.jpeg files (sorted by name) are resized bilinearly to {@code shape}.
   * Delivers at most {@code limit} images.
   */
  public static Source open(Path path, Shape shape, int limit) throws IOException {
    checkLimit(limit);
    if (Files.isDirectory(path)) {
      return folder(path, shape, limit);
    }
    if (!Files.exists(path)) {
      throw new IOException("no such file or folder: " + path);
    }
    return cifar(path, shape, limit);
  }

  private static void checkLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("--images must be at least 1");
    }
  }

  private static Source cifar(Path file, Shape shape, int limit) throws IOException {
    long bytes = Files.size(file);
    if (bytes == 0 || bytes % CIFAR_RECORD != 0) {
      throw new IOException(file + ": " + bytes + " bytes is not a whole number of CIFAR-10 records ("
          + CIFAR_RECORD + " bytes each); pass a CIFAR-10 binary batch or a folder of PNG/JPEG files");
    }
    if (!shape.equals(CIFAR_SHAPE)) {
      throw new IllegalArgumentException("CIFAR-10 images are " + CIFAR_SHAPE + "; the network takes "
          + shape + " (use a folder of PNG/JPEG files, which are resized)");
    }
    long available = bytes / CIFAR_RECORD;
    DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)));
    return new Counted((int) Math.min(limit, available)) {
      private final byte[] record = new byte[CIFAR_RECORD];
      private int label = -1;

      @Override
      Tensor produce(int i) throws IOException {
        in.readFully(record);
        label = record[0] & 0xff;
        float[] data = new float[CIFAR_RECORD - 1];
        for (int k = 0; k < data.length; k++) {
          data[k] = (record[k + 1] & 0xff) / 255f; // planes R, G, B, each row-major: already CHW
        }
        return new Tensor(3, CIFAR_SIDE, CIFAR_SIDE, data);
      }

      @Override
      public int lastLabel() {
        return label;
      }

      @Override
      public String describe() {
        return "CIFAR-10 file " + file + ": " + count + " of " + available + " images";
      }

      @Override
      public void close() {
        close(in);
      }
    };
  }

  private static Source folder(Path dir, Shape shape, int limit) throws IOException {
    List<Path> all;
    try (Stream<Path> entries = Files.list(dir)) {
      all = entries.filter(p -> Files.isRegularFile(p) && isImageName(p))
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .toList();
    }
    if (all.isEmpty()) {
      throw new IOException("folder " + dir + " has no PNG or JPEG files (*.png, *.jpg, *.jpeg)");
    }
    if (shape.channels() != 3) {
      throw new IllegalArgumentException("PNG/JPEG images are read as 3 channels (RGB); the network takes "
          + shape + " (only 3-channel networks can read image folders)");
    }
    List<Path> files = all.subList(0, Math.min(limit, all.size()));
    return new Counted(files.size()) {
      @Override
      Tensor produce(int i) throws IOException {
        return resize(readRgb(files.get(i)), shape.height(), shape.width());
      }

      @Override
      public String describe() {
        return "folder " + dir + ": " + count + " of " + all.size() + " PNG/JPEG images, resized to " + shape;
      }
    };
  }

  private static boolean isImageName(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
  }

  /** The system property that raises (or lowers) the largest image read, in pixels. */
  public static final String MAX_PIXELS_PROPERTY = "fivepp.max-image-pixels";
  /** Pixels an image may have unless {@value #MAX_PIXELS_PROPERTY} says otherwise: 4096 x 4096. */
  public static final long DEFAULT_MAX_PIXELS = 4096L * 4096;

  static long maxPixels() {
    return fivepp.fabric.Limits.of(MAX_PIXELS_PROPERTY, DEFAULT_MAX_PIXELS);
  }

  /**
   * The width and height an image file declares, read from its header without decoding it; null
   * when no ImageIO reader knows the file.
   */
  static int[] declaredSize(Path file) throws IOException {
    try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        return null;
      }
      java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return null;
      }
      javax.imageio.ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return new int[] {reader.getWidth(0), reader.getHeight(0)};
      } catch (IOException | RuntimeException e) {
        return null;
      } finally {
        reader.dispose();
      }
    }
  }

  /** Decodes an image to a 3-channel CHW tensor in [0,1] at its own size. */
  static Tensor readRgb(Path file) throws IOException {
    int[] size = declaredSize(file);
    long limit = maxPixels();
    if (size != null && (long) size[0] * size[1] > limit) {
      throw new IOException(String.format("image %s is %dx%d, %,d pixels, over the limit of %,d; shrink it, or raise"
          + " the limit with FIVEPP_JAVA_OPTS=-D%s=N (and the heap: 16 bytes a pixel)", file, size[0], size[1],
          (long) size[0] * size[1], limit, MAX_PIXELS_PROPERTY));
    }
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IIOException | RuntimeException e) {
      image = null;
    }
    if (image == null) {
      throw new IOException("cannot read image " + file + ": not a PNG or JPEG file ImageIO can decode");
    }
    int h = image.getHeight();
    int w = image.getWidth();
    Tensor t = new Tensor(3, h, w, new float[3 * h * w]);
    Raster raster = image.getRaster();
    boolean gray = image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    if (gray) { // read samples directly: getRGB would apply a gamma curve to linear gray
      float max = (1 << image.getColorModel().getComponentSize(0)) - 1;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float v = raster.getSample(x, y, 0) / max;
          for (int c = 0; c < 3; c++) {
            t.set(c, y, x, v);
          }
        }
      }
    } else {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = image.getRGB(x, y); // alpha (bits 24-31) dropped
          t.set(0, y, x, ((rgb >> 16) & 0xff) / 255f);
          t.set(1, y, x, ((rgb >> 8) & 0xff) / 255f);
          t.set(2, y, x, (rgb & 0xff) / 255f);
        }
      }
    }
    return t;
  }

  /**
   * Bilinear resize with pixel centres aligned (like PyTorch's {@code align_corners=false}),
   * clamped at the borders. Same size is the identity; a uniform image stays uniform.
   */
  static Tensor resize(Tensor in, int height, int width) {
    if (in.height() == height && in.width() == width) {
      return in;
    }
    Tensor out = new Tensor(in.channels(), height, width, new float[in.channels() * height * width]);
    for (int y = 0; y < height; y++) {
      double sy = source(y, in.height(), height);
      int y0 = (int) sy;
      int y1 = Math.min(y0 + 1, in.height() - 1);
      float fy = (float) (sy - y0);
      for (int x = 0; x < width; x++) {
        double sx = source(x, in.width(), width);
        int x0 = (int) sx;
        int x1 = Math.min(x0 + 1, in.width() - 1);
        float fx = (float) (sx - x0);
        for (int c = 0; c < in.channels(); c++) {
          float top = in.get(c, y0, x0) + fx * (in.get(c, y0, x1) - in.get(c, y0, x0));
          float bottom = in.get(c, y1, x0) + fx * (in.get(c, y1, x1) - in.get(c, y1, x0));
          out.set(c, y, x, top + fy * (bottom - top));
        }
      }
    }
    return out;
  }

  /** The source coordinate of output pixel {@code i}, clamped to {@code [0, n-1]}. */
  private static double source(int i, int n, int outN) {
    double s = (i + 0.5) * n / outN - 0.5;
    return Math.max(0, Math.min(n - 1, s));
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Delivers images 0..count-1 through {@link #produce}, refusing to run past the end. */
  private abstract static class Counted implements Source {
    final int count;
    private int delivered;

    Counted(int count) {
      this.count = count;
    }

    abstract Tensor produce(int i) throws IOException;

    @Override
    public int count() {
      return count;
    }

    @Override
    public Tensor next() throws IOException {
      if (delivered >= count) {
        throw new NoSuchElementException("all " + count + " images already delivered: " + describe());
      }
      return produce(delivered++);
    }

    @Override
    public void close() {}

    static void close(InputStream in) {
      try {
        in.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
