package io.cutflow.standalone.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.ops.OpsServer;
import io.cutflow.standalone.CutflowCli;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files checked against the code, with no Docker and no cluster: docker-compose.yml
 * and ops/prometheus/prometheus.yml ({@link ComposeCheck}), ops/k8s/ ({@link KubernetesCheck}), the
 * Dockerfile and the image's launcher. A wrong key in a copy of the compose file fails.
 */
class StackFilesTest {
  static final Path ROOT = StackFiles.root();
  static final Duration DRAIN = SupervisorSettings.defaults().stopTimeout();

  static List<String> composeProblems(String composeText) {
    return composeProblems(
        composeText, StackFiles.read(ROOT.resolve("ops/prometheus/prometheus.yml")));
  }

  static List<String> composeProblems(String composeText, String prometheusText) {
    StackFiles out = new StackFiles();
    ComposeCheck compose = new ComposeCheck(out, DRAIN);
    compose.check(StackFiles.yaml(composeText));
    compose.prometheus(StackFiles.yaml(prometheusText));
    return out.problems();
  }

  @Test
  void composeFileAndPrometheusConfigurationAgreeWithTheCode() {
    List<String> problems = composeProblems(StackFiles.read(ROOT.resolve("docker-compose.yml")));
    assertEquals(List.of(), problems, String.join("\n", problems));
  }

  @Test
  void kubernetesManifestsAgreeWithTheCode() {
    StackFiles out = new StackFiles();
    new KubernetesCheck(out, DRAIN).check(ROOT.resolve("ops/k8s"));
    assertEquals(List.of(), out.problems(), String.join("\n", out.problems()));
  }

  @Test
  void aWrongKeyInACopyOfTheComposeFileFails(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("docker-compose.yml");
    String original = StackFiles.read(ROOT.resolve("docker-compose.yml"));
    assertTrue(original.contains("CUTFLOW_BRIDGE_ENABLED:"), "the compose file enables the bridge");
    Files.writeString(copy, original.replace("CUTFLOW_BRIDGE_ENABLED:", "CUTFLOW_BRIDGE_ENABLE:"));

    List<String> problems = composeProblems(Files.readString(copy));

    assertTrue(
        problems.stream()
            .anyMatch(
                p ->
                    p.startsWith("docker-compose.yml services.ingest-1.environment")
                        && p.contains("CUTFLOW_BRIDGE_ENABLE is not a setting")),
        String.join("\n", problems));
  }

  @Test
  void aWrongValueTopicOrCommandInTheComposeFileFails() {
    String original = StackFiles.read(ROOT.resolve("docker-compose.yml"));
    String broken =
        original
            .replace(
                "CUTFLOW_WORKER_RECYCLE_AFTER: \"500\"", "CUTFLOW_WORKER_RECYCLE_AFTER: \"-1\"")
            .replace(
                "MINIO_NOTIFY_KAFKA_TOPIC_CUTFLOW: cutflow.bucket-events",
                "MINIO_NOTIFY_KAFKA_TOPIC_CUTFLOW: bucket-events")
            .replace("command: [\"ingest-server\"]", "command: [\"ingest-serve\"]");

    String problems = String.join("\n", composeProblems(broken));

    assertTrue(problems.contains("cutflow.worker.recycle-after"), problems);
    assertTrue(problems.contains("MINIO_NOTIFY_KAFKA_TOPIC_CUTFLOW (the bridge topic)"), problems);
    assertTrue(problems.contains("'ingest-serve' is not a cutflow command"), problems);
  }

