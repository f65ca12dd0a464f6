package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import fivepp.model.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
  private static final Shape CIFAR = new Shape(3, 32, 32);

  @TempDir Path dir;

  /** Two records: labels 3 and 7; record r has byte (c*1024 + y*32 + x + r) % 256, with markers. */
  private Path cifarFile() throws IOException {
    byte[] bytes = new byte[2 * 3073];
    for (int r = 0; r < 2; r++) {
      int base = r * 3073;
      bytes[base] = (byte) (r == 0 ? 3 : 7);
      for (int k = 0; k < 3072; k++) {
        bytes[base + 1 + k] = (byte) ((k + r) % 256);
      }
    }
    bytes[1 + 1024 + 5 * 32 + 9] = (byte) 255; // record 0, green, y=5, x=9
    bytes[1 + 2048 + 31 * 32 + 31] = 0; // record 0, blue, y=31, x=31
    Path file = dir.resolve("data_batch_1.bin");
    Files.write(file, bytes);
    return file;
  }

  @Test
  void readsCifarRecordsInOrderWithLabels() throws IOException {
    try (Images.Source source = Images.open(cifarFile(), CIFAR, 5)) {
      assertThat(source.count()).isEqualTo(2);
      assertThat(source.lastLabel()).isEqualTo(-1);
      assertThat(source.describe()).contains("data_batch_1.bin").contains("2 of 2");

      Tensor first = source.next();
      assertThat(first.shape()).isEqualTo(CIFAR);
      assertThat(source.lastLabel()).isEqualTo(3);
      assertThat(first.get(1, 5, 9)).isEqualTo(1.0f);
      assertThat(first.get(2, 31, 31)).isEqualTo(0f);
      assertThat(first.get(0, 0, 0)).isEqualTo(0f);
      assertThat(first.get(0, 0, 1)).isEqualTo(1 / 255f);
      assertThat(first.get(0, 1, 0)).isEqualTo(32 / 255f); // row-major: y=1 starts at byte 32
      assertThat(first.get(1, 0, 0)).isEqualTo(0f); // 1024 % 256: green plane starts at 1024

      Tensor second = source.next();
      assertThat(source.lastLabel()).isEqualTo(7);
      assertThat(second.get(0, 0, 0)).isEqualTo(1 / 255f);
      assertThat(second.get(2, 0, 2)).isEqualTo(3 / 255f);

      assertThatThrownBy(source::next).isInstanceOf(NoSuchElementException.class);
    }
  }

  @Test
  void limitCapsTheCount() throws IOException {
    try (Images.Source source = Images.open(cifarFile(), CIFAR, 1)) {
      assertThat(source.count()).isEqualTo(1);
      source.next();
      assertThat(source.lastLabel()).isEqualTo(3);
    }
    assertThatThrownBy(() -> Images.open(cifarFile(), CIFAR, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--images must be at least 1");
  }

  @Test
  void rejectsTruncatedCifarFile() throws IOException {
    Path file = dir.resolve("data.bin");
    Files.write(file, new byte[5000]);
    assertThatThrownBy(() -> Images.open(file, CIFAR, 1))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(file + ": 5000 bytes is not a whole number of CIFAR-10 records (3073 bytes each)")
        .hasMessageNotContaining("\n");
  }

  @Test
  void rejectsCifarForOtherNetworkShapes() throws IOException {
    Path file = cifarFile();
    assertThatThrownBy(() -> Images.open(file, new Shape(3, 224, 224), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("CIFAR-10 images are 3x32x32; the network takes 3x224x224"
            + " (use a folder of PNG/JPEG files, which are resized)");
  }

  @Test
  void rejectsMissingPath() {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> Images.open(missing, CIFAR, 1))
        .isInstanceOf(IOException.class)
        .hasMessage("no such file or folder: " + missing);
  }

  private static void write(BufferedImage image, String format, Path file) throws IOException {
    assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
  }

  @Test
  void readsFolderSortedAndResizesBilinearly() throws IOException {
    // b.png: 2 wide x 1 high, black | white -> 4 wide x 2 high gives columns 0, .25, .75, 1
    BufferedImage ramp = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    ramp.setRGB(0, 0, 0x000000);
    ramp.setRGB(1, 0, 0xffffff);
    write(ramp, "png", dir.resolve("b.png"));
    // A.PNG: 3x5 uniform colour -> exactly that colour (upper case extension, sorts first)
    BufferedImage uniform = new BufferedImage(3, 5, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 3; x++) {
        uniform.setRGB(x, y, 0x80ff3300); // half-transparent: alpha dropped
      }
    }
    write(uniform, "png", dir.resolve("A.PNG"));
    // c.png: 4 wide x 2 high, left half red, right half blue -> 2x1 keeps red | blue
    BufferedImage halves = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 4; x++) {
        halves.setRGB(x, y, x < 2 ? 0xff0000 : 0x0000ff);
      }
    }
    write(halves, "png", dir.resolve("c.png"));
    Files.writeString(dir.resolve("notes.txt"), "ignored");

    Shape shape = new Shape(3, 2, 4);
    try (Images.Source source = Images.open(dir, shape, 10)) {
      assertThat(source.count()).isEqualTo(3);
      assertThat(source.describe()).contains("3 of 3");

      Tensor a = source.next();
      assertThat(a.shape()).isEqualTo(shape);
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 4; x++) {
          assertThat(a.get(0, y, x)).isEqualTo(1f);
          assertThat(a.get(1, y, x)).isEqualTo(0x33 / 255f);
          assertThat(a.get(2, y, x)).isEqualTo(0f);
        }
      }
      assertThat(source.lastLabel()).isEqualTo(-1);

      Tensor b = source.next();
      float[] expected = {0f, 0.25f, 0.75f, 1f};
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 2; y++) {
          for (int x = 0; x < 4; x++) {
            assertThat(b.get(c, y, x)).isCloseTo(expected[x], within(1e-6f));
          }
        }
      }

      Tensor c = source.next();
      assertThat(c.get(0, 0, 1)).isEqualTo(1f); // red columns survive at x=0..1
      assertThat(c.get(2, 1, 0)).isEqualTo(0f);
      assertThat(c.get(2, 0, 2)).isEqualTo(1f); // blue at x=2..3
      assertThat(c.get(0, 1, 3)).isEqualTo(0f);
    }

    try (Images.Source source = Images.open(dir, new Shape(3, 1, 2), 1)) {
      assertThat(source.count()).isEqualTo(1);
      source.next(); // A.PNG
    }
    try (Images.Source source = Images.open(dir, new Shape(3, 1, 2), 3)) {
      source.next();
      source.next();
      Tensor c = source.next(); // 4x2 -> 2x1: each output averages exactly one colour
      assertThat(c.data()).containsExactly(1f, 0f, 0f, 0f, 0f, 1f);
    }
  }

  @Test
  void sameSizeCheckerboardIsIdentity() throws IOException {
    BufferedImage board = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    board.setRGB(0, 0, 0xffffff);
    board.setRGB(1, 1, 0xffffff);
    write(board, "png", dir.resolve("board.png"));
    try (Images.Source source = Images.open(dir, new Shape(3, 2, 2), 1)) {
      Tensor t = source.next();
      for (int c = 0; c < 3; c++) {
        assertThat(new float[] {t.get(c, 0, 0), t.get(c, 0, 1), t.get(c, 1, 0), t.get(c, 1, 1)})
            .containsExactly(1f, 0f, 0f, 1f);
      }
    }
  }

  @Test
  void grayscaleGivesThreeEqualChannels() throws IOException {
    BufferedImage gray = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(0, 0, 0, 128);
    gray.getRaster().setSample(2, 1, 0, 255);
    write(gray, "png", dir.resolve("gray.png"));
    try (Images.Source source = Images.open(dir, new Shape(3, 2, 3), 1)) {
      Tensor t = source.next();
      for (int c = 0; c < 3; c++) {
        assertThat(t.get(c, 0, 0)).isEqualTo(128 / 255f);
        assertThat(t.get(c, 1, 2)).isEqualTo(1f);
        assertThat(t.get(c, 0, 1)).isEqualTo(0f);
      }
    }
  }

  @Test
  void readsJpegApproximately() throws IOException {
    BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        image.setRGB(x, y, 0x3366cc);
      }
    }
    write(image, "jpg", dir.resolve("photo.JPEG"));
    try (Images.Source source = Images.open(dir, new Shape(3, 8, 8), 1)) {
      Tensor t = source.next();
      assertThat(t.get(0, 4, 4)).isCloseTo(0x33 / 255f, within(0.03f));
      assertThat(t.get(1, 4, 4)).isCloseTo(0x66 / 255f, within(0.03f));
      assertThat(t.get(2, 4, 4)).isCloseTo(0xcc / 255f, within(0.03f));
    }
  }

  @Test
  void undecodableFileFailsWhenReached() throws IOException {
    Path bad = dir.resolve("bad.png");
    Files.writeString(bad, "this is not an image");
    try (Images.Source source = Images.open(dir, CIFAR, 1)) {
      assertThat(source.count()).isEqualTo(1);
      assertThatThrownBy(source::next)
          .isInstanceOf(IOException.class)
          .hasMessage("cannot read image " + bad + ": not a PNG or JPEG file ImageIO can decode");
    }
  }

  @Test
  void rejectsEmptyFolderAndNonRgbNetworks() throws IOException {
    Files.writeString(dir.resolve("readme.txt"), "no images");
    assertThatThrownBy(() -> Images.open(dir, CIFAR, 1))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("folder " + dir + " has no PNG or JPEG files");

    write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("x.png"));
    assertThatThrownBy(() -> Images.open(dir, new Shape(1, 28, 28), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1x28x28")
        .hasMessageNotContaining("\n");
  }

  @Test
  void syntheticIsDeterministicPerSeedAndIndex() {
    Shape shape = new Shape(3, 4, 5);
    Tensor a0;
    Tensor a1;
    try (Images.Source a = Images.synthetic(shape, 42, 2)) {
      assertThat(a.count()).isEqualTo(2);
      a0 = nextUnchecked(a);
      a1 = nextUnchecked(a);
    }
    try (Images.Source b = Images.synthetic(shape, 42, 5)) {
      assertThat(nextUnchecked(b).data()).containsExactly(a0.data());
      assertThat(nextUnchecked(b).data()).containsExactly(a1.data());
    }
    assertThat(a1.data()).isNotEqualTo(a0.data());
    try (Images.Source c = Images.synthetic(shape, 43, 1)) {
      assertThat(nextUnchecked(c).data()).isNotEqualTo(a0.data());
    }
    assertThat(a0.shape()).isEqualTo(shape);
    for (float v : a0.data()) {
      assertThat(v).isGreaterThanOrEqualTo(0f).isLessThan(1f);
    }
  }

  private static Tensor nextUnchecked(Images.Source source) {
    try {
      return source.next();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A valid PNG, 8-bit gray, all black, of any size: rows of zeros, deflated as they are written. */
  static void blackPng(Path file, int width, int height) throws IOException {
    java.io.ByteArrayOutputStream idat = new java.io.ByteArrayOutputStream();
    try (var z = new java.util.zip.DeflaterOutputStream(idat, new java.util.zip.Deflater(9))) {
      byte[] row = new byte[1 + width]; // filter byte 0, then the samples
      for (int y = 0; y < height; y++) {
        z.write(row);
      }
    }
    java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height)
        .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
    try (var out = new java.io.DataOutputStream(Files.newOutputStream(file))) {
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
      chunk(out, "IHDR", ihdr.array());
      chunk(out, "IDAT", idat.toByteArray());
      chunk(out, "IEND", new byte[0]);
    }
  }

  private static void chunk(java.io.DataOutputStream out, String type, byte[] data) throws IOException {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    crc.update(data);
    out.writeInt(data.length);
    out.writeBytes(type);
    out.write(data);
    out.writeInt((int) crc.getValue());
  }

  @Test
  void aValidImageOverThePixelLimitIsCalledTooLargeNotUnreadable() throws IOException {
    Path small = dir.resolve("small.png");
    blackPng(small, 5, 3);
    assertThat(Images.readRgb(small).shape()).isEqualTo(new Shape(3, 3, 5));
    Path huge = dir.resolve("huge.png");
    blackPng(huge, 30000, 30000);
    assertThatThrownBy(() -> Images.readRgb(huge)).isInstanceOf(IOException.class)
        .hasMessage("image " + huge + " is 30000x30000, 900,000,000 pixels, over the limit of 16,777,216; shrink it,"
            + " or raise the limit with FIVEPP_JAVA_OPTS=-Dfivepp.max-image-pixels=N (and the heap: 16 bytes a pixel)");
  }
}
