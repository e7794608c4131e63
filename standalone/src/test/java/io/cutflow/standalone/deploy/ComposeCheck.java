package io.cutflow.standalone.deploy;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.ingest.IngestConfig;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** docker-compose.yml (and the Prometheus configuration that scrapes it) against the code. */
final class ComposeCheck {
  /** The MinIO notification target's id, as in MINIO_NOTIFY_KAFKA_*_CUTFLOW. */
  static final String TARGET = "CUTFLOW";

  private final StackFiles out;
  private final Duration drain;

  /** Cutflow services by name: their configuration (null where it did not validate). */
  final Map<String, CutflowConfig> configs = new LinkedHashMap<>();

  final Map<String, List<String>> commands = new LinkedHashMap<>();

  ComposeCheck(StackFiles out, Duration drain) {
    this.out = out;
    this.drain = drain;
  }

  @SuppressWarnings("unchecked")
  void check(Map<String, Object> compose) {
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    Set<String> volumes =
        compose.get("volumes") instanceof Map<?, ?> v ? (Set<String>) v.keySet() : Set.of();
    for (Map.Entry<String, Object> e : services.entrySet()) {
      Map<String, Object> service = (Map<String, Object>) e.getValue();
      dependsOn(e.getKey(), service, services);
      if (String.valueOf(service.get("image")).startsWith("cutflow")) {
        cutflowService(e.getKey(), service);
      }
    }
    Set<String> advertised = new HashSet<>();
    int ingests = 0;
    for (Map.Entry<String, CutflowConfig> e : configs.entrySet()) {
      String name = e.getKey();
      CutflowConfig c = e.getValue();
      if (c == null || !"ingest-server".equals(commands.get(name).get(0))) {
        continue;
      }
      ingests++;
      String where = "docker-compose.yml services." + name;
      URI url = URI.create(c.getString(IngestConfig.ADVERTISED_URL) + "/");
      out.equal(where, "advertised host", name, url.getHost());
      out.equal(where, "advertised port", c.getInt(IngestConfig.HTTP_PORT), url.getPort());
      if (!advertised.add(url.toString())) {
        out.problem(where, "advertises " + url + " like another ingest instance");
      }
      out.equal(
          where,
          IngestConfig.BRIDGE_ENABLED.name(),
          true,
          c.getBoolean(IngestConfig.BRIDGE_ENABLED));
    }
    if (ingests < 2) {
      out.problem("docker-compose.yml", ingests + " ingest-server service(s); the stack runs 2");
    }
    minio((Map<String, Object>) services.get("minio"), volumes);
    minioInit((Map<String, Object>) services.get("minio-init"));
  }

