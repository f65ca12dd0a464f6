package fivepp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import fivepp.cluster.MemberHocon;
import fivepp.cluster.MemberSettings;
import fivepp.cluster.TransportSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The files under deploy/: scripts pass {@code bash -n}, the systemd unit passes
 * {@code systemd-analyze verify}, the Kubernetes manifests parse and agree with each other, the
 * container file is well formed, and every command line they give is one 'fivepp node' accepts.
 */
class DeployFilesTest {
  static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  static final Path ROOT = DEPLOY.getParent();
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  record Ran(int status, String out, String err) {}

  static Ran exec(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
    return exec(60, env, cmd);
  }

  static Ran exec(int seconds, Map<String, String> env, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile("fivepp-deploy-test", ".out");
    Path err = Files.createTempFile("fivepp-deploy-test", ".err");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(List.of(cmd) + " did not finish in " + seconds + " s");
      }
      return new Ran(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static boolean onPath(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
  }

  /** Parses {@code node ARGS} as the command line does; a bad option fails the test with its message. */
  static MemberSettings nodeSettings(List<String> args) {
    return node(args).settings();
  }

  /** The command {@code node ARGS}, parsed. */
  static NodeCommand node(List<String> args) {
    assertThat(args.get(0)).isEqualTo("node");
    NodeCommand cmd = new NodeCommand();
    new CommandLine(cmd).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    return cmd;
  }

  /**
   * The member config these settings give where {@code --config} names {@code deployed}: the
   * repository's deploy/tls/member-tls.conf stands in for it, with the values it takes from the
   * environment set in front of it.
   */
  private Config deployedConfig(MemberSettings s, Path deployed) throws IOException {
    assertThat(s.userConfig()).isEqualTo(deployed);
    Path wrapper = Files.writeString(tmp.resolve("deployed.conf"), String.join("\n",
        "FIVEPP_TLS_PASSWORD = \"not-read-here\"",
        "include file(\"" + DEPLOY.resolve("tls/member-tls.conf") + "\")", ""));
    return MemberHocon.of(s.withUserConfig(wrapper));
  }

  @Test
  void scriptsAreValidBash() throws Exception {
    List<Path> scripts = List.of(DEPLOY.resolve("fivepp"), DEPLOY.resolve("test"), DEPLOY.resolve("local-cluster.sh"),
        DEPLOY.resolve("cluster-bench.sh"), DEPLOY.resolve("tls/make-keys.sh"));
    for (Path s : scripts) {
      assertThat(s).isExecutable();
      Ran r = exec(Map.of(), "bash", "-n", s.toString());
      assertThat(r.status()).as("bash -n %s: %s", s, r.err()).isZero();
      // deploy/test installs Debian's shellcheck when it is missing
      Ran sc = exec(Map.of(), "shellcheck", "-S", "warning", s.toString());
      assertThat(sc.status()).as("shellcheck %s: %s", s, sc.out()).isZero();
    }
  }

  @Test
  void localClusterRejectsBadInputInOneLineAndStopsNothingWhenNothingRuns() throws Exception {
    Map<String, String> env = Map.of("FIVEPP_CLUSTER_DIR", tmp.resolve("state").toString());
    String script = DEPLOY.resolve("local-cluster.sh").toString();
    for (String bad : List.of("0", "three", "-1", "65")) {
      Ran r = exec(env, script, bad);
      assertThat(r.status()).as(bad).isEqualTo(2);
      assertThat(r.err().strip().lines()).as(bad).hasSize(1);
      assertThat(r.err()).startsWith("local-cluster.sh: ");
    }
    Ran ports = exec(Map.of("FIVEPP_CLUSTER_DIR", tmp.toString(), "FIVEPP_BASE_PORT", "65535"), script, "2");
    assertThat(ports.status()).isEqualTo(2);
    assertThat(ports.err()).contains("past 65535");
    Ran cpus = exec(Map.of("FIVEPP_CLUSTER_DIR", tmp.toString(), "FIVEPP_MEMBER_CPUS", "0,,1"), script, "2");
    assertThat(cpus.status()).isEqualTo(2);
    assertThat(cpus.err().strip()).isEqualTo(
        "local-cluster.sh: FIVEPP_MEMBER_CPUS must be CPU numbers separated by commas (e.g. 0,1), not '0,,1'");
    Ran transport = exec(Map.of("FIVEPP_CLUSTER_DIR", tmp.toString(), "FIVEPP_INSECURE_TRANSPORT", "yes"), script, "2");
    assertThat(transport.status()).isEqualTo(2);
    assertThat(transport.err().strip()).isEqualTo(
        "local-cluster.sh: FIVEPP_INSECURE_TRANSPORT must be 1 (plain TCP) or unset (TLS), not 'yes'");
    // with TLS the members get the script's own --config; a second one is refused before anything starts
    Ran twoConfigs = exec(Map.of("FIVEPP_CLUSTER_DIR", tmp.resolve("state").toString(),
        "FIVEPP_NODE_ARGS", "--roles cores --config my.conf"), script, "2");
    assertThat(twoConfigs.status()).isEqualTo(2);
    assertThat(twoConfigs.err().strip().lines()).hasSize(1);
    assertThat(twoConfigs.err()).startsWith("local-cluster.sh: FIVEPP_NODE_ARGS gives a --config")
        .contains("FIVEPP_INSECURE_TRANSPORT=1");
    assertThat(tmp.resolve("state")).doesNotExist();
    Ran usage = exec(env, script);
    assertThat(usage.status()).isEqualTo(2);
    assertThat(usage.err()).contains("deploy/local-cluster.sh N").contains("stop").contains("client-config");
    Ran stop = exec(env, script, "stop");
    assertThat(stop.status()).isZero();
    assertThat(stop.out()).startsWith("no members running from " + tmp.resolve("state"));
  }

  /** A first port P in [from, from + 900) with P .. P + n - 1 free on 127.0.0.1 (tried at random, then in order). */
  static int freeRange(int from, int n) throws IOException {
    int start = from + new java.util.Random().nextInt(900);
    for (int k = 0; k < 900; k++) {
      int base = from + (start - from + k) % 900;
      boolean free = true;
      for (int p = base; p < base + n && free; p++) {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
          s.bind(new java.net.InetSocketAddress("127.0.0.1", p));
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new AssertionError("no " + n + " free ports from " + from);
  }

  /**
   * local-cluster.sh by default: keys made in its state folder (mode 600), members started with TLS
   * and mutual authentication, a coordinator with the printed --config runs on them, and one
   * without it (plain TCP) finds no member. The members run from the test class path
   * (FIVEPP_CLASSPATH), not the jar, which 'mvn verify' has not built yet when the tests run.
   */
  @Test
  void localClusterSpeaksTlsByDefaultAndARunJoinsWithThePrintedConfig() throws Exception {
    String script = DEPLOY.resolve("local-cluster.sh").toString();
    Path state = tmp.resolve("state");
    int base = freeRange(26600, 2);
    int mbase = freeRange(27600, 2);
    String classPath = System.getProperty("java.class.path");
    Map<String, String> env = Map.of("FIVEPP_CLUSTER_DIR", state.toString(), "FIVEPP_BASE_PORT", Integer.toString(base),
        "FIVEPP_MANAGEMENT_BASE", Integer.toString(mbase), "FIVEPP_CAPACITY", "64", "FIVEPP_UP_TIMEOUT", "100",
        "FIVEPP_JAVA_OPTS", "-Xmx384m -XX:+UseSerialGC", "FIVEPP_CLASSPATH", classPath);
    Path tls = state.resolve("tls");
    Path conf = tls.resolve("cluster.conf");
    try {
      Ran up = exec(110, env, script, "2");
      assertThat(up.status()).as("%s%s", up.out(), up.err()).isZero();
      assertThat(up.out()).contains("2 members Up on 127.0.0.1 (TLS)")
          .contains("--cluster 127.0.0.1:" + base + " --config " + conf);
      assertThat(exec(env, script, "client-config").out()).isEqualTo(conf + "\n");
      // the keys, the password and the config: the user's only
      assertThat(Files.getPosixFilePermissions(tls)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
      try (Stream<Path> files = Files.list(tls)) {
        List<Path> all = files.sorted().toList();
        assertThat(all).extracting(f -> f.getFileName().toString()).containsExactly("127.0.0.1.p12", "ca.crt", "ca.p12",
            "cluster.conf", "password", "truststore.p12");
        for (Path f : all) {
          assertThat(Files.getPosixFilePermissions(f)).as("%s", f)
              .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
      }
      // what the members were given: TLS with mutual authentication, these keys
      for (int i = 1; i <= 2; i++) {
        String pid = Files.readString(state.resolve("member-" + i + ".pid")).strip();
        List<String> argv = List.of(Files.readString(Path.of("/proc", pid, "cmdline")).split("\0"));
        assertThat(argv.get(argv.indexOf("--config") + 1)).as("member %d's --config", i).isEqualTo(conf.toString());
      }
      Config c = MemberHocon.of(MemberSettings.of("127.0.0.1", 0, List.of("127.0.0.1:" + base)).withUserConfig(conf));
      TransportSecurity.Verdict v = TransportSecurity.of(c);
      assertThat(v.transport()).isEqualTo("tls-tcp");
      assertThat(v.secure()).isTrue();
      assertThat(c.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store")).isEqualTo(tls.resolve("127.0.0.1.p12").toString());
      assertThat(c.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store-password"))
          .isEqualTo(Files.readString(tls.resolve("password")));

      // two coordinators at once: with the printed config, and in plain TCP
      String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> run = List.of(javaBin, "--add-modules", "jdk.incubator.vector", "-Xmx384m", "-cp", classPath,
          Main.class.getName(), "run", "--model", "resnet20", "--images", "3", "--check", "3", "--members", "2",
          "--cluster", "127.0.0.1:" + base);
      CompletableFuture<Ran> plain = CompletableFuture.supplyAsync(() -> {
        List<String> cmd = new ArrayList<>(run);
        cmd.addAll(List.of("--cluster-wait", "3"));
        try {
          return exec(Map.of(), cmd.toArray(String[]::new));
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      List<String> secure = new ArrayList<>(run);
      secure.addAll(List.of("--config", conf.toString(), "--cluster-wait", "60"));
      Ran ok = exec(90, Map.of(), secure.toArray(String[]::new));
      assertThat(ok.status()).as(ok.err()).isZero();
      assertThat(ok.out()).contains("resnet20 on 5pp").contains("vs reference: max |difference|")
          .contains("fivepp@127.0.0.1:" + base).contains("fivepp@127.0.0.1:" + (base + 1));
      Ran refused = plain.get(90, TimeUnit.SECONDS);
      assertThat(refused.status()).as(refused.err()).isEqualTo(2);
      // (the JVM's own warning about the incubator module, which deploy/fivepp drops, aside)
      String said = refused.err().replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "");
      assertThat(said.strip().lines()).hasSize(1);
      assertThat(said).startsWith("fivepp: waited 3 s for 2 cluster member(s) hosting cores; members found: none");
    } finally {
      Ran stop = exec(env, script, "stop");
      assertThat(stop.status()).as(stop.err()).isZero();
    }
    assertThat(exec(env, script, "stop").out()).startsWith("no members running from " + state);
  }

  @Test
  void makeKeysRejectsBadInputInOneLineAndOverwritesNothing() throws Exception {
    String script = DEPLOY.resolve("tls/make-keys.sh").toString();
    Path keys = Files.createDirectories(tmp.resolve("keys"));
    Path existing = Files.writeString(keys.resolve("node-1.p12"), "keep me");
    List<List<String>> bad = List.of(List.of(keys.toString()), List.of(keys.toString(), "a b"),
        List.of(keys.toString(), "-x"), List.of(keys.toString(), "ca"), List.of(keys.toString(), "n", "n"),
        List.of(keys.toString(), "node-2", "node-1"));
    for (List<String> args : bad) {
      List<String> cmd = new ArrayList<>(List.of(script));
      cmd.addAll(args);
      Ran r = exec(Map.of(), cmd.toArray(String[]::new));
      assertThat(r.status()).as("%s: %s", args, r.err()).isEqualTo(2);
      assertThat(r.err().strip().lines()).as("%s", args).hasSize(1);
      assertThat(r.err()).as("%s", args).startsWith("make-keys.sh: ");
    }
    assertThat(exec(Map.of(), script, keys.toString(), "node-1").err())
        .isEqualTo("make-keys.sh: " + existing + " exists; remove it first, or choose another name\n");
    Ran days = exec(Map.of("FIVEPP_TLS_DAYS", "0"), script, keys.toString(), "node-2");
    assertThat(days.err()).startsWith("make-keys.sh: FIVEPP_TLS_DAYS must be a number of days");
    try (Stream<Path> left = Files.list(keys)) {
      assertThat(left).containsExactly(existing);
    }
    assertThat(Files.readString(existing)).isEqualTo("keep me");
    Ran usage = exec(Map.of(), script);
    assertThat(usage.status()).isEqualTo(2);
    assertThat(usage.err()).contains("deploy/tls/make-keys.sh DIR NAME");
    assertThat(exec(Map.of(), script, "--help").status()).isZero();
  }

  @Test
  void clusterBenchRejectsBadInputInOneLineBeforeStartingAnything() throws Exception {
    String script = DEPLOY.resolve("cluster-bench.sh").toString();
    Map<String, String> env = Map.of("FIVEPP_CLUSTER_DIR", tmp.resolve("state").toString());
    List<List<String>> bad = List.of(List.of("--bogus"), List.of("--window"), List.of("--window", "0"),
        List.of("--window", "1,,4"), List.of("--latency-ms", "x"), List.of("--latency-ms", "2000"),
        List.of("--latency-ms="), List.of("0"), List.of("2", "many"), List.of("1", "2", "3"),
        List.of("--coordinator-nice"), List.of("--coordinator-nice", "20"), List.of("--coordinator-nice", "-1"),
        List.of("--repeat"), List.of("--repeat", "0"), List.of("--repeat", "x"), List.of("--repeat", "100"));
    for (List<String> args : bad) {
      List<String> cmd = new ArrayList<>(List.of(script));
      cmd.addAll(args);
      Ran r = exec(env, cmd.toArray(String[]::new));
      assertThat(r.status()).as("%s: %s", args, r.err()).isEqualTo(2);
      assertThat(r.err().strip().lines()).as("%s", args).hasSize(1);
      assertThat(r.err()).as("%s", args).startsWith("cluster-bench.sh: ");
      assertThat(r.out()).as("%s", args).isEmpty();
    }
    Ran stress = exec(Map.of("FIVEPP_BENCH_COMMAND", "stress"), script, "--window", "4");
    assertThat(stress.status()).isEqualTo(2);
    assertThat(stress.err()).contains("latency leg measures 'fivepp run'");
    Ran help = exec(env, script, "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out()).contains("--pin").contains("--latency-ms LIST").contains("--window LIST");
  }

  /** The unit's ExecStart, as the shell runs it with the example environment file: java's argv. */
  private List<String> execStartArgv(String unit, Map<String, String> env) throws Exception {
    String joined = unit.replace("\\\n", " ");
    Matcher m = Pattern.compile("(?m)^ExecStart=/bin/sh -c '(.*)'$").matcher(joined);
    assertThat(m.find()).as("ExecStart=/bin/sh -c '...'").isTrue();
    // systemd expands $VAR itself, quotes or not; $$ hands a $ to the shell, which keeps the quoting
    assertThat(m.group(1).replace("$$", "")).as("every $ doubled for systemd").doesNotContain("$");
    String body = m.group(1).replace("$$", "$");
    assertThat(body).startsWith("exec /usr/bin/java --add-modules jdk.incubator.vector ");
    // print the arguments instead of starting java: the shell's quoting and expansions decide them
    Ran r = exec(env, "/bin/sh", "-c", body.replaceFirst("^exec /usr/bin/java", "printf '%s\\\\n'"));
    assertThat(r.status()).as(r.err()).isZero();
    return r.out().lines().toList();
  }

  static Map<String, String> envFile(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      assertThat(eq).as("KEY=VALUE: %s", line).isPositive();
      env.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return env;
  }

  @Test
  void theSystemdUnitIsValidAndItsCommandLineIsOneFivepNodeAccepts() throws Exception {
    Path unit = DEPLOY.resolve("systemd/fivepp-node.service");
    String text = Files.readString(unit);
    Map<String, String> env = envFile(DEPLOY.resolve("systemd/fivepp-node.env"));
    // every variable the unit uses is set in the example file
    Set<String> used = new TreeSet<>();
    Matcher v = Pattern.compile("\\$\\{?(FIVEPP_[A-Z_]+)").matcher(text);
    while (v.find()) {
      used.add(v.group(1));
    }
    assertThat(env.keySet()).containsAll(used);
    assertThat(used).contains("FIVEPP_HOSTNAME", "FIVEPP_PORT", "FIVEPP_SEEDS", "FIVEPP_MANAGEMENT_PORT");

    List<String> argv = execStartArgv(text, env);
    int jar = argv.indexOf("-jar");
    assertThat(argv.subList(0, 2)).containsExactly("--add-modules", "jdk.incubator.vector");
    assertThat(argv.get(jar + 1)).isEqualTo("/opt/fivepp/fivepp.jar");
    assertThat(argv.subList(2, jar)).containsExactly("-Xmx4g");
    MemberSettings s = nodeSettings(argv.subList(jar + 2, argv.size()));
    assertThat(s.hostname()).isEqualTo("10.0.0.11");
    assertThat(s.port()).isEqualTo(25520);
    assertThat(s.seeds()).containsExactly("10.0.0.11:25520", "10.0.0.12:25520");
    assertThat(s.managementPort()).isEqualTo(7626);
    assertThat(s.managementHostname()).isNull();   // so 127.0.0.1
    // TLS with mutual authentication by default: the member on 10.0.0.11 may start
    Path tlsConf = Path.of("/etc/fivepp/member-tls.conf");
    assertThat(s.userConfig()).isEqualTo(tlsConf);
    assertThat(text).contains("install -D -m 644 deploy/tls/member-tls.conf " + tlsConf)
        .contains("deploy/tls/make-keys.sh");
    Config deployed = deployedConfig(s, tlsConf);
    assertThat(deployed.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    assertThat(deployed.getBoolean("pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication")).isTrue();
    assertThat(deployed.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store"))
        .isEqualTo("/etc/fivepp/tls/member.p12");
    assertThat(TransportSecurity.check(deployed, false)).isNull();
    assertThat(node(argv.subList(jar + 2, argv.size())).insecureTransport).isFalse();

    // plain TCP: no --config, and the member refuses to start on 10.0.0.11 unless told --insecure-transport
    Map<String, String> plain = new HashMap<>(env);
    plain.put("FIVEPP_CONFIG", "");
    plain.put("FIVEPP_NODE_ARGS", "--roles cores");
    List<String> plainArgv = execStartArgv(text, plain);
    NodeCommand p = node(plainArgv.subList(plainArgv.indexOf("-jar") + 2, plainArgv.size()));
    MemberSettings t = p.settings();
    assertThat(t.userConfig()).isNull();
    // the roles given, and 'host', which every node has
    assertThat(t.roles()).containsExactly("cores", "host");
    assertThatThrownBy(() -> TransportSecurity.check(MemberHocon.of(t), p.insecureTransport))
        .hasMessageStartingWith("the cluster port on 10.0.0.11 would speak plain TCP");
    plain.put("FIVEPP_NODE_ARGS", "--roles cores --insecure-transport");
    plainArgv = execStartArgv(text, plain);
    NodeCommand q = node(plainArgv.subList(plainArgv.indexOf("-jar") + 2, plainArgv.size()));
    assertThat(q.insecureTransport).isTrue();
    assertThat(TransportSecurity.check(MemberHocon.of(q.settings()), q.insecureTransport)).startsWith("warning: ");
  }

  @Test
  void systemdAnalyzeVerifiesTheUnit() throws Exception {
    // deploy/test installs Debian's systemd when systemd-analyze is missing
    Path copy = Files.copy(DEPLOY.resolve("systemd/fivepp-node.service"), tmp.resolve("fivepp-node.service"));
    Ran r = exec(Map.of("SYSTEMD_LOG_LEVEL", "warning"), "systemd-analyze", "verify", copy.toString());
    assertThat(r.status()).as(r.err()).isZero();
    // it reports mistakes (unknown keys, bad values) as warnings about the file, still with status 0
    assertThat((r.out() + r.err()).lines().filter(l -> l.contains("fivepp-node.service")).toList()).isEmpty();
  }

  /** The manifests, parsed by PyYAML into JSON (jackson-dataformat-yaml is not on the test class path). */
  private static List<JsonNode> manifests(List<Path> files) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3", "-c",
        "import sys, json, yaml\n"
            + "json.dump([d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d is not None], sys.stdout)"));
    files.forEach(f -> cmd.add(f.toString()));
    Ran r = exec(Map.of(), cmd.toArray(String[]::new));
    assertThat(r.status()).as(r.err()).isZero();
    List<JsonNode> docs = new ArrayList<>();
    JSON.readTree(r.out()).forEach(docs::add);
    return docs;
  }

  static boolean pyyaml() {
    try {
      return onPath("python3") && exec(Map.of(), "python3", "-c", "import yaml").status() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void theKubernetesManifestsParseAndAgreeWithEachOther() throws Exception {
    // deploy/test installs Debian's python3-yaml when PyYAML is missing
    assertThat(pyyaml()).as("python3 with PyYAML").isTrue();
    Path k8s = DEPLOY.resolve("k8s");
    List<Path> files;
    try (Stream<Path> s = Files.list(k8s)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    Map<String, JsonNode> byKind = new HashMap<>();
    for (JsonNode d : manifests(files)) {
      assertThat(byKind.put(d.get("kind").asText(), d)).as("one %s", d.get("kind")).isNull();
    }
    assertThat(byKind).containsOnlyKeys("Kustomization", "Service", "StatefulSet", "PodDisruptionBudget");
    List<String> resources = new ArrayList<>();
    byKind.get("Kustomization").get("resources").forEach(r -> resources.add(r.asText()));
    assertThat(resources).containsExactlyInAnyOrderElementsOf(files.stream().map(p -> p.getFileName().toString())
        .filter(n -> !n.equals("kustomization.yaml")).toList());

    JsonNode svc = byKind.get("Service");
    JsonNode sts = byKind.get("StatefulSet");
    String svcName = svc.at("/metadata/name").asText();
    String stsName = sts.at("/metadata/name").asText();
    assertThat(svc.at("/spec/clusterIP").asText()).isEqualTo("None");
    assertThat(svc.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
    assertThat(sts.at("/spec/serviceName").asText()).isEqualTo(svcName);
    JsonNode labels = sts.at("/spec/template/metadata/labels");
    assertThat(sts.at("/spec/selector/matchLabels")).isEqualTo(labels);
    assertThat(svc.at("/spec/selector")).isEqualTo(labels);
    assertThat(byKind.get("PodDisruptionBudget").at("/spec/selector/matchLabels")).isEqualTo(labels);

    JsonNode c = sts.at("/spec/template/spec/containers/0");
    Map<String, Integer> ports = new HashMap<>();
    c.get("ports").forEach(p -> ports.put(p.get("name").asText(), p.get("containerPort").asInt()));
    Map<String, Integer> svcPorts = new HashMap<>();
    svc.at("/spec/ports").forEach(p -> {
      svcPorts.put(p.get("name").asText(), p.get("port").asInt());
      assertThat(ports).containsKey(p.get("targetPort").asText());
    });
    assertThat(svcPorts).isEqualTo(ports);
    assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
    assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/alive");
    assertThat(c.at("/readinessProbe/httpGet/port").asText()).isEqualTo("management");
    assertThat(c.at("/livenessProbe/httpGet/port").asText()).isEqualTo("management");
    assertThat(c.at("/resources/requests/cpu").asText()).isNotEmpty();
    assertThat(c.at("/resources/limits/memory").asText()).isNotEmpty();

    // the args are a 'fivepp node' command line; Kubernetes expands $(VAR) from the env list
    Set<String> envNames = new TreeSet<>();
    c.get("env").forEach(e -> envNames.add(e.get("name").asText()));
    Map<String, String> podEnv = Map.of("POD_NAME", stsName + "-2", "POD_NAMESPACE", "lab", "POD_IP", "10.1.2.3");
    assertThat(envNames).containsAll(podEnv.keySet());
    List<String> args = new ArrayList<>();
    c.get("args").forEach(a -> {
      String x = a.asText();
      for (Map.Entry<String, String> e : podEnv.entrySet()) {
        x = x.replace("$(" + e.getKey() + ")", e.getValue());
      }
      assertThat(x).as("every $(VAR) is defined").doesNotContain("$(");
      args.add(x);
    });
    MemberSettings s = nodeSettings(args);
    assertThat(node(args).insecureTransport).isFalse();
    // TLS with mutual authentication by default: the image's copy of deploy/tls/member-tls.conf,
    // the keys from the Secret mounted where the environment points the file
    Config deployed = deployedConfig(s, Path.of("/opt/fivepp/member-tls.conf"));
    assertThat(Files.readString(DEPLOY.resolve("Containerfile")))
        .contains("COPY deploy/tls/member-tls.conf /opt/fivepp/member-tls.conf");
    assertThat(TransportSecurity.of(deployed).exposed()).as("bound to all interfaces").contains("0.0.0.0");
    assertThat(TransportSecurity.check(deployed, false)).isNull();
    Map<String, JsonNode> podEnvByName = new HashMap<>();
    c.get("env").forEach(e -> podEnvByName.put(e.get("name").asText(), e));
    assertThat(podEnvByName.get("FIVEPP_TLS_PASSWORD").at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("password");
    String secret = podEnvByName.get("FIVEPP_TLS_PASSWORD").at("/valueFrom/secretKeyRef/name").asText();
    JsonNode mount = c.at("/volumeMounts/0");
    JsonNode volume = sts.at("/spec/template/spec/volumes/0");
    assertThat(volume.get("name").asText()).isEqualTo(mount.get("name").asText());
    assertThat(volume.at("/secret/secretName").asText()).isEqualTo(secret);
    String dir = mount.get("mountPath").asText();
    // the Secret's keys as deploy/tls/make-keys.sh names its files
    assertThat(podEnvByName.get("FIVEPP_TLS_KEY_STORE").get("value").asText()).isEqualTo(dir + "/member.p12");
    assertThat(podEnvByName.get("FIVEPP_TLS_TRUST_STORE").get("value").asText()).isEqualTo(dir + "/truststore.p12");
    // the image's user reads them through its group, which the pod gives the files
    assertThat(sts.at("/spec/template/spec/securityContext/fsGroup").asInt()).isEqualTo(10001);
    assertThat(volume.at("/secret/defaultMode").asInt()).isEqualTo(0440);
    String dns = "." + svcName + ".lab.svc.cluster.local";
    assertThat(s.hostname()).isEqualTo(stsName + "-2" + dns);
    assertThat(s.port()).isEqualTo(ports.get("remoting"));
    assertThat(s.managementPort()).isEqualTo(ports.get("management"));
    assertThat(s.managementHostname()).isEqualTo("10.1.2.3");
    assertThat(s.seeds()).containsExactly(stsName + "-0" + dns + ":" + ports.get("remoting"),
        stsName + "-1" + dns + ":" + ports.get("remoting"));
    assertThat(sts.at("/spec/replicas").asInt()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void theKustomizationListsEveryManifestAndNothingElse() throws Exception {
    Path k8s = DEPLOY.resolve("k8s");
    JsonNode kust = manifests(List.of(k8s.resolve("kustomization.yaml"))).get(0);
    assertThat(kust.get("kind").asText()).isEqualTo("Kustomization");
    List<String> listed = new ArrayList<>();
    kust.get("resources").forEach(r -> listed.add(r.asText()));
    List<String> files;
    try (Stream<Path> st = Files.list(k8s)) {
      files = st.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
          .sorted().toList();
    }
    assertThat(listed).containsExactlyInAnyOrderElementsOf(files);
    assertThat(manifests(listed.stream().map(k8s::resolve).toList())).extracting(d -> d.get("kind").asText())
        .containsExactlyInAnyOrder("Service", "StatefulSet", "PodDisruptionBudget");
  }

  @Test
  void theContainerFileIsWellFormedAndRunsTheJarWithTheVectorModule() throws Exception {
    Set<String> known = Set.of("FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
        "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL");
    List<String[]> instructions = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : Files.readAllLines(DEPLOY.resolve("Containerfile"), StandardCharsets.UTF_8)) {
      if (cur.isEmpty() && (line.isBlank() || line.stripLeading().startsWith("#"))) {
        continue;
      }
      if (line.endsWith("\\")) {
        cur.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      cur.append(line);
      String[] kv = cur.toString().strip().split("\\s+", 2);
      assertThat(known).as("instruction in '%s'", cur).contains(kv[0]);
      assertThat(kv).as("arguments of %s", kv[0]).hasSize(2);
      instructions.add(kv);
      cur.setLength(0);
    }
    assertThat(cur).as("no dangling line continuation").isEmpty();
    assertThat(instructions.get(0)[0]).isEqualTo("FROM");
    assertThat(instructions.stream().filter(i -> i[0].equals("FROM")).count()).isEqualTo(2);
    String jarInImage = null;
    for (String[] i : instructions) {
      if (i[0].equals("COPY")) {
        String[] parts = i[1].split("\\s+");
        if (parts[0].startsWith("--from=")) {
          assertThat(parts[1]).isEqualTo("/src/emulator/target/fivepp.jar");
          jarInImage = parts[2];
        } else {
          for (int k = 0; k < parts.length - 1; k++) {
            assertThat(ROOT.resolve(parts[k])).as("COPY source %s", parts[k]).exists();
          }
        }
      }
    }
    String[] entry = instructions.stream().filter(i -> i[0].equals("ENTRYPOINT")).findFirst().orElseThrow();
    List<String> argv = new ArrayList<>();
    JSON.readTree(entry[1]).forEach(a -> argv.add(a.asText()));
    assertThat(argv.get(0)).isEqualTo("java");
    assertThat(String.join(" ", argv)).contains("--add-modules jdk.incubator.vector");
    assertThat(argv.get(argv.indexOf("-jar") + 1)).isEqualTo(jarInImage);
    String expose = instructions.stream().filter(i -> i[0].equals("EXPOSE")).findFirst().orElseThrow()[1];
    assertThat(expose.split("\\s+")).containsExactlyInAnyOrder("25520", "7626");
    String user = instructions.stream().filter(i -> i[0].equals("USER")).reduce((a, b) -> b).orElseThrow()[1];
    assertThat(user).as("numeric, non-root (runAsNonRoot)").matches("[1-9][0-9]*(:[0-9]+)?");
  }
}