  /**
   * The worker JVMs' /metrics are on fixed ports that compose and Kubernetes expose to scraping.
   */
  @Test
  void workerJvmPortsAreFixedAndEveryOneIsScraped(@TempDir Path dir) throws Exception {
    String compose = StackFiles.read(ROOT.resolve("docker-compose.yml"));
    String base = WorkerConfig.WORKER_PORT_BASE.envName();
    assertEquals("CUTFLOW_SUPERVISOR_WORKER_PORT_BASE", base);
    assertTrue(compose.contains(base + ": \"9401\""), "the worker service fixes its JVMs' ports");
    String k8s = StackFiles.read(ROOT.resolve("ops/k8s/worker.yaml"));
    assertTrue(k8s.contains("{name: " + base + ", value: \"9401\"}"), k8s);
    for (int i = 1; i <= 3; i++) {
      assertTrue(k8s.contains("{name: worker-" + i + ", containerPort: 940" + i + "}"), k8s);
    }
    String readme = StackFiles.read(ROOT.resolve("README.md"));
    assertTrue(
        readme.contains("regex: " + KubernetesCheck.WORKER_PORT_NAME),
        "the README's scrape job keeps the port names the manifest uses");

    // without the setting the worker JVMs are on ephemeral ports, which nothing can scrape
    String ephemeral = String.join("\n", composeProblems(compose.replace(base + ":", "#")));
    assertTrue(ephemeral.contains(base + " is unset or 0"), ephemeral);

    // a pool port Prometheus does not scrape
    String prometheus = StackFiles.read(ROOT.resolve("ops/prometheus/prometheus.yml"));
    assertTrue(prometheus.contains("port: 9403"), prometheus);
    String unscraped =
        String.join("\n", composeProblems(compose, prometheus.replace("port: 9403", "port: 9400")));
    assertTrue(unscraped.contains("does not scrape the worker JVM port worker:9403"), unscraped);
    // two slots need six ports
    String twoSlots =
        String.join(
            "\n", composeProblems(compose.replace("\"--slots\", \"1\"", "\"--slots\", \"2\"")));
    assertTrue(twoSlots.contains("does not scrape the worker JVM port worker:9406"), twoSlots);

    // a copy of the manifests whose third worker port has another name fails
    try (var files = Files.list(ROOT.resolve("ops/k8s"))) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName().toString()));
      }
    }
    Files.writeString(
        dir.resolve("worker.yaml"), k8s.replace("{name: worker-3,", "{name: standby-ops,"));
    StackFiles out = new StackFiles();
    new KubernetesCheck(out, DRAIN).check(dir);
    String problems = String.join("\n", out.problems());
    assertTrue(problems.contains("worker JVM port 9403 is not a container port named"), problems);
  }

  @Test
  void dockerfileSetsRealKeysAndItsLauncherRunsTheCli() {
    String dockerfile = StackFiles.read(ROOT.resolve("Dockerfile"));
    StackFiles out = new StackFiles();
    Map<String, String> env = StackFiles.dockerfileEnv(dockerfile);
    assertTrue(env.keySet().stream().anyMatch(n -> n.startsWith("CUTFLOW_")), env.toString());
    out.settings("Dockerfile ENV", env);
    assertEquals(List.of(), out.problems(), String.join("\n", out.problems()));

    assertTrue(dockerfile.contains("\nSTOPSIGNAL SIGTERM\n"), "STOPSIGNAL SIGTERM");
    assertTrue(dockerfile.contains("\nUSER 10001:10001\n"), "runs as a non-root user");
    assertTrue(
        dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/cutflow\"]")
            && dockerfile.contains("COPY ops/docker/cutflow /usr/local/bin/cutflow"),
        "the entry point is the launcher");
    String launcher = StackFiles.read(ROOT.resolve("ops/docker/cutflow"));
    assertTrue(launcher.contains(" " + CutflowCli.class.getName() + " \"$@\""), launcher);
    assertTrue(launcher.contains("-XX:MaxRAMPercentage="), launcher);
    assertTrue(launcher.contains("exec java"), "the JVM replaces the shell and gets SIGTERM");
    assertTrue(
        Files.isExecutable(ROOT.resolve("ops/docker/cutflow")), "ops/docker/cutflow is executable");
    // a variable the image sets that is no setting must be one the code reads itself
    assertTrue(StackFiles.NON_KEY_VARIABLES.contains("CUTFLOW_MODEL_CACHE"));
    assertEquals(null, StackFiles.keyOf("CUTFLOW_MODEL_CACHE"));
  }

  /** The probe paths the files ask are the ones the processes serve (the ops server's). */
  @Test
  void probePathsAreServed() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (OpsServer ops =
        OpsServer.start("127.0.0.1", 0, new MetricRegistry(), () -> true, () -> "not ready")) {
      for (String path : List.of("/healthz", "/readyz", "/metrics")) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(ops.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path);
      }
    }
    // what the probes of both kinds of process are derived from
    ConfigKey ingestPort = io.cutflow.ingest.IngestConfig.HTTP_PORT;
    assertEquals("8080", ingestPort.defaultValue());
    assertEquals("9400", io.cutflow.common.config.OpsConfig.PORT.defaultValue());
  }
}
