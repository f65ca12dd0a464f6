package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** docs/energy.md: map and compare report energy per image, link power and area; --energy FILE. */
class EnergyCommandTest {
  @TempDir Path dir;

  private static JsonNode json(MainTest.Result r) throws Exception {
    assertThat(r.status()).as(r.err()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  private static double parts(JsonNode j) {
    return j.get("coreEnergyPerImageJoules").asDouble() + j.get("digitalEnergyPerImageJoules").asDouble()
        + j.get("lineBufferEnergyPerImageJoules").asDouble() + j.get("linkEnergyPerImageJoules").asDouble();
  }

  @Test
  void mapReportsEnergyAsTheSumOfItsPartsAndLinksCostLessOn5ppThanOnTheMesh() throws Exception {
    JsonNode kpp = json(MainTest.run("map", "--model", "resnet32", "--input", "256x256", "--fabric", "5pp",
        "--svg", "none", "--format", "json"));
    JsonNode mesh = json(MainTest.run("map", "--model", "resnet32", "--input", "256x256", "--fabric", "mesh",
        "--svg", "none", "--format", "json"));
    for (JsonNode j : new JsonNode[] {kpp, mesh}) {
      assertThat(j.get("energyPerImageJoules").asDouble()).isCloseTo(parts(j), within(1e-15));
      assertThat(j.get("linkPowerWatts").asDouble()).isCloseTo(
          j.get("linkEnergyPerImageJoules").asDouble() * j.get("imagesPerSecondBound").asDouble(), within(1e-12));
    }
    assertThat(kpp.get("linkEnergyPerImageJoules").asDouble()).isCloseTo(158.2e-6, within(0.1e-6));
    assertThat(mesh.get("linkEnergyPerImageJoules").asDouble()).isCloseTo(195.3e-6, within(0.1e-6));
    assertThat(kpp.get("areaMm2").asDouble()).isCloseTo(37.2, within(1e-9));
    assertThat(kpp.get("chipLayout").asText()).isEqualTo("serpentine of the linear order, 8 cells wide");
  }

  @Test
  void runCountsTheEnergyTheMappingPredictsAndScalesItWithTheImages() throws Exception {
    JsonNode map = json(MainTest.run("map", "--model", "resnet20", "--fabric", "5pp", "--svg", "none",
        "--format", "json"));
    JsonNode run = json(MainTest.run("run", "--model", "resnet20", "--fabric", "5pp", "--images", "3",
        "--check", "0", "--format", "json"));
    double perImage = map.get("energyPerImageJoules").asDouble();
    assertThat(perImage).isCloseTo(7.663e-6, within(0.001e-6));
    // the run's counted MVMs and channel bytes give the model's figure, part by part
    assertThat(run.get("energyPerImageJoules").asDouble()).isCloseTo(perImage, within(perImage * 1e-12));
    assertThat(run.get("linkEnergyPerImageJoules").asDouble())
        .isCloseTo(map.get("linkEnergyPerImageJoules").asDouble(), within(perImage * 1e-12));
    JsonNode parts = run.get("energyPerImage");
    assertThat(parts.get("coreJoules").asDouble() + parts.get("digitalJoules").asDouble()
        + parts.get("lineBufferJoules").asDouble() + parts.get("linkJoules").asDouble())
        .isCloseTo(perImage, within(perImage * 1e-12));
    MainTest.Result table = MainTest.run("run", "--model", "resnet20", "--fabric", "5pp", "--images", "2", "--check", "0");
    assertThat(table.out()).contains("energy:       7.663 uJ per image as counted: cores 4.027,");
  }

  @Test
  void mapPrintsTheEnergyLines() {
    MainTest.Result r = MainTest.run("map", "--model", "resnet32", "--input", "256x256", "--svg", "none");
    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("energy per image 821.0 uJ: cores 428.6, digital 5.787, line buffers 228.4, links 158.2 uJ")
        .contains("area 37.20 mm2 (0.62 mm2 a core, pitch 0.787 mm)");
  }

  @Test
  void compareGivesEveryRowItsEnergyInJsonAndCsv() throws Exception {
    JsonNode rows = json(MainTest.run("compare", "--models", "resnet20", "--fabrics", "5pp,mesh",
        "--format", "json")).get(0).get("rows");
    assertThat(rows).hasSize(2);
    for (JsonNode row : rows) {
      assertThat(row.get("energyPerImageJoules").asDouble()).isPositive().isCloseTo(parts(row), within(1e-15));
    }
    assertThat(rows.get(0).get("linkEnergyPerImageJoules").asDouble())
        .isLessThan(rows.get(1).get("linkEnergyPerImageJoules").asDouble());
    MainTest.Result csv = MainTest.run("compare", "--models", "resnet20", "--fabrics", "5pp", "--format", "csv");
    assertThat(csv.out().lines().findFirst().orElseThrow())
        .endsWith(",energyPerImageJoules,linkEnergyPerImageJoules,linkPowerWatts,topsPerWatt,areaMm2");
  }

  @Test
  void aCompleteFileOfTheUsersIsUsed() throws Exception {
    String defaults = new String(getClass().getClassLoader().getResourceAsStream("energy.conf").readAllBytes(),
        StandardCharsets.UTF_8);
    Path f = Files.writeString(dir.resolve("e.conf"), defaults.replace("core.area-mm2 = 0.62", "core.area-mm2 = 4"));
    JsonNode j = json(MainTest.run("map", "--model", "resnet20", "--svg", "none", "--format", "json",
        "--energy", f.toString()));
    assertThat(j.get("coreAreaMm2").asDouble()).isEqualTo(4.0);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "missing | mvm { cell-joules = 1 } | No configuration setting found for key 'mvm.dac-joules'",
      "negative | NEGATIVE | mvm.adc-joules = -1.0: give a finite value >= 0",
      "nothocon | cell-joules = = [ | line 1: Expecting a value but got wrong token: '='",
      "text | TEXT | mvm.cell-joules"})
  void aBadEnergyFileGetsOneLineAndStatus2(String name, String content, String expected) throws Exception {
    String defaults = new String(getClass().getClassLoader().getResourceAsStream("energy.conf").readAllBytes(),
        StandardCharsets.UTF_8);
    String text = switch (content) {
      case "NEGATIVE" -> defaults.replace("adc-joules = 12.5e-12", "adc-joules = -1");
      case "TEXT" -> defaults.replace("cell-joules = 14.6e-15", "cell-joules = lots");
      default -> content;
    };
    Path f = Files.writeString(dir.resolve(name + ".conf"), text);
    for (String cmd : new String[] {"map", "compare"}) {
      MainTest.Result r = cmd.equals("map")
          ? MainTest.run("map", "--model", "resnet20", "--svg", "none", "--energy", f.toString())
          : MainTest.run("compare", "--models", "resnet20", "--energy", f.toString());
      MainTest.assertBadInput(r, expected);
      assertThat(r.err()).contains(name + ".conf");
    }
  }
}