  @SuppressWarnings("unchecked")
  private void cutflowService(String name, Map<String, Object> service) {
    String where = "docker-compose.yml services." + name;
    List<String> command = StackFiles.stringList(service.get("command"));
    out.command(where + ".command", command);
    commands.put(name, command == null ? List.of("") : command);
    CutflowConfig c =
        out.settings(where + ".environment", StackFiles.strings(service.get("environment")));
    configs.put(name, c);
    if (c == null || command == null) {
      return;
    }
    out.namesAreDefaults(where, c);
    Map<String, Object> health = (Map<String, Object>) service.get("healthcheck");
    if (!"watch".equals(command.get(0))) {
      String[] url =
          health == null ? null : StackFiles.localUrl(String.valueOf(health.get("test")));
      if (url == null) {
        out.problem(where, "no healthcheck asking http://localhost:PORT/readyz");
      } else {
        out.equal(where + ".healthcheck", "port", StackFiles.probePort(command.get(0), c), url[0]);
        out.equal(where + ".healthcheck", "path", "/readyz", url[1]);
      }
    }
    out.workerPortsFixed(where + ".environment", command, c);
    if ("worker".equals(command.get(0))) {
      Map<String, Object> deploy = (Map<String, Object>) service.get("deploy");
      if (deploy == null || !(deploy.get("replicas") instanceof Integer)) {
        out.problem(where, "no deploy.replicas");
      }
      Duration grace =
          Duration.parse(
              "PT" + service.getOrDefault("stop_grace_period", "10s").toString().toUpperCase());
      if (grace.compareTo(drain) < 0) {
        out.problem(
            where, "stop_grace_period " + grace + " is shorter than the drain time " + drain);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void dependsOn(String name, Map<String, Object> service, Map<String, Object> services) {
    if (!(service.get("depends_on") instanceof Map<?, ?> deps)) {
      return;
    }
    deps.forEach(
        (dep, spec) -> {
          String where = "docker-compose.yml services." + name + ".depends_on." + dep;
          Map<String, Object> target = (Map<String, Object>) services.get(String.valueOf(dep));
          if (target == null) {
            out.problem(where, "no such service");
            return;
          }
          Object condition = spec instanceof Map<?, ?> m ? m.get("condition") : null;
          if ("service_healthy".equals(condition) && target.get("healthcheck") == null) {
            out.problem(where, "waits for service_healthy but " + dep + " has no healthcheck");
          }
        });
  }

  private void minio(Map<String, Object> minio, Set<String> volumes) {
    String where = "docker-compose.yml services.minio.environment";
    Map<String, String> env = StackFiles.strings(minio.get("environment"));
    CutflowConfig ingest = anyIngest();
    out.equal(
        where,
        "MINIO_NOTIFY_KAFKA_ENABLE_" + TARGET,
        "on",
        env.get("MINIO_NOTIFY_KAFKA_ENABLE_" + TARGET));
    out.equal(
        where,
        "MINIO_NOTIFY_KAFKA_TOPIC_" + TARGET + " (the bridge topic)",
        ingest.getString(IngestConfig.BRIDGE_TOPIC),
        env.get("MINIO_NOTIFY_KAFKA_TOPIC_" + TARGET));
    out.equal(
        where,
        "MINIO_NOTIFY_KAFKA_BROKERS_" + TARGET,
        ingest.getString(KafkaConfig.BOOTSTRAP_SERVERS),
        env.get("MINIO_NOTIFY_KAFKA_BROKERS_" + TARGET));
    String queue = env.get("MINIO_NOTIFY_KAFKA_QUEUE_DIR_" + TARGET);
    List<String> mounts = StackFiles.stringList(minio.get("volumes"));
    boolean onNamedVolume =
        queue != null
            && mounts != null
            && mounts.stream()
                .map(m -> m.split(":"))
                .anyMatch(m -> m.length >= 2 && m[1].equals(queue) && volumes.contains(m[0]));
    if (!onNamedVolume) {
      out.problem(where, "the queue_dir " + queue + " is not on a named volume");
    }
  }

  private void minioInit(Map<String, Object> init) {
    String where = "docker-compose.yml services.minio-init";
    String script = String.join(" ", StackFiles.stringList(init.get("command")));
    CutflowConfig ingest = anyIngest();
    for (String bucket :
        List.of(
            ingest.getString(StorageConfig.BUCKET_RAW),
            ingest.getString(StorageConfig.BUCKET_CUTOUTS),
            ingest.getString(IngestConfig.BRIDGE_BUCKETS))) {
      if (!script.matches("(?s).*mc mb [^;]*/" + bucket + "\\b.*")) {
        out.problem(where, "does not create the bucket " + bucket);
      }
    }
    String inbox = ingest.getString(IngestConfig.BRIDGE_BUCKETS);
    if (!script.matches(
        "(?s).*mc event add [^;]*/"
            + inbox
            + " arn:minio:sqs::"
            + TARGET
            + ":kafka --event put.*")) {
      out.problem(
          where,
          "no `mc event add .../" + inbox + " arn:minio:sqs::" + TARGET + ":kafka --event put`");
    }
  }

  private CutflowConfig anyIngest() {
    return configs.entrySet().stream()
        .filter(
            e -> e.getValue() != null && "ingest-server".equals(commands.get(e.getKey()).get(0)))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(CutflowConfig.isolated(Map.of()));
  }

  /**
   * Every scrape target of ops/prometheus/prometheus.yml is a compose service's metrics port (its
   * ops port, or one of its worker JVMs' fixed ports), and every such port is scraped.
   */
  @SuppressWarnings("unchecked")
  void prometheus(Map<String, Object> prometheus) {
    Set<String> scraped = new HashSet<>();
    Set<String> scrapedTargets = new HashSet<>();
    for (Object o : (List<Object>) prometheus.get("scrape_configs")) {
      Map<String, Object> job = (Map<String, Object>) o;
      String where = "ops/prometheus/prometheus.yml job " + job.get("job_name");
      List<String> targets = new java.util.ArrayList<>();
      for (Object s : (List<Object>) job.getOrDefault("static_configs", List.of())) {
        targets.addAll(StackFiles.stringList(((Map<String, Object>) s).get("targets")));
      }
      for (Object s : (List<Object>) job.getOrDefault("dns_sd_configs", List.of())) {
        Map<String, Object> sd = (Map<String, Object>) s;
        for (String n : StackFiles.stringList(sd.get("names"))) {
          targets.add(n + ":" + sd.get("port"));
        }
      }
      for (String target : targets) {
        String[] hp = target.split(":");
        CutflowConfig c = configs.get(hp[0]);
        if (c == null) {
          out.problem(
              where, "target " + target + " is not a Cutflow service of docker-compose.yml");
          continue;
        }
        scraped.add(hp[0]);
        scrapedTargets.add(target);
        List<Integer> workerPorts = StackFiles.workerPorts(commands.get(hp[0]), c);
        if (workerPorts.contains(Integer.valueOf(hp[1]))) {
          out.equal(
              where + " target " + target, "job of a worker JVM", "worker", job.get("job_name"));
          continue;
        }
        out.equal(
            where + " target " + target,
            "port",
            StackFiles.probePort(commands.get(hp[0]).get(0), c),
            hp[1]);
      }
    }
    configs.forEach(
        (name, c) -> {
          if (c != null) {
            StackFiles.workerPorts(commands.get(name), c).stream()
                .map(p -> name + ":" + p)
                .filter(t -> !scrapedTargets.contains(t))
                .forEach(
                    t ->
                        out.problem(
                            "ops/prometheus/prometheus.yml",
                            "does not scrape the worker JVM port " + t));
          }
        });
    configs.keySet().stream()
        .filter(n -> !"watch".equals(commands.get(n).get(0)) && !scraped.contains(n))
        .forEach(n -> out.problem("ops/prometheus/prometheus.yml", "does not scrape service " + n));
  }
}
