package fivepp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import fivepp.mapping.CoreGraph;
import fivepp.mapping.Crossbar;
import fivepp.mapping.Flow;
import fivepp.mapping.Tiling;
import fivepp.model.LayerWeights;
import fivepp.model.Network;
import fivepp.model.NetworkBuilder;
import fivepp.model.Shape;
import fivepp.model.Weights;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * One core's engine, driven as {@link CoreActor} drives it: {@code receive} what arrives, then
 * {@code flush}. Virtual times use t_mvm = 1 s so that they read as MVM counts.
 */
class CoreEngineTest {

  /** What an engine handed on: a row (or pixel) for a consumer, or for the coordinator. */
  record Sent(CorePlan.Send send, int image, int row, int col, int count, float[] values, double ready) {}

  static final class Record implements CoreEngine.Out {
    final List<Sent> sent = new ArrayList<>();
    final List<Sent> sunk = new ArrayList<>();

    @Override
    public void send(CorePlan.Send send, int image, int row, int col, int count, float[] values, double ready) {
      sent.add(new Sent(send, image, row, col, count, values.clone(), ready));
    }

    @Override
    public void sink(int image, int row, int count, float[] values, double ready) {
      sunk.add(new Sent(null, image, row, 0, count, values.clone(), ready));
    }
  }

  // ---- one 3x3 conv on a 1 x 3 x 3 image: every output is its 3x3 neighbourhood's sum + 0.5

  private static List<CorePlan> plans(Network net, Weights w, Crossbar crossbar) {
    CoreGraph g = CoreGraph.of(net, Tiling.DEFAULT.withCrossbar(crossbar));
    // core i at vertex i; routes are not used by the engine
    return CorePlan.of(g, w, IntStream.range(0, g.cores().size()).toArray(), (a, b) -> new int[] {a, b});
  }

  private static CorePlan boxSum() {
    NetworkBuilder b = new NetworkBuilder("box", "3x3 box sum", new Shape(1, 3, 3));
    b.conv("c", 1, 3, 1, 1).bias(true).add();
    Network net = b.build();
    float[] ones = new float[9];
    Arrays.fill(ones, 1f);
    Weights w = Weights.of(net, Map.of("c", new LayerWeights(ones, new float[] {0.5f}, null, null)));
    return plans(net, w, Crossbar.DEFAULT).get(0);
  }

  /** Row y of the image 1 2 3 / 4 5 6 / 7 8 9. */
  private static float[] row(int y) {
    return new float[] {3 * y + 1, 3 * y + 2, 3 * y + 3};
  }

  private static final float[][] BOX = {{12.5f, 21.5f, 16.5f}, {27.5f, 45.5f, 33.5f}, {24.5f, 39.5f, 28.5f}};

  @Test
  void aRowGoesOutOnceItsWholeWindowHasArrivedInRasterOrder() {
    CorePlan plan = boxSum();
    assertThat(plan.sink).isTrue();
    Record out = new Record();
    CoreEngine e = new CoreEngine(plan, 1.0, false, out);
    // out of order: row 2, then 1, then 0
    e.receive(0, 0, 2, 0, 3, row(2), 20);
    e.flush();
    e.receive(0, 0, 1, 0, 3, row(1), 10);
    e.flush();
    // output row 0 reads input rows 0 and 1; nothing can go before input row 0
    assertThat(out.sunk).isEmpty();
    assertThat(e.mvms()).isZero();
    e.receive(0, 0, 0, 0, 3, row(0), 0);
    e.flush();
    assertThat(out.sunk).extracting(Sent::row).containsExactly(0, 1, 2);
    for (int y = 0; y < 3; y++) {
      assertThat(out.sunk.get(y).count()).isEqualTo(3);
      assertThat(out.sunk.get(y).values()).containsExactly(BOX[y]);
    }
    // one MVM per pixel once the window is ready: row 0's window (rows 0, 1) at 10: MVMs end at
    // 11, 12, 13; row 1's (rows 0..2) at 20: 21..23; row 2's at 20, but the core is busy till 23
    assertThat(out.sunk).extracting(Sent::ready).containsExactly(13.0, 23.0, 26.0);
    assertThat(e.mvms()).isEqualTo(9);
    assertThat(e.virtualTime()).isEqualTo(26.0);
    assertThat(e.virtualBusy()).isEqualTo(9.0);
  }

