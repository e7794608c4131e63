package io.cutflow.standalone;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.worker.supervisor.RecyclingSupervisor.WorkerEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code up} writes for a Prometheus on this machine, in one folder: {@code targets.json}
 * (file-based service discovery: the ingest, the supervisor and every live worker, each worker with
 * its {@code slot} and {@code worker} id, rewritten atomically whenever recycling moves a worker to
 * a new port), {@code prometheus.yml} (scrapes that file, loads the rules) and {@code alerts.yml}
 * (the rules of {@code ops/prometheus/alerts.yml}). Every target has a {@code service} label:
 * {@code ingest}, {@code supervisor} or {@code worker}.
 */
final class PrometheusFiles {
  private static final Logger log = LoggerFactory.getLogger(PrometheusFiles.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final String ingestTarget;
  private final String supervisorTarget;

  private PrometheusFiles(Path dir, String ingestTarget, String supervisorTarget) {
    this.dir = dir;
    this.ingestTarget = ingestTarget;
    this.supervisorTarget = supervisorTarget;
  }

  /**
   * Writes the three files into {@code dir} (targets without workers yet).
   *
   * @param ingestTarget {@code host:port} of the ingest's {@code /metrics}
   * @param supervisorTarget {@code host:port} of the supervisor's ops endpoint
   */
  static PrometheusFiles write(
      Path dir, String ingestTarget, String supervisorTarget, Duration scrapeInterval)
      throws IOException {
    Files.createDirectories(dir);
    try (InputStream rules = PrometheusFiles.class.getResourceAsStream("/prometheus/alerts.yml")) {
      if (rules == null) {
        throw new IOException("prometheus/alerts.yml is missing from the class path; rebuild");
      }
      Files.copy(rules, dir.resolve("alerts.yml"), StandardCopyOption.REPLACE_EXISTING);
    }
    long seconds = Math.max(1, scrapeInterval.toSeconds());
    String config =
        """
        # written by `cutflow up`: run with
        #   prometheus --config.file=%1$s --storage.tsdb.path=%2$s
        global:
          scrape_interval: %3$ds
          evaluation_interval: %3$ds
        rule_files:
          - %4$s
        scrape_configs:
          - job_name: cutflow
            file_sd_configs:
              - files: ["%5$s"]
                refresh_interval: %3$ds
        """
            .formatted(
                dir.resolve("prometheus.yml"),
                dir.resolve("data"),
                seconds,
                dir.resolve("alerts.yml"),
                dir.resolve("targets.json"));
    atomicWrite(dir.resolve("prometheus.yml"), config);
    PrometheusFiles files = new PrometheusFiles(dir, ingestTarget, supervisorTarget);
    files.workers(List.of());
    return files;
  }

  /** The configuration file to give Prometheus. */
  Path config() {
    return dir.resolve("prometheus.yml");
  }

  /** The command that runs Prometheus on these files. */
  String command() {
    return "prometheus --config.file=" + config() + " --storage.tsdb.path=" + dir.resolve("data");
  }

  /**
   * Rewrites {@code targets.json} with {@code workers} (atomically: Prometheus never reads half).
   */
  void workers(List<WorkerEndpoint> workers) {
    List<Map<String, Object>> groups = new ArrayList<>();
    groups.add(group(ingestTarget, Map.of("service", "ingest")));
    groups.add(group(supervisorTarget, Map.of("service", "supervisor")));
    for (WorkerEndpoint w : workers) {
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put("service", "worker");
      labels.put("slot", Integer.toString(w.slot()));
      labels.put("worker", w.workerId());
      groups.add(group("127.0.0.1:" + w.opsPort(), labels));
    }
    try {
      atomicWrite(
          dir.resolve("targets.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(groups));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve("targets.json"), e);
    }
    log.atInfo()
        .setMessage("prometheus targets written")
        .addKeyValue("workers", workers.size())
        .addKeyValue("file", dir.resolve("targets.json"))
        .log();
  }

  private static Map<String, Object> group(String target, Map<String, String> labels) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("targets", List.of(target));
    g.put("labels", labels);
    return g;
  }

  private static void atomicWrite(Path file, String content) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
