package fivepp.fabric;

/**
 * Limits that keep work and memory bounded, each with a default and a system property that
 * changes it ({@code -Dfivepp.max-...=N}, through {@code FIVEPP_JAVA_OPTS}); docs/bad-input.md
 * lists them all. Here, because the fabric package is the one every other can use.
 */
public final class Limits {
  private Limits() {}

  /**
   * The limit {@code property} sets, if it is a whole number >= 1, else {@code dflt} when it is
   * unset.
   *
   * @throws IllegalArgumentException when the property is set to anything else
   */
  public static long of(String property, long dflt) {
    String p = System.getProperty(property);
    if (p == null) {
      return dflt;
    }
    try {
      long v = Long.parseLong(p.trim());
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("-D" + property + "=" + p + ": give a whole number >= 1");
  }

  /** {@link #of} for a limit on a count held in an int. */
  public static int ofInt(String property, int dflt) {
    return (int) Math.min(Integer.MAX_VALUE, of(property, dflt));
  }
}
