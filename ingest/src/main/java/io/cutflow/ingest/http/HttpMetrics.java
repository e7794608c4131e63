package io.cutflow.ingest.http;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.cutflow.common.ops.MetricNames;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The ingest's Dropwizard metrics, rendered in Prometheus format under the names of {@link
 * MetricNames} (every one documented in {@code docs/metrics.md}): requests by route and status (a
 * count and a latency summary), upload bytes, time to result, {@code /api/remove} timeouts and
 * refusals, waiting removes, queued jobs, upload memory in use, readiness and a start waiting for
 * its dependencies.
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
    MetricNames.collector(registry).register(prometheus);
  }

  void request(String route, int status, long nanos) {
    registry
        .timer("ingest.http.requests." + route + "." + status)
        .update(nanos, TimeUnit.NANOSECONDS);
    registry.meter("ingest.http.count." + route + "." + status).mark();
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
  void gauges(
      IntSupplier waitingRemoves,
      IntSupplier queuedJobs,
      LongSupplier uploadBytes,
      BooleanSupplier ready) {
    gauge("ingest.remove.waiting", (Gauge<Integer>) waitingRemoves::getAsInt);
    gauge("ingest.jobs.queued", (Gauge<Integer>) queuedJobs::getAsInt);
    gauge("ingest.upload.memory-bytes", (Gauge<Long>) uploadBytes::getAsLong);
    gauge("ingest.ready", (Gauge<Integer>) () -> ready.getAsBoolean() ? 1 : 0);
  }

  /** 1 while submissions are refused at once because {@code dependency} failed, else 0. */
  void dependency(String dependency, BooleanSupplier refusing) {
    gauge(
        "ingest.dependency." + dependency + ".refusing",
        (Gauge<Integer>) () -> refusing.getAsBoolean() ? 1 : 0);
  }

  /** 1 while the start waits for {@code dependency} to answer ({@code StartupWait}), else 0. */
  void startWaiting(String dependency, IntSupplier waiting) {
    gauge("ingest.start." + dependency + ".waiting", (Gauge<Integer>) waiting::getAsInt);
  }

  private void gauge(String name, Gauge<?> gauge) {
    registry.remove(name);
    registry.register(name, gauge);
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