  @Test
  void aLaterImageWaitsForTheEarlierOneAndItsClockRunsOn() {
    Record out = new Record();
    CoreEngine e = new CoreEngine(boxSum(), 1.0, false, out);
    for (int y = 0; y < 3; y++) {
      e.receive(1, 0, y, 0, 3, row(y), 0);
    }
    e.flush();
    // image 1 is complete, but image 0 comes first
    assertThat(out.sunk).isEmpty();
    for (int y = 0; y < 3; y++) {
      e.receive(0, 0, y, 0, 3, new float[] {1, 1, 1}, 0);
    }
    e.flush();
    assertThat(out.sunk).extracting(s -> s.image() + "/" + s.row())
        .containsExactly("0/0", "0/1", "0/2", "1/0", "1/1", "1/2");
    // image 0 is all ones: corners see 4, edges 6, the centre 9
    assertThat(out.sunk.get(1).values()).containsExactly(6.5f, 9.5f, 6.5f);
    assertThat(out.sunk.get(4).values()).containsExactly(BOX[1]);
    // everything ready at 0: three MVMs a row, the six rows one after the other
    assertThat(out.sunk).extracting(Sent::ready).containsExactly(3.0, 6.0, 9.0, 12.0, 15.0, 18.0);
    assertThat(e.maxImagesHeld()).isEqualTo(2);
  }

  @Test
  void aRowInPiecesIsCompleteWithItsLastPieceAndEachPixelWaitsForItsOwnWindow() {
    Record out = new Record();
    CoreEngine e = new CoreEngine(boxSum(), 1.0, false, out);
    // row 0 in two pieces: columns 0..1 at time 0, column 2 at time 5
    e.receive(0, 0, 0, 0, 2, new float[] {1, 2}, 0);
    e.receive(0, 0, 1, 0, 3, row(1), 0);
    e.receive(0, 0, 2, 0, 3, row(2), 0);
    e.flush();
    assertThat(out.sunk).isEmpty();
    e.receive(0, 0, 0, 2, 1, new float[] {3}, 5);
    e.flush();
    assertThat(out.sunk).hasSize(3);
    assertThat(out.sunk.get(0).values()).containsExactly(BOX[0]);
    // row 0: pixel 0's window (columns 0, 1) is ready at 0: ends at 1; pixels 1 and 2 read column
    // 2, ready at 5: they end at 6 and 7. Row 1: pixel 0 at 8, pixels 1, 2 at 9, 10
    assertThat(out.sunk.get(0).ready()).isEqualTo(7.0);
    assertThat(out.sunk.get(1).ready()).isEqualTo(10.0);
    assertThat(e.virtualTime()).isEqualTo(13.0);
  }

  @Test
  void startAtSkipsTheImagesARebuiltArrayNeverRedoes() {
    Record out = new Record();
    CoreEngine e = new CoreEngine(boxSum(), 1.0, false, out);
    e.startAt(5);
    for (int y = 0; y < 3; y++) {
      e.receive(5, 0, y, 0, 3, row(y), 0);
    }
    e.flush();
    assertThat(out.sunk).extracting(Sent::image).containsExactly(5, 5, 5);
    assertThat(out.sunk.get(2).values()).containsExactly(BOX[2]);
  }

  // ---- small networks through engines wired by hand, against the reference inference

  /** Image {@code i} into the engines that read the image (engine k plans core k, at vertex k), at time 0. */
  private static void inject(List<CorePlan> plans, List<CoreEngine> engines, boolean pixels, int i, Tensor image) {
    ImageSlicer slicer = new ImageSlicer(plans, IntStream.range(0, plans.size()).toArray(), pixels);
    for (ImageSlicer.Slice s : slicer.slice(i, image, 0)) {
      for (CoreActor.Data d : s.messages()) {
        engines.get(s.vertex()).receive(d.image(), d.port(), d.row(), d.col(), d.count(), d.values(), d.ready());
      }
    }
  }

