package io.cutflow.ingest.stats;

import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The throughput topology, added to the ingest's Streams application beside the job status:
 *
 * <pre>
 *   results (parsed JobResult, keyed by job id)
 *     → groupBy("all")  (one repartition topic: every result to one task)
 *     ├→ tumbling 1 m windows, 30 s grace → aggregate(Throughput::add) → store throughput-1m ─┐
 *     └→ tumbling 1 h windows, 5 m grace  → aggregate(Throughput::add) → store throughput-1h ─┴→ JSON → throughput topic
 * </pre>
 *
 * Windows go by the result record's timestamp (the worker's send time). A result up to the grace
 * period late still counts in its window; later ones are dropped (Streams counts them in its {@code
 * dropped-records} metric). The stores are logged, so a restarted ingest restores them from their
 * changelogs. Every window update is published to the throughput topic keyed {@code
 * <window>@<start>} (a consumer keeps the last value per key), as the JSON {@link StatsView}
 * renders.
 */
public final class ThroughputTopology {
  /** The two window sizes: label, size, grace, store. */
  public enum Window {
    ONE_MINUTE("1m", Duration.ofMinutes(1), Duration.ofSeconds(30), "throughput-1m"),
    ONE_HOUR("1h", Duration.ofHours(1), Duration.ofMinutes(5), "throughput-1h");

    public final String label;
    public final Duration size;
    public final Duration grace;
    public final String store;

    Window(String label, Duration size, Duration grace, String store) {
      this.label = label;
      this.size = size;
      this.grace = grace;
      this.store = store;
    }

    /** Kept long enough to answer "the last {@code size}" and for a day of 1 h windows. */
    Duration retention() {
      return this == ONE_MINUTE ? Duration.ofHours(2) : Duration.ofDays(1);
    }

    /** The window named {@code label} ({@code 1m}, {@code 1h}). */
    public static Window of(String label) {
      for (Window w : values()) {
        if (w.label.equals(label.toLowerCase(Locale.ROOT))) {
          return w;
        }
      }
      throw new IllegalArgumentException(
          "unknown window '" + label + "'; use window=1m or window=1h");
    }
  }

  private ThroughputTopology() {}

  /** Adds the windowed aggregation of {@code results} and its output to {@code throughputTopic}. */
  public static void addTo(KStream<String, JobResult> results, JobCodec codec, String topic) {
    KGroupedStream<String, JobResult> all =
        results.groupBy(
            (jobId, result) -> "all",
            Grouped.with("throughput-all", Serdes.String(), resultSerde(codec)));
    ThroughputSerde serde = new ThroughputSerde();
    for (Window w : Window.values()) {
      all.windowedBy(TimeWindows.ofSizeAndGrace(w.size, w.grace))
          .aggregate(
              Throughput::new,
              (key, result, agg) -> agg.add(result),
              Named.as("throughput-aggregate-" + w.label),
              Materialized.<String, Throughput, WindowStore<Bytes, byte[]>>as(w.store)
                  .withKeySerde(Serdes.String())
                  .withValueSerde(serde)
                  .withRetention(w.retention()))
          .toStream(Named.as("throughput-updates-" + w.label))
          .map(
              (windowed, agg) ->
                  KeyValue.pair(
                      w.label + "@" + windowed.window().startTime(),
                      StatsView.json(
                          w,
                          windowed.window().startTime(),
                          windowed.window().endTime(),
                          windowed.window().endTime(),
                          agg)),
              Named.as("throughput-json-" + w.label))
          .to(
              topic,
              Produced.with(Serdes.String(), Serdes.String())
                  .withName("throughput-out-" + w.label));
    }
  }

  /** Results on the repartition topic: their wire JSON. */
  static Serde<JobResult> resultSerde(JobCodec codec) {
    return Serdes.serdeFrom(
        (topic, r) -> r == null ? null : codec.encode(r).getBytes(StandardCharsets.UTF_8),
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return codec.decodeResult(new String(bytes, StandardCharsets.UTF_8));
          } catch (InvalidJobException e) {
            throw new IllegalStateException("a result on the repartition topic does not parse", e);
          }
        });
  }
}
