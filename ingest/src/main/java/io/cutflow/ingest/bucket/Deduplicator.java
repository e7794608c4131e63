package io.cutflow.ingest.bucket;

import io.cutflow.ingest.bucket.BridgeRules.Outcome;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops a job whose id the bridge already emitted within the window (MinIO's queue_dir and the
 * watcher deliver at least once). Keyed by job id after a repartition, so every event of one job id
 * meets the same store, whichever bucket-events partition it came in on.
 */
final class Deduplicator implements Processor<String, String, String, String> {
  private static final Logger log = LoggerFactory.getLogger(Deduplicator.class);

  private final String storeName;
  private final Duration window;
  private final BridgeMetrics metrics;
  private WindowStore<String, Long> seen;
  private ProcessorContext<String, String> context;

  Deduplicator(String storeName, Duration window, BridgeMetrics metrics) {
    this.storeName = storeName;
    this.window = window;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, String> context) {
    this.context = context;
    this.seen = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, String> record) {
    long now = record.timestamp();
    try (WindowStoreIterator<Long> hits =
        seen.fetch(
            record.key(), Instant.ofEpochMilli(now).minus(window), Instant.ofEpochMilli(now))) {
      if (hits.hasNext()) {
        metrics.count(Outcome.DUPLICATE);
        log.atDebug()
            .setMessage("duplicate bucket event dropped")
            .addKeyValue("job", record.key())
            .log();
        return;
      }
    }
    seen.put(record.key(), now, now);
    metrics.count(Outcome.JOB);
    log.atInfo().setMessage("bucket upload became a job").addKeyValue("job", record.key()).log();
    context.forward(record);
  }
}
