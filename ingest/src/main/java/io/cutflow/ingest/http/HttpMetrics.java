package io.cutflow.ingest.http;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.dropwizard.samplebuilder.CustomMappingSampleBuilder;
import io.prometheus.client.dropwizard.samplebuilder.MapperConfig;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The ingest's Dropwizard metrics and their Prometheus rendering:
 *
 * <ul>
 *   <li>{@code ingest.http.requests.<route>.<status>} (Timer) → {@code
 *       ingest_http_requests{route,status}} summary: request count and latency by route and status;
 *   <li>{@code ingest.upload.bytes} (Counter): image bytes accepted; {@code
 *       ingest.upload.file-bytes} (Histogram): size per accepted image;
 *   <li>{@code ingest.time-to-result} (Timer): from submission to the result reaching this ingest,
 *       for jobs this instance submitted;
 *   <li>{@code ingest.remove.timeouts} (Counter): {@code /api/remove} calls answered 504;
 *   <li>{@code ingest.remove.refused} (Counter): {@code /api/remove} calls refused with 503 because
 *       {@code cutflow.ingest.max-waiting-removes} were already waiting;
 *   <li>{@code ingest.remove.waiting} (Gauge): {@code /api/remove} calls waiting now;
 *   <li>{@code ingest.jobs.queued} (Gauge): jobs this instance queued without a result yet.
 * </ul>
 */
final class HttpMetrics {
  private final MetricRegistry registry;
  private final CollectorRegistry prometheus = new CollectorRegistry();
  private final Counter uploadBytes;
  private final Histogram fileBytes;
  private final Timer timeToResult;
  private final Counter removeTimeouts;
  private final Counter removeRefused;

  HttpMetrics(MetricRegistry registry) {
    this.registry = registry;
    this.uploadBytes = registry.counter("ingest.upload.bytes");
    this.fileBytes = registry.histogram("ingest.upload.file-bytes");
    this.timeToResult = registry.timer("ingest.time-to-result");
    this.removeTimeouts = registry.counter("ingest.remove.timeouts");
    this.removeRefused = registry.counter("ingest.remove.refused");
    MapperConfig byRouteAndStatus =
        new MapperConfig(
            "ingest.http.requests.*.*",
            "ingest_http_requests",
            Map.of("route", "${0}", "status", "${1}"));
    new DropwizardExports(registry, new CustomMappingSampleBuilder(List.of(byRouteAndStatus)))
        .register(prometheus);
  }

  void request(String route, int status, long nanos) {
    registry
        .timer("ingest.http.requests." + route + "." + status)
        .update(nanos, TimeUnit.NANOSECONDS);
  }

  void upload(long bytes) {
    uploadBytes.inc(bytes);
    fileBytes.update(bytes);
  }

  void timeToResult(long millis) {
    timeToResult.update(millis, TimeUnit.MILLISECONDS);
  }

  void removeTimeout() {
    removeTimeouts.inc();
  }

  void removeRefused() {
    removeRefused.inc();
  }

  /** Jobs of this instance completing per second, over about the last minute; 0 before any. */
  double completionsPerSecond() {
    return timeToResult.getOneMinuteRate();
  }

  /** The gauges of this API instance (replacing those of an earlier one in the same registry). */
  void gauges(IntSupplier waitingRemoves, IntSupplier queuedJobs) {
    gauge("ingest.remove.waiting", waitingRemoves);
    gauge("ingest.jobs.queued", queuedJobs);
  }

  private void gauge(String name, IntSupplier value) {
    registry.remove(name);
    registry.register(name, (Gauge<Integer>) value::getAsInt);
  }

  /** Every metric of the registry in Prometheus text format 0.0.4. */
  String scrape() {
    StringWriter out = new StringWriter();
    try {
      TextFormat.write004(out, prometheus.metricFamilySamples());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
