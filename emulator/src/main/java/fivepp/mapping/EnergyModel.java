package fivepp.mapping;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The energy and area parameters of a CM array (docs/energy.md), read from HOCON: the defaults in
 * the resource {@code energy.conf}, or a user's file that gives every key.
 *
 * @param cellJoules per crossbar device used by one MVM (8-bit input)
 * @param dacJoules per row driven by one MVM
 * @param adcJoules per column converted by one MVM (8-bit output)
 * @param addJoules per add in a digital unit (partial sums, residuals)
 * @param activationJoules per output value scaled and activated
 * @param poolJoules per value entering a pooling window
 * @param lineBufferByteJoules per byte written to or read from a line buffer
 * @param wireJoulesPerBitMm per bit and millimetre of link wire
 * @param hopJoulesPerBit per bit and hop (the buffer at the hop's end)
 * @param coreAreaMm2 area of one core; the grid pitch is its square root
 */
public record EnergyModel(
    double cellJoules,
    double dacJoules,
    double adcJoules,
    double addJoules,
    double activationJoules,
    double poolJoules,
    double lineBufferByteJoules,
    double wireJoulesPerBitMm,
    double hopJoulesPerBit,
    double coreAreaMm2) {

  /** The resource holding the defaults. */
  public static final String RESOURCE = "energy.conf";

  public EnergyModel {
    double[] all = {cellJoules, dacJoules, adcJoules, addJoules, activationJoules, poolJoules,
        lineBufferByteJoules, wireJoulesPerBitMm, hopJoulesPerBit, coreAreaMm2};
    for (double v : all) {
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("energy parameters must be finite and >= 0, got " + v);
      }
    }
    if (!(coreAreaMm2 > 0)) {
      throw new IllegalArgumentException("core.area-mm2 must be > 0, got " + coreAreaMm2);
    }
  }

  /** The side of one core, in millimetres: the pitch of the grid the cores sit on. */
  public double pitchMm() {
    return Math.sqrt(coreAreaMm2);
  }

  /** Energy of one MVM on a tile of {@code rows} x {@code cols}: R*C*cell + R*dac + C*adc. */
  public double mvmJoules(int rows, int cols) {
    return (double) rows * cols * cellJoules + rows * dacJoules + cols * adcJoules;
  }

  /** The defaults, from the resource {@value #RESOURCE}. */
  public static EnergyModel defaults() {
    return of(ConfigFactory.parseResources(EnergyModel.class.getClassLoader(), RESOURCE,
        ConfigParseOptions.defaults().setAllowMissing(false)));
  }

  /**
   * Reads a user's file, which must give every key.
   *
   * @throws IllegalArgumentException with one line naming the file and what is wrong
   */
  public static EnergyModel read(Path file) {
    String what = "energy file " + file + ": ";
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(what + (Files.isDirectory(file)
          ? "a folder, not a file; give the HOCON file itself" : "no such file"));
    }
    try {
      return of(ConfigFactory.parseFile(file.toFile(),
          ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false)));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(what + problem(e)
          + (e instanceof ConfigException.Missing ? "; give every key of the defaults (docs/energy.md)" : ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + e.getMessage());
    }
  }

  /** The parameters in {@code c}; a missing key or a value that is not a number is a ConfigException. */
  public static EnergyModel of(Config c) {
    return new EnergyModel(
        nonNegative(c, "mvm.cell-joules"),
        nonNegative(c, "mvm.dac-joules"),
        nonNegative(c, "mvm.adc-joules"),
        nonNegative(c, "digital.add-joules"),
        nonNegative(c, "digital.activation-joules"),
        nonNegative(c, "digital.pool-joules"),
        nonNegative(c, "line-buffer.byte-joules"),
        nonNegative(c, "link.wire-joules-per-bit-mm"),
        nonNegative(c, "link.hop-joules-per-bit"),
        nonNegative(c, "core.area-mm2"));
  }

  private static double nonNegative(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(key + " = " + v + ": give a finite value >= 0");
    }
    return v;
  }

  /**
   * What Typesafe Config found wrong, on one printable line: its line number rather than the file's
   * name again, without its hint about .properties files, and nothing of the file's own bytes that
   * would not print.
   */
  static String problem(ConfigException e) {
    String s = e.getMessage() == null ? "not readable as HOCON" : e.getMessage();
    if (e.origin() != null && s.startsWith(e.origin().description() + ": ")) {
      s = s.substring(e.origin().description().length() + 2);
      s = e.origin().lineNumber() > 0 && !(e instanceof ConfigException.Missing)
          ? "line " + e.origin().lineNumber() + ": " + s : s;
    }
    int hint = s.indexOf(" (if you intended");
    s = hint < 0 ? s : s.substring(0, hint);
    return s.replaceAll("\\s*\\R\\s*", " ").replaceAll("[^\\p{Print}]", "?").strip();
  }
}
