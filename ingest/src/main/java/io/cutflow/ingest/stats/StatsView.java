package io.cutflow.ingest.stats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The JSON of {@code GET /v1/stats} and of the throughput topic's records (see {@code
 * docs/http-api.md}).
 */
public final class StatsView {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatsView() {}

  /**
   * @param from start of the first window counted
   * @param to end of the last window counted
   * @param now the per-second rate divides by {@code min(now, to) - from}
   */
  public static ObjectNode node(
      ThroughputTopology.Window window, Instant from, Instant to, Instant now, Throughput t) {
    ObjectNode n = JSON.createObjectNode();
    n.put("window", window.label);
    n.put("from", from.toString());
    n.put("to", to.toString());
    n.put("ok", t.ok());
    n.put("failed", t.failed());
    Instant until = now.isBefore(to) ? now : to;
    double seconds = Math.max(1.0, Duration.between(from, until).toMillis() / 1000.0);
    n.put("images_per_second", round((t.ok() + t.failed()) / seconds));
    n.put("input_megapixels", round(t.inputPixels() / 1e6));
    n.set("by_model", counts(t.byModel()));
    n.set("by_worker", counts(t.byWorker()));
    n.set("by_failure_code", counts(t.byFailureCode()));
    ObjectNode latency = n.putObject("latency_ms");
    latency.put("p50", t.totalMs(50));
    latency.put("p95", t.totalMs(95));
    ObjectNode inference = n.putObject("inference_latency_ms");
    inference.put("p50", t.inferenceMs(50));
    inference.put("p95", t.inferenceMs(95));
    return n;
  }

  static String json(
      ThroughputTopology.Window window, Instant from, Instant to, Instant now, Throughput t) {
    return node(window, from, to, now, t).toString();
  }

  private static ObjectNode counts(Map<String, Long> map) {
    ObjectNode o = JSON.createObjectNode();
    map.forEach(o::put);
    return o;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
