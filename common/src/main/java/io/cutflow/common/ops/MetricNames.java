package io.cutflow.common.ops;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.client.Collector;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.dropwizard.samplebuilder.CustomMappingSampleBuilder;
import io.prometheus.client.dropwizard.samplebuilder.MapperConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one table from Dropwizard metric names (what the code registers, dotted, with values such as
 * a failure code or a slot as name parts) to Prometheus names (base units, {@code _total} counters,
 * the values as labels). {@code docs/metrics.md} documents every resulting metric; the {@code
 * MetricsDocTest}s check the two against what {@code /metrics} serves.
 *
 * <p>Names no row matches keep Dropwizard's default rendering ({@code .} and {@code -} become
 * {@code _}): the JVM gauges ({@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*}).
 */
public final class MetricNames {
  private MetricNames() {}

  /** Dropwizard glob (one {@code *} per name part) → Prometheus name and labels. */
  static final List<MapperConfig> TABLE =
      List.of(
          // worker process (worker.service.WorkerMetrics)
          map("cutflow.worker.images", "cutflow_worker_images"),
          map("cutflow.worker.results.*.*", "cutflow_worker_results", "model", "status"),
          map("cutflow.worker.failures.*", "cutflow_worker_failures_total", "code"),
          map("cutflow.worker.stage.*", "cutflow_worker_stage_seconds", "stage"),
          map("cutflow.worker.input-pixels", "cutflow_worker_input_pixels_total"),
          map("cutflow.worker.consumer.lag", "cutflow_worker_consumer_lag_max"),
          map(
              "cutflow.worker.consumer.partition-lag.*",
              "cutflow_worker_consumer_lag",
              "partition"),
          map("cutflow.worker.rss.bytes", "cutflow_worker_rss_bytes"),
          map("cutflow.worker.rss.limit", "cutflow_worker_rss_limit_bytes"),
          map("cutflow.worker.queue.inference", "cutflow_worker_inference_queue"),
          map("cutflow.worker.in-flight", "cutflow_worker_in_flight"),
          map(
              "cutflow.worker.dependency.*.waiting",
              "cutflow_worker_dependency_waiting",
              "dependency"),
          map("cutflow.worker.start.*.waiting", "cutflow_worker_start_waiting", "dependency"),
          // supervisor (worker.supervisor)
          map("cutflow.supervisor.crashes", "cutflow_supervisor_crashes_total"),
          map("cutflow.supervisor.slot.*.crashes", "cutflow_supervisor_slot_crashes_total", "slot"),
          map("cutflow.supervisor.recycles.*", "cutflow_supervisor_recycles_total", "reason"),
          map("cutflow.supervisor.standby-boosts", "cutflow_supervisor_standby_boosts_total"),
          map("cutflow.supervisor.warm-up-cpu", "cutflow_supervisor_warm_up_cpu_seconds"),
          map("cutflow.supervisor.start-to-ready", "cutflow_supervisor_start_to_ready_seconds"),
          map("cutflow.supervisor.handover-gap", "cutflow_supervisor_handover_gap_seconds"),
          map("cutflow.supervisor.record-crashes", "cutflow_supervisor_record_crashes_total"),
          map("cutflow.supervisor.suspects", "cutflow_supervisor_suspects"),
          map("cutflow.supervisor.suspects.past-bound", "cutflow_supervisor_suspects_past_bound"),
          map("cutflow.supervisor.suspects.max-crashes", "cutflow_supervisor_suspect_max_crashes"),
          map("cutflow.supervisor.worker.rss.*", "cutflow_supervisor_worker_rss_bytes", "slot"),
          map("cutflow.supervisor.worker.rss-limit", "cutflow_supervisor_worker_rss_limit_bytes"),
          // ingest (ingest.http.HttpMetrics)
          map("ingest.http.requests.*.*", "cutflow_ingest_http_request_seconds", "route", "status"),
          map("ingest.http.count.*.*", "cutflow_ingest_http_requests", "route", "status"),
          map("ingest.upload.bytes", "cutflow_ingest_upload_bytes_total"),
          map("ingest.upload.file-bytes", "cutflow_ingest_upload_file_bytes"),
          map("ingest.time-to-result", "cutflow_ingest_time_to_result_seconds"),
          map("ingest.remove.timeouts", "cutflow_ingest_remove_timeouts_total"),
          map("ingest.remove.refused", "cutflow_ingest_remove_refused_total"),
          map("ingest.remove.waiting", "cutflow_ingest_remove_waiting"),
          map("ingest.jobs.queued", "cutflow_ingest_jobs_queued"),
          map("ingest.upload.memory-bytes", "cutflow_ingest_upload_memory_bytes"),
          map("ingest.ready", "cutflow_ingest_ready"),
          map("ingest.dependency.*.refusing", "cutflow_ingest_dependency_refusing", "dependency"),
          map("ingest.start.*.waiting", "cutflow_ingest_start_waiting", "dependency"),
          // bucket bridge and watcher (counters)
          map("cutflow.bridge.events.*", "cutflow_bridge_events_total", "outcome"),
          map("cutflow.bridge.cutout-names.*", "cutflow_bridge_cutout_names_total", "what"),
          map("cutflow.watch.*", "cutflow_watch_total", "what"));

  private static MapperConfig map(String glob, String name, String... labels) {
    Map<String, String> byPart = new java.util.LinkedHashMap<>();
    for (int i = 0; i < labels.length; i++) {
      byPart.put(labels[i], "${" + i + "}");
    }
    return new MapperConfig(glob, name, byPart);
  }

  /**
   * {@code registry} as a Prometheus collector under the names of {@link #TABLE}.
   *
   * <p>Dropwizard exports a {@code Counter} as a gauge (Dropwizard counters may decrease); ours
   * only grow, so a family whose mapped name ends in {@code _total} is re-typed as a counter. That
   * is the one thing the mapping table cannot say.
   */
  public static Collector collector(MetricRegistry registry) {
    DropwizardExports exports =
        new DropwizardExports(registry, new CustomMappingSampleBuilder(TABLE));
    return new Collector() {
      @Override
      public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples> out = new ArrayList<>();
        for (MetricFamilySamples f : exports.collect()) {
          if (f.type == Type.GAUGE && f.name.endsWith("_total")) {
            String base = f.name.substring(0, f.name.length() - "_total".length());
            out.add(new MetricFamilySamples(base, Type.COUNTER, f.help, f.samples));
          } else {
            out.add(f);
          }
        }
        return out;
      }
    };
  }
}
