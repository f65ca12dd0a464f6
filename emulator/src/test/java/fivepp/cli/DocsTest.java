package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README and the pages under docs/ against the repository and the code: the README stays a
 * newcomer's five minutes, every relative link (and its #anchor) leads somewhere, every page is
 * reachable from the README, and every {@code fivepp} command and option and every
 * {@code deploy/} path the pages name exists.
 */
class DocsTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final int README_LIMIT = 25_000;
  /**
   * Pages the README links before they exist here: another branch creates them. A link to one
   * is checked like any other once the file is present; until then it is passed over.
   */
  static final Set<String> COMING = Set.of("docs/bad-input.md");

  static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
  static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
  static final Pattern INLINE_CODE = Pattern.compile("(`+)(.+?)\\1", Pattern.DOTALL);
  static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  static final Pattern FIVEPP = Pattern.compile("(?<![\\w.-])fivepp[ \\t]+");
  static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--?[A-Za-z][A-Za-z0-9-]*)");
  static final Pattern DEPLOY_PATH = Pattern.compile("(?<![\\w./-])deploy/[\\w.-]+(?:/[\\w.-]+)*");

  /**
   * A Markdown page: its prose (inline code blanked out), its code (fenced lines and inline code
   * spans, one entry each) and the anchors of its headings, as GitHub makes them.
   */
  record Page(Path file, String text, String prose, List<String> code, Set<String> anchors) {
    static Page read(Path file) throws IOException {
      return parse(file, Files.readString(file));
    }

    static Page parse(Path file, String text) {
      StringBuilder prose = new StringBuilder();
      StringBuilder paragraph = new StringBuilder();
      List<String> code = new ArrayList<>();
      Set<String> anchors = new LinkedHashSet<>();
      Map<String, Integer> seen = new HashMap<>();
      boolean fenced = false;
      for (String line : text.split("\n", -1)) {
        if (FENCE.matcher(line).find()) {
          fenced = !fenced;
          flush(paragraph, prose, code);
          continue;
        }
        if (fenced) {
          code.add(line);
          continue;
        }
        Matcher h = HEADING.matcher(line);
        if (h.matches()) {
          String slug = slug(h.group(1));
          int n = seen.merge(slug, 1, Integer::sum);
          anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        paragraph.append(line).append('\n');
      }
      flush(paragraph, prose, code);
      return new Page(file, text, prose.toString(), code, anchors);
    }

    /** Moves a run of prose lines to {@code prose}, its inline code spans to {@code code}. */
    private static void flush(StringBuilder paragraph, StringBuilder prose, List<String> code) {
      Matcher m = INLINE_CODE.matcher(paragraph);
      StringBuilder rest = new StringBuilder();
      while (m.find()) {
        code.add(m.group(2).replace('\n', ' ').replace("\\|", "|"));
        m.appendReplacement(rest, " ");
      }
      m.appendTail(rest);
      prose.append(rest);
      paragraph.setLength(0);
    }

    /** The relative link targets in the prose (not in code), as written. */
    List<String> links() {
      List<String> out = new ArrayList<>();
      Matcher m = LINK.matcher(prose);
      while (m.find()) {
        String target = m.group(1);
        if (!target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
          out.add(target);
        }
      }
      return out;
    }
  }

  /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
  static String slug(String heading) {
    String plain = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replace("`", "");
    return plain.toLowerCase(java.util.Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }

  static List<Page> pages(Path root) throws IOException {
    List<Page> pages = new ArrayList<>();
    pages.add(Page.read(root.resolve("README.md")));
    try (Stream<Path> s = Files.list(root.resolve("docs"))) {
      for (Path p : s.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
        pages.add(Page.read(p));
      }
    }
    return pages;
  }

  /** Every relative link that leads nowhere, or to a heading its page does not have. */
  static List<String> brokenLinks(Path root, List<Page> pages) throws IOException {
    Map<Path, Page> byFile = new HashMap<>();
    pages.forEach(p -> byFile.put(p.file().toAbsolutePath().normalize(), p));
    List<String> broken = new ArrayList<>();
    for (Page page : pages) {
      for (String link : page.links()) {
        int hash = link.indexOf('#');
        String path = hash < 0 ? link : link.substring(0, hash);
        String anchor = hash < 0 ? null : link.substring(hash + 1);
        Path target = path.isEmpty() ? page.file() : page.file().getParent().resolve(path);
        target = target.toAbsolutePath().normalize();
        String where = root.relativize(page.file().toAbsolutePath().normalize()) + ": " + link;
        if (!Files.exists(target)) {
          if (!COMING.contains(root.relativize(target).toString().replace('\\', '/'))) {
            broken.add(where + " (no such file)");
          }
          continue;
        }
        if (anchor != null && target.toString().endsWith(".md")) {
          Page linked = byFile.containsKey(target) ? byFile.get(target) : Page.read(target);
          if (!linked.anchors().contains(anchor)) {
            broken.add(where + " (no heading #" + anchor + "; there are " + linked.anchors() + ")");
          }
        }
      }
    }
    return broken;
  }

  /** The pages under docs/ that the README does not link to. */
  static Set<String> unlinkedPages(Path root, List<Page> pages) {
    Page readme = pages.get(0);
    Set<Path> linked = new java.util.HashSet<>();
    for (String link : readme.links()) {
      String path = link.contains("#") ? link.substring(0, link.indexOf('#')) : link;
      linked.add(root.resolve(path).toAbsolutePath().normalize());
    }
    Set<String> out = new TreeSet<>();
    for (Page p : pages.subList(1, pages.size())) {
      if (!linked.contains(p.file().toAbsolutePath().normalize())) {
        out.add(root.relativize(p.file().toAbsolutePath().normalize()).toString());
      }
    }
    return out;
  }

  /**
   * Every {@code fivepp COMMAND [SUBCOMMAND] ... --option} in code (fenced blocks and inline
   * spans) whose command or option the command line does not have. Words that are not a
   * lower-case name (placeholders such as {@code COMMAND} or {@code ARGS...}) are passed over.
   */
  static List<String> unknownCommandsAndOptions(List<Page> pages) {
    CommandLine root = new CommandLine(new Main());
    List<String> unknown = new ArrayList<>();
    for (Page page : pages) {
      for (String code : page.code()) {
        Matcher m = FIVEPP.matcher(code);
        while (m.find()) {
          String rest = code.substring(m.end()).split("\\s#|\\|\\||&&|;|\\s\\|\\s|\\s[12]?>", 2)[0];
          String[] words = rest.trim().split("\\s+");
          CommandLine cmd = root;
          int i = 0;
          if (!words[0].startsWith("-")) {
            if (!words[0].matches("[a-z][a-z-]*")) {
              continue;
            }
            cmd = root.getSubcommands().get(words[0]);
            if (cmd == null) {
              unknown.add(page.file().getFileName() + ": `fivepp " + words[0] + "` is not a command (in: " + code.trim() + ")");
              continue;
            }
            i = 1;
            while (i < words.length && cmd.getSubcommands().containsKey(words[i])) {
              cmd = cmd.getSubcommands().get(words[i++]);
            }
          }
          String name = cmd.getCommandSpec().qualifiedName();
          Matcher o = OPTION.matcher(String.join(" ", java.util.Arrays.copyOfRange(words, i, words.length)));
          while (o.find()) {
            if (cmd.getCommandSpec().findOption(o.group(1)) == null) {
              unknown.add(page.file().getFileName() + ": `" + name + "` has no option " + o.group(1)
                  + " (in: " + code.trim() + ")");
            }
          }
        }
      }
    }
    return unknown;
  }

  /** Every {@code deploy/...} path a page names, in prose or code, that does not exist. */
  static Set<String> missingDeployPaths(Path root, List<Page> pages) {
    Set<String> missing = new TreeSet<>();
    for (Page page : pages) {
      Matcher m = DEPLOY_PATH.matcher(page.text());
      while (m.find()) {
        String path = m.group().replaceAll("[.]+$", "");
        if (!Files.exists(root.resolve(path))) {
          missing.add(page.file().getFileName() + ": " + path);
        }
      }
    }
    return missing;
  }

  @Test
  void theReadmeIsANewcomersFiveMinutes() throws IOException {
    assertThat(Files.size(ROOT.resolve("README.md"))).as("README.md in bytes").isLessThan(README_LIMIT);
  }

  @Test
  void everyRelativeLinkAndAnchorResolves() throws IOException {
    assertThat(brokenLinks(ROOT, pages(ROOT))).isEmpty();
  }

  @Test
  void everyDocsPageIsLinkedFromTheReadme() throws IOException {
    assertThat(unlinkedPages(ROOT, pages(ROOT))).isEmpty();
  }

  @Test
  void everyCommandAndOptionTheDocsNameExists() throws IOException {
    List<Page> pages = pages(ROOT);
    assertThat(unknownCommandsAndOptions(pages)).isEmpty();
    long named = pages.stream().flatMap(p -> p.code().stream()).filter(c -> FIVEPP.matcher(c).find()).count();
    assertThat(named).as("code that names a fivepp command").isGreaterThan(50);
  }

  @Test
  void everyDeployPathTheDocsNameExists() throws IOException {
    assertThat(missingDeployPaths(ROOT, pages(ROOT))).isEmpty();
  }

  // The checks themselves, on pages made up to break them.

  @Test
  void theChecksFindWhatIsBroken(@TempDir Path tmp) throws IOException {
    Files.createDirectories(tmp.resolve("docs"));
    Files.createDirectories(tmp.resolve("deploy"));
    Files.writeString(tmp.resolve("deploy/fivepp"), "");
    Files.writeString(tmp.resolve("README.md"), String.join("\n",
        "# Title", "See [a](docs/a.md#two-words), [gone](docs/gone.md), [bad](docs/a.md#nowhere),",
        "[soon](docs/bad-input.md) and [top](#title).", "",
        "```sh", "deploy/fivepp run --model resnet32 --no-such-option 3", "deploy/fivepp frobnicate",
        "deploy/fivepp bench run --warmup 10", "# [not a link](nowhere.md)", "```", "",
        "Run `fivepp node --port 1 --bogus` or `deploy/missing.sh`; `deploy/fivepp --help`."));
    Files.writeString(tmp.resolve("docs/a.md"), "# Two words\n\nBack [up](../README.md#title).\n");
    Files.writeString(tmp.resolve("docs/orphan.md"), "# Orphan\n");
    List<Page> pages = pages(tmp);

    assertThat(brokenLinks(tmp, pages)).containsExactly(
        "README.md: docs/gone.md (no such file)",
        "README.md: docs/a.md#nowhere (no heading #nowhere; there are [two-words])");
    assertThat(unlinkedPages(tmp, pages)).containsExactly("docs/orphan.md");
    assertThat(unknownCommandsAndOptions(pages)).hasSize(3)
        .anyMatch(s -> s.contains("`fivepp run` has no option --no-such-option"))
        .anyMatch(s -> s.contains("`fivepp frobnicate` is not a command"))
        .anyMatch(s -> s.contains("`fivepp node` has no option --bogus"));
    assertThat(missingDeployPaths(tmp, pages)).containsExactly("README.md: deploy/missing.sh");
  }

  @Test
  void anchorsAreGitHubs() {
    assertThat(slug("Running across machines: cluster, systemd, Kubernetes, TLS"))
        .isEqualTo("running-across-machines-cluster-systemd-kubernetes-tls");
    assertThat(slug("`fivepp node` options")).isEqualTo("fivepp-node-options");
    assertThat(Page.parse(Path.of("x.md"), "# A\n## A\n```\n# not a heading\n```\n").anchors())
        .containsExactly("a", "a-1");
  }
}
