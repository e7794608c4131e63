package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.worker.supervisor.RecyclingSupervisor.WorkerEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus files {@code up} writes, and their rewrite when workers move. */
class PrometheusFilesTest {
  @TempDir Path dir;

  @Test
  void configScrapesTheTargetsFileAndLoadsTheRules() throws Exception {
    PrometheusFiles files =
        PrometheusFiles.write(dir, "127.0.0.1:8080", "127.0.0.1:9400", Duration.ofSeconds(2));
    String config = Files.readString(files.config());
    assertTrue(config.contains("scrape_interval: 2s"), config);
    assertTrue(config.contains("- " + dir.resolve("alerts.yml")), config);
    assertTrue(config.contains("files: [\"" + dir.resolve("targets.json") + "\"]"), config);
    assertTrue(
        Files.readString(dir.resolve("alerts.yml")).contains("alert: CutflowIngestNotReady"),
        "the rules of ops/prometheus/alerts.yml");
    assertEquals(
        "prometheus --config.file="
            + files.config()
            + " --storage.tsdb.path="
            + dir.resolve("data"),
        files.command());

    JsonNode targets = new ObjectMapper().readTree(dir.resolve("targets.json").toFile());
    assertEquals(2, targets.size());
    assertEquals("127.0.0.1:8080", targets.get(0).get("targets").get(0).asText());
    assertEquals("ingest", targets.get(0).get("labels").get("service").asText());
    assertEquals("supervisor", targets.get(1).get("labels").get("service").asText());
  }

  @Test
  void workersAreRewrittenWithSlotAndWorkerLabels() throws Exception {
    PrometheusFiles files =
        PrometheusFiles.write(dir, "127.0.0.1:8080", "127.0.0.1:9400", Duration.ofSeconds(5));
    files.workers(
        List.of(
            new WorkerEndpoint(0, "cutflow-up-0-1", 41001, "active"),
            new WorkerEndpoint(0, "cutflow-up-0-2", 41002, "standby")));
    // the recycle: the first worker is gone, its successor active on its own port
    files.workers(List.of(new WorkerEndpoint(0, "cutflow-up-0-2", 41002, "active")));

    JsonNode targets = new ObjectMapper().readTree(dir.resolve("targets.json").toFile());
    assertEquals(3, targets.size());
    JsonNode worker = targets.get(2);
    assertEquals("127.0.0.1:41002", worker.get("targets").get(0).asText());
    assertEquals("worker", worker.get("labels").get("service").asText());
    assertEquals("0", worker.get("labels").get("slot").asText());
    assertEquals("cutflow-up-0-2", worker.get("labels").get("worker").asText());
    try (var left = Files.list(dir)) {
      assertTrue(left.noneMatch(p -> p.toString().endsWith(".tmp")), "no temp files left");
    }
  }
}
