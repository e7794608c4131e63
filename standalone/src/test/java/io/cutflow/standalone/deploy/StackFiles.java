package io.cutflow.standalone.deploy;

import io.cutflow.common.config.ConfigCatalogue;
import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.CutflowConfigException;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.OpsConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.standalone.CutflowCli;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.model.ModelCache;
import io.cutflow.worker.supervisor.WorkerPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The deployment files (Dockerfile, docker-compose.yml, ops/k8s/, ops/prometheus/prometheus.yml)
 * read as data and checked against the code: each check adds a sentence to {@link #problems()}
 * naming the file, the place and what the code expects, so a test can show all of them at once.
 */
final class StackFiles {
  /** Variables the image sets that are not settings: the model cache's own (worker.model). */
  static final Set<String> NON_KEY_VARIABLES = Set.of(ModelCache.ENV, ModelCache.HOME_ENV);

  private final List<String> problems = new ArrayList<>();

  List<String> problems() {
    return problems;
  }

  /** The repository root (tests run in a module folder). */
  static Path root() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("docker-compose.yml"))) {
        return d;
      }
    }
    throw new IllegalStateException("no docker-compose.yml in the working directory or above");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    return (Map<String, Object>) new Yaml(options).load(text);
  }

  /** Every document of a multi-document YAML file. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> yamlAll(Path file) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(read(file))) {
      if (doc != null) {
        docs.add((Map<String, Object>) doc);
      }
    }
    return docs;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  void problem(String where, String what) {
    problems.add(where + ": " + what);
  }

  /**
   * Checks a set of CUTFLOW_* variables: each names a key, each value passes the key's validator,
   * and returns the configuration they make (defaults for the rest), or null when one is wrong.
   */
  CutflowConfig settings(String where, Map<String, String> env) {
    Map<String, String> byName = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          if (!name.startsWith("CUTFLOW_") || NON_KEY_VARIABLES.contains(name)) {
            return;
          }
          ConfigKey key = keyOf(name);
          if (key == null) {
            problem(where, name + " is not a setting (ConfigCatalogue; see `cutflow config`)");
          } else {
            // a reference to another variable stands for a plausible value
            byName.put(key.name(), value.replace("$(POD_IP)", "10.0.0.1"));
          }
        });
    CutflowConfig config = CutflowConfig.isolated(byName);
    try {
      return config.validate();
    } catch (CutflowConfigException e) {
      problem(where, e.getMessage());
      return null;
    }
  }

  static ConfigKey keyOf(String envName) {
    return ConfigCatalogue.keys().stream()
        .filter(k -> k.envName().equals(envName))
        .findFirst()
        .orElse(null);
  }

  /** A container's command: the first word is a `cutflow` subcommand and the whole line parses. */
  void command(String where, List<String> args) {
    if (args == null || args.isEmpty()) {
      problem(where, "no command: the image's default only prints help");
      return;
    }
    CommandLine cli = CutflowCli.commandLine();
    if (!cli.getSubcommands().containsKey(args.get(0))) {
      problem(
          where,
          "'"
              + args.get(0)
              + "' is not a cutflow command (have: "
              + cli.getSubcommands().keySet()
              + ")");
      return;
    }
    try {
      cli.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      problem(where, "`cutflow " + String.join(" ", args) + "` does not parse: " + e.getMessage());
    }
  }

  /** {@code http://localhost:PORT/PATH} in a healthcheck line, as [port, path], or null. */
  static String[] localUrl(String text) {
    Matcher m = Pattern.compile("http://localhost:(\\d+)(/[a-z]*)").matcher(text);
    return m.find() ? new String[] {m.group(1), m.group(2)} : null;
  }

  /** The port a process listens on for its probes, from its configuration. */
  static int probePort(String command, CutflowConfig config) {
    return "ingest-server".equals(command)
        ? config.getInt(IngestConfig.HTTP_PORT)
        : config.getInt(OpsConfig.PORT);
  }

  /**
   * The fixed ops ports of a `cutflow worker` container's worker JVMs ({@link WorkerPorts}): empty
   * for other commands, or where they are ephemeral, which no scraper can follow.
   */
  static List<Integer> workerPorts(List<String> args, CutflowConfig config) {
    if (args == null || args.isEmpty() || !"worker".equals(args.get(0))) {
      return List.of();
    }
    CommandLine.ParseResult parsed =
        CutflowCli.commandLine().parseArgs(args.toArray(String[]::new)).subcommand();
    int slots = parsed.matchedOptionValue("--slots", 1);
    return WorkerPorts.pool(config.getInt(WorkerConfig.WORKER_PORT_BASE), slots);
  }

  /** A worker container whose worker JVMs are not on fixed ports, so not scraped, is a problem. */
  void workerPortsFixed(String where, List<String> args, CutflowConfig config) {
    if (args != null && !args.isEmpty() && "worker".equals(args.get(0))) {
      List<Integer> pool = workerPorts(args, config);
      if (pool.isEmpty()) {
        problem(
            where,
            WorkerConfig.WORKER_PORT_BASE.envName()
                + " is unset or 0: the worker JVMs' /metrics sit on ephemeral ports nothing scrapes");
      } else if (pool.contains(config.getInt(OpsConfig.PORT))) {
        problem(where, "the worker ports " + pool + " include the supervisor's ops port");
      }
    }
  }

  void sameAsDefault(String where, ConfigKey key, Object actual) {
    if (!key.defaultValue().equals(String.valueOf(actual))) {
      problem(
          where,
          key.name() + " is '" + actual + "', the code's default is '" + key.defaultValue() + "'");
    }
  }

  void equal(String where, String what, Object expected, Object actual) {
    if (!String.valueOf(expected).equals(String.valueOf(actual))) {
      problem(where, what + " is '" + actual + "', expected '" + expected + "'");
    }
  }

  /** The topic and group names every file must agree on (the code's defaults). */
  void namesAreDefaults(String where, CutflowConfig config) {
    sameAsDefault(where, KafkaConfig.TOPIC_JOBS, config.getString(KafkaConfig.TOPIC_JOBS));
    sameAsDefault(where, KafkaConfig.GROUP_ID, config.getString(KafkaConfig.GROUP_ID));
    sameAsDefault(where, IngestConfig.BRIDGE_TOPIC, config.getString(IngestConfig.BRIDGE_TOPIC));
    sameAsDefault(where, StorageConfig.BUCKET_RAW, config.getString(StorageConfig.BUCKET_RAW));
    sameAsDefault(
        where, StorageConfig.BUCKET_CUTOUTS, config.getString(StorageConfig.BUCKET_CUTOUTS));
  }

  /** {@code ENV NAME=value ...} of a Dockerfile, continuation lines joined. */
  static Map<String, String> dockerfileEnv(String dockerfile) {
    String joined = dockerfile.replace("\\\n", " ");
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : joined.split("\n")) {
      if (line.startsWith("ENV ")) {
        Matcher m = Pattern.compile("([A-Z_][A-Z0-9_]*)=(\\S+)").matcher(line);
        while (m.find()) {
          env.put(m.group(1), m.group(2));
        }
      }
    }
    return env;
  }

  static Map<String, String> strings(Object map) {
    if (!(map instanceof Map<?, ?> m)) {
      return Map.of();
    }
    return m.entrySet().stream()
        .collect(
            Collectors.toMap(
                e -> String.valueOf(e.getKey()),
                e -> String.valueOf(e.getValue()),
                (a, b) -> b,
                LinkedHashMap::new));
  }

  @SuppressWarnings("unchecked")
  static List<String> stringList(Object list) {
    return list instanceof List<?> l ? l.stream().map(String::valueOf).toList() : null;
  }
}
