package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import fivepp.fabric.Fabrics;
import fivepp.mapping.Crossbar;
import fivepp.mapping.Mapping;
import fivepp.mapping.Tiling;
import fivepp.model.Network;
import fivepp.model.NetworkBuilder;
import fivepp.model.Shape;
import fivepp.model.Zoo;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class PlacementSvgTest {

  private static Mapping map(Network net, Crossbar crossbar, String fabric) {
    return Mapping.of(net, Tiling.DEFAULT.withCrossbar(crossbar), n -> Fabrics.parse(fabric, n),
        100e-9);
  }

  private static Mapping resnet32(Crossbar crossbar, String fabric) {
    return map(Zoo.get("resnet32"), crossbar, fabric);
  }

  private static Document parse(String svg) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<Element> elements(Document d, String tag, Predicate<Element> p) {
    List<Element> out = new ArrayList<>();
    NodeList all = d.getElementsByTagName(tag);
    for (int i = 0; i < all.getLength(); i++) {
      Element e = (Element) all.item(i);
      if (p.test(e)) {
        out.add(e);
      }
    }
    return out;
  }

  private static List<Element> cores(Document d) {
    return elements(d, "circle", e -> e.getAttribute("class").equals("core"));
  }

  private static List<Element> flows(Document d) {
    return elements(d, "path", e -> e.getAttribute("class").equals("flow"));
  }

  private static Element coreOnVertex(Document d, int v) {
    List<Element> on = elements(d, "circle", e -> e.getAttribute("class").equals("core")
        && e.getAttribute("data-vertex").equals(String.valueOf(v)));
    assertThat(on).hasSize(1);
    return on.get(0);
  }

  private static double attr(Element e, String name) {
    return Double.parseDouble(e.getAttribute(name));
  }

  @Test
  void resnet32AtLayerGranularityOn5ppDrawsEveryCoreAndFlowOnce() throws Exception {
    Mapping m = resnet32(Crossbar.LAYER, "5pp");
    Document d = parse(PlacementSvg.render(m));

    assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
    assertThat(d.getDocumentElement().getAttribute("viewBox")).startsWith("0 0 ");
    // ResNet-32 has 6n+2 = 32 weight layers (paper.md C), so 32 cores at layer granularity.
    assertThat(cores(d)).hasSize(32);
    assertThat(cores(d)).extracting(e -> e.getAttribute("data-core"))
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 32).mapToObj(String::valueOf).toList());
    assertThat(flows(d)).hasSize(m.graph().flows().size());
    assertThat(flows(d)).allMatch(e -> e.getAttribute("data-single-hop").equals("true"));
    assertThat(d.getDocumentElement().getTextContent())
        .contains("resnet32", "single-hop: yes", m.fabric().describe(),
            "max channel load " + m.bandwidth().maxChannelBytes() + " bytes/image",
            "activation", "partial sum", "residual", "forward");
  }

  @Test
  void coreTooltipNamesLayerTileAndVertex() throws Exception {
    Mapping m = resnet32(Crossbar.LAYER, "5pp");
    Element c = coreOnVertex(parse(PlacementSvg.render(m)), 0);
    int core = Integer.parseInt(c.getAttribute("data-core"));
    assertThat(c.getTextContent()).isEqualTo("core " + core + ": layer "
        + m.graph().cores().get(core).layer() + " (row tile 0, col group 0) @ vertex 0");
  }

  @Test
  void defaultCrossbarGivesSixtyCores() throws Exception {
    Mapping m = resnet32(Crossbar.DEFAULT, "5pp");
    Document d = parse(PlacementSvg.render(m));
    assertThat(cores(d)).hasSize(60);
    assertThat(flows(d)).hasSize(m.graph().flows().size());
  }

  @Test
  void prismVerticesFiveApartShareALateralLineLeftToRight() throws Exception {
    Document d = parse(PlacementSvg.render(resnet32(Crossbar.LAYER, "5pp")));
    Element v0 = coreOnVertex(d, 0), v5 = coreOnVertex(d, 5), v1 = coreOnVertex(d, 1);
    assertThat(attr(v5, "cy")).isEqualTo(attr(v0, "cy"));
    assertThat(attr(v5, "cx")).isGreaterThan(attr(v0, "cx"));
    assertThat(attr(v1, "cy")).isNotEqualTo(attr(v0, "cy"));
  }

  @Test
  void meshPutsVertexNineOneStepRightAndOneDownFromVertexZero() throws Exception {
    Document d = parse(PlacementSvg.render(resnet32(Crossbar.LAYER, "mesh:8x8")));
    Element v0 = coreOnVertex(d, 0), v1 = coreOnVertex(d, 1), v9 = coreOnVertex(d, 9);
    double step = attr(v1, "cx") - attr(v0, "cx");
    assertThat(step).isPositive();
    assertThat(attr(v1, "cy")).isEqualTo(attr(v0, "cy"));
    assertThat(attr(v9, "cx") - attr(v0, "cx")).isEqualTo(step);
    assertThat(attr(v9, "cy") - attr(v0, "cy")).isEqualTo(step);
  }

  @Test
  void flowsTheVerifierRejectsAreDashedRed() throws Exception {
    Mapping m = resnet32(Crossbar.LAYER, "ring");
    assertThat(m.verdict().notSingleHop()).isNotEmpty();
    Document d = parse(PlacementSvg.render(m));
    List<Element> broken = elements(d, "path", e -> e.getAttribute("class").equals("flow")
        && e.getAttribute("data-single-hop").equals("false"));
    assertThat(broken).hasSize(m.verdict().notSingleHop().size());
    assertThat(broken).allMatch(e -> e.getAttribute("stroke").equals("#d62728")
        && !e.getAttribute("stroke-dasharray").isEmpty());
    assertThat(d.getDocumentElement().getTextContent()).contains("single-hop: no");
  }

  @Test
  void textIsEscaped() throws Exception {
    NetworkBuilder b = new NetworkBuilder("a<b>&\"c'", "odd names", new Shape(3, 8, 8));
    b.conv("x&y", 8, 3, 1, 1).add();
    b.conv("<z>", 8, 3, 1, 1).add();
    Mapping m = map(b.build(), Crossbar.LAYER, "5pp");
    Document d = parse(PlacementSvg.render(m));
    assertThat(d.getDocumentElement().getTextContent()).contains("a<b>&\"c'", "x&y", "<z>");
    assertThat(cores(d)).hasSize(2);
  }

  @Test
  void manyLayersAreListedUpToFortyInTheLegend() throws Exception {
    NetworkBuilder b = new NetworkBuilder("deep", "45 layers", new Shape(3, 4, 4));
    for (int i = 0; i < 45; i++) {
      b.conv("layer" + i, 4, 1, 1, 0).add();
    }
    Document d = parse(PlacementSvg.render(map(b.build(), Crossbar.LAYER, "5pp")));
    Element legend = elements(d, "g", e -> e.getAttribute("class").equals("legend")).get(0);
    List<String> lines = new ArrayList<>();
    NodeList texts = legend.getElementsByTagName("text");
    for (int i = 0; i < texts.getLength(); i++) {
      lines.add(texts.item(i).getTextContent());
    }
    assertThat(lines).contains("layer0", "layer39", "... and 5 more").doesNotContain("layer40");
    assertThat(cores(d)).hasSize(45);
  }

  @Test
  void otherFabricsAreDrawnOnACircle() throws Exception {
    Mapping m = resnet32(Crossbar.LAYER, "hypercube");
    Document d = parse(PlacementSvg.render(m));
    assertThat(cores(d)).hasSize(32);
    assertThat(flows(d)).hasSize(m.graph().flows().size());
  }

  @Test
  void writeLeavesExactlyTheTargetFile(@TempDir Path dir) throws Exception {
    Mapping m = resnet32(Crossbar.LAYER, "5pp");
    Path file = dir.resolve("resnet32.svg");
    Files.writeString(file, "old");
    PlacementSvg.write(m, file);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.toList()).containsExactly(file);
    }
    assertThat(Files.readString(file)).isEqualTo(PlacementSvg.render(m));
  }

  @Test
  void aFailedWriteLeavesNoTempFile(@TempDir Path dir) throws Exception {
    Path busy = Files.createDirectories(dir.resolve("busy.svg"));
    Files.writeString(busy.resolve("keep"), "x");
    assertThatThrownBy(() -> PlacementSvg.write(resnet32(Crossbar.LAYER, "5pp"), busy))
        .isInstanceOf(java.io.IOException.class);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.toList()).containsExactly(busy);
    }
  }
}