  /** What core 0's engine sends and sinks once it has been given {@code image} and flushed. */
  private static Record firstCoreAlone(List<CorePlan> plans, boolean pixels, Tensor image) {
    Record out = new Record();
    CoreEngine e = new CoreEngine(plans.get(0), 1.0, pixels, out);
    inject(plans.subList(0, 1), List.of(e), pixels, 0, image);
    e.flush();
    return out;
  }

  /** Every engine of {@code plans}, core i at vertex i, sends delivered at once: the sink's rows. */
  private static Record pipeline(List<CorePlan> plans, boolean pixels, Tensor... images) {
    Record sink = new Record();
    ArrayDeque<Sent> wire = new ArrayDeque<>();
    List<CoreEngine> engines = new ArrayList<>();
    for (CorePlan p : plans) {
      engines.add(new CoreEngine(p, 1.0, pixels, new CoreEngine.Out() {
        @Override
        public void send(CorePlan.Send s, int image, int row, int col, int count, float[] values, double ready) {
          wire.add(new Sent(s, image, row, col, count, values, ready));
        }

        @Override
        public void sink(int image, int row, int count, float[] values, double ready) {
          sink.sink(image, row, count, values, ready);
        }
      }));
    }
    for (int i = 0; i < images.length; i++) {
      inject(plans, engines, pixels, i, images[i]);
    }
    do {
      while (!wire.isEmpty()) {
        Sent d = wire.poll();
        engines.get(d.send().to()).receive(d.image(), d.send().port(), d.row(), d.col(), d.count(), d.values(), d.ready());
      }
      engines.forEach(CoreEngine::flush);
    } while (!wire.isEmpty());
    return sink;
  }

  /** Rows of one image as the sink got them, put back into a tensor of {@code shape}. */
  private static Tensor assemble(List<Sent> rows, int image, Shape shape) {
    Tensor t = Tensor.zeros(shape);
    for (Sent r : rows) {
      if (r.image() == image) {
        for (int c = 0; c < shape.channels(); c++) {
          for (int x = 0; x < r.count(); x++) {
            t.set(c, r.row(), x, r.values()[c * r.count() + x]);
          }
        }
      }
    }
    return t;
  }

  private static void assertClose(Tensor actual, Tensor expected) {
    assertThat(actual.shape()).isEqualTo(expected.shape());
    for (int i = 0; i < expected.data().length; i++) {
      assertThat(actual.data()[i]).as("value %d", i).isCloseTo(expected.data()[i], within(1e-4f));
    }
  }

  /**
   * conv a (2 -> 3 channels, ReLU) on a 2 x 4 x 5 image, then conv b (3 -> 2): on 9-row crossbars
   * each row tile holds one input channel's 3x3 kernel, so a has two row tiles and b three.
   */
  private static Network twoConvs() {
    NetworkBuilder b = new NetworkBuilder("two", "two convs", new Shape(2, 4, 5));
    b.conv("a", 3, 3, 1, 1).bias(true).relu().add();
    b.conv("b", 2, 3, 1, 1).bias(true).add();
    return b.build();
  }

