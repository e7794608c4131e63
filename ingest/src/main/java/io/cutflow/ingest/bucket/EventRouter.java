package io.cutflow.ingest.bucket;

import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.ingest.bucket.BridgeRules.Decision;
import io.cutflow.ingest.bucket.BridgeRules.Outcome;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's first step: parses one bucket-events record and forwards, per upload that passes
 * {@link BridgeRules}, the job request keyed by job id; per watched object deleted, a release of
 * its cutout name ({@link CutoutNamer#toRelease}) keyed by its name scope; or one dead letter keyed
 * by the original key when the record is not an event notification. Never throws on input: bad
 * records must not stop the bridge.
 */
final class EventRouter implements Processor<String, String, String, EventRouter.Routed> {
  private static final Logger log = LoggerFactory.getLogger(EventRouter.class);
  static final String WORKER_ID = "bucket-bridge";

  /** What the router forwards. */
  enum Kind {
    JOB,
    RELEASE,
    DEAD_LETTER
  }

  /** A job request or a dead letter as JSON, or a release as {@link CutoutNamer} reads it. */
  record Routed(Kind kind, String value) {}

  private final BridgeRules rules;
  private final JobCodec codec;
  private final BridgeMetrics metrics;
  private ProcessorContext<String, Routed> context;

  EventRouter(BridgeRules rules, JobCodec codec, BridgeMetrics metrics) {
    this.rules = rules;
    this.codec = codec;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Routed> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, String> record) {
    Instant received = Instant.ofEpochMilli(record.timestamp());
    try {
      for (BucketEvent event : BucketEventFormat.parse(record.value())) {
        route(record, event, received);
      }
    } catch (InvalidBucketEventException e) {
      deadLetter(
          record,
          e.notJson() ? FailureCode.MALFORMED_JSON : FailureCode.SCHEMA_VIOLATION,
          e.getMessage());
    } catch (RuntimeException e) { // a bug must not stop the bridge either; the record is kept
      deadLetter(record, FailureCode.INTERNAL_ERROR, "cannot be handled: " + e);
    }
  }

  private void route(Record<String, String> record, BucketEvent event, Instant received) {
    Decision d = rules.decide(event, received);
    if (d.outcome() != Outcome.JOB) {
      metrics.count(d.outcome());
      if (d.released() != null) {
        context.forward(
            record
                .withKey(rules.nameScopeOf(event.key()))
                .withValue(new Routed(Kind.RELEASE, CutoutNamer.toRelease(d.released()))));
      }
      log.atDebug()
          .setMessage("bucket event makes no job")
          .addKeyValue("bucket", event.bucket())
          .addKeyValue("key", event.key())
          .addKeyValue("event", event.eventName())
          .addKeyValue("why", d.why())
          .log();
      return;
    }
    // counted as a job or a duplicate by the next step
    log.atDebug()
        .setMessage("bucket upload")
        .addKeyValue("bucket", event.bucket())
        .addKeyValue("key", event.key())
        .addKeyValue("etag", event.eTag())
        .addKeyValue("job", d.job().jobId())
        .log();
    context.forward(
        record.withKey(d.job().jobId()).withValue(new Routed(Kind.JOB, codec.encode(d.job()))));
  }

  private void deadLetter(Record<String, String> record, FailureCode code, String reason) {
    metrics.count(Outcome.DEAD_LETTER);
    RecordMetadata md = context.recordMetadata().orElse(null);
    String topic = md == null ? null : md.topic();
    int partition = md == null ? -1 : md.partition();
    long offset = md == null ? -1 : md.offset();
    log.atWarn()
        .setMessage("bucket event is not an S3 event notification; dead-lettered")
        .addKeyValue("record_key", record.key())
        .addKeyValue("topic", topic)
        .addKeyValue("partition", partition)
        .addKeyValue("offset", offset)
        .addKeyValue("reason", reason)
        .log();
    DeadLetter dl =
        DeadLetter.of(
            record.value(),
            record.key(),
            topic,
            partition,
            offset,
            null,
            code,
            "bucket event: " + reason,
            WORKER_ID,
            Instant.now());
    context.forward(record.withValue(new Routed(Kind.DEAD_LETTER, codec.encode(dl))));
  }
}
