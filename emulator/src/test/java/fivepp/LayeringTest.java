package fivepp;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packages' dependencies point one way (design.md, "Layout"):
 * {@code cli} -> {@code cluster}, {@code monitor} -> {@code stress}, {@code runtime} ->
 * {@code mapping} -> {@code fabric}, {@code model}. A package may use those in the tiers below
 * it and its peers in its own tier, never one above: {@code model} does not know the runtime,
 * and running (an ONNX conformance case, say) belongs above it. Checked on the compiled classes,
 * so a fully qualified name counts as much as an import.
 */
class LayeringTest {
  /** Lowest first; each tier's packages, subpackages included. */
  static final List<List<String>> TIERS = List.of(
      List.of("fabric", "model"),
      List.of("mapping"),
      List.of("runtime", "stress"),
      List.of("cluster", "monitor"),
      List.of("cli"));

  static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages("fivepp");
  }

  static Stream<String> packagesBelowTheTop() {
    return TIERS.subList(0, TIERS.size() - 1).stream().flatMap(List::stream);
  }

  @ParameterizedTest(name = "fivepp.{0} uses no package above it")
  @MethodSource("packagesBelowTheTop")
  void aPackageUsesNoneAboveIt(String pkg) {
    noClasses().that().resideInAPackage("fivepp." + pkg + "..")
        .should().dependOnClassesThat().resideInAnyPackage(above(pkg))
        .because("dependencies point down the tiers " + TIERS)
        .check(classes);
  }

  @Test
  void thePureLayersKnowNothingOfActors() {
    noClasses().that().resideInAnyPackage("fivepp.fabric..", "fivepp.model..", "fivepp.mapping..")
        .should().dependOnClassesThat().resideInAPackage("org.apache.pekko..")
        .because("fabric, model and mapping are plain Java, unit-tested without actors")
        .check(classes);
  }

  /** The packages of every tier above {@code pkg}'s, as ArchUnit package patterns. */
  static String[] above(String pkg) {
    int tier = -1;
    for (int i = 0; i < TIERS.size(); i++) {
      if (TIERS.get(i).contains(pkg)) {
        tier = i;
      }
    }
    List<String> out = new ArrayList<>();
    for (List<String> higher : TIERS.subList(tier + 1, TIERS.size())) {
      higher.forEach(p -> out.add("fivepp." + p + ".."));
    }
    return out.toArray(String[]::new);
  }
}