  @Test
  void rowTilesChainTheirPartialSumsToTheAccumulator() throws Exception {
    Network net = twoConvs();
    Weights w = Weights.he(net, 3);
    List<CorePlan> plans = plans(net, w, new Crossbar(9, 256));
    assertThat(plans).extracting(p -> p.layer.name() + p.core.rowTile()).containsExactly("a0", "a1", "b0", "b1", "b2");
    Tensor image = Images.synthetic(net.input(), 7, 1).next();

    // a's first tile alone: its rows are channel 0's kernel, so it sends channel 0's share of
    // a's sums, before bias and ReLU, as 16-bit partial sums to the second tile
    Record first = firstCoreAlone(plans, false, image);
    assertThat(first.sent).hasSize(4);
    Sent psum = first.sent.get(1);
    assertThat(psum.send().kind()).isEqualTo(Flow.Kind.PARTIAL_SUM);
    assertThat(psum.send().to()).isEqualTo(1);
    assertThat(psum.row()).isEqualTo(1);
    assertThat(psum.count()).isEqualTo(5);
    assertThat(psum.values()).hasSize(3 * 5);
    // output channel 2, pixel (1, 3): sum over ky, kx of W[2][0][ky][kx] * image[0][ky][2 + kx]
    float[] wa = w.of("a").weights();
    float expected = 0;
    for (int ky = 0; ky < 3; ky++) {
      for (int kx = 0; kx < 3; kx++) {
        expected += wa[2 * 18 + ky * 3 + kx] * image.get(0, ky, 2 + kx);
      }
    }
    assertThat(psum.values()[2 * 5 + 3]).isCloseTo(expected, within(1e-5f));

    // the whole array computes what the reference does
    Record out = pipeline(plans, false, image);
    assertThat(out.sunk).extracting(Sent::row).containsExactly(0, 1, 2, 3);
    assertClose(assemble(out.sunk, 0, new Shape(2, 4, 5)), Reference.run(net, w, image, "b"));
  }

  @Test
  void pixelGranularitySendsEveryPixelOnItsOwn() throws Exception {
    Network net = twoConvs();
    Weights w = Weights.he(net, 3);
    List<CorePlan> plans = plans(net, w, Crossbar.DEFAULT);
    Tensor image = Images.synthetic(net.input(), 7, 1).next();
    Record out = firstCoreAlone(plans, true, image);
    // 4 x 5 pixels of a's 3 channels, each alone, to b's core
    assertThat(out.sent).hasSize(20);
    Tensor ref = Reference.run(net, w, image, "a");
    Sent px = out.sent.get(5 + 3);
    assertThat(List.of(px.row(), px.col(), px.count(), px.send().to())).containsExactly(1, 3, 1, 1);
    assertThat(px.values()[0]).isCloseTo(ref.get(0, 1, 3), within(1e-5f));
    assertThat(px.values()[2]).isCloseTo(ref.get(2, 1, 3), within(1e-5f));
    // row 1 pixel 3 is the 9th MVM, its window ready at 0
    assertThat(px.ready()).isEqualTo(9.0);

    // the whole array at pixel granularity, two images; the sink still gets whole rows
    Tensor second = Images.synthetic(net.input(), 8, 1).next();
    Record all = pipeline(plans, true, image, second);
    assertThat(all.sunk).extracting(Sent::image).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
    assertClose(assemble(all.sunk, 0, new Shape(2, 4, 5)), Reference.run(net, w, image, "b"));
    assertClose(assemble(all.sunk, 1, new Shape(2, 4, 5)), Reference.run(net, w, second, "b"));
  }

  @Test
  void aStrideTwoShortcutIsSubsampledAndAddedBeforeTheActivation() throws Exception {
    // option A: a's 2 channels, every second row and column, onto b's channels 0..1 of 4
    NetworkBuilder nb = new NetworkBuilder("short", "stride-2 shortcut", new Shape(2, 6, 6));
    String a = nb.conv("a", 2, 3, 1, 1).bias(true).relu().add();
    nb.conv("b", 4, 3, 2, 1).bias(true).residual(a, 2).relu().add();
    Network net = nb.build();
    Weights w = Weights.he(net, 5);
    List<CorePlan> plans = plans(net, w, Crossbar.DEFAULT);
    Tensor image = Images.synthetic(net.input(), 9, 1).next();
    Record out = pipeline(plans, false, image);
    assertThat(out.sunk).extracting(Sent::row).containsExactly(0, 1, 2);
    assertClose(assemble(out.sunk, 0, new Shape(4, 3, 3)), Reference.run(net, w, image, "b"));
  }
}
