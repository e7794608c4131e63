package io.cutflow.ingest.bucket;

import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.ingest.bucket.BridgeRules.Decision;
import io.cutflow.ingest.bucket.BridgeRules.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's first step: parses one bucket-events record and forwards, per upload that passes
 * {@link BridgeRules}, the job request keyed by job id; per watched object deleted, a release of
 * its cutout name ({@link CutoutNamer#toRelease}) keyed by its name scope; or a dead letter keyed
 * by the original key when the record is not an event notification, or per upload that cannot
 * become a job. Never throws on input: bad records must not stop the bridge.
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
    List<Record<String, Routed>> out = new ArrayList<>();
    try {
      for (BucketEvent event : BucketEventFormat.parse(record.value())) {
        route(record, event, received, out);
      }
    } catch (InvalidBucketEventException e) {
      out.add(
          deadLetter(
              record,
              e.notJson() ? FailureCode.MALFORMED_JSON : FailureCode.SCHEMA_VIOLATION,
              null,
              e.getMessage()));
    } catch (RuntimeException e) { // a bug must not stop the bridge either; the record is kept
      out.add(deadLetter(record, FailureCode.INTERNAL_ERROR, null, "cannot be handled: " + e));
    }
    // Outside the try: what the next steps throw (a send that failed, surfacing at a later one)
    // is theirs to handle, not this record's fault, and must not dead-letter it.
    out.forEach(context::forward);
  }

  private void route(
      Record<String, String> record,
      BucketEvent event,
      Instant received,
      List<Record<String, Routed>> out) {
    Decision d;
    try {
      d = rules.decide(event, received);
    } catch (IllegalArgumentException e) { // a key no job can hold, e.g. half a surrogate pair
      out.add(
          deadLetter(
              record,
              FailureCode.SCHEMA_VIOLATION,
              null,
              "upload "
                  + event.bucket()
                  + "/"
                  + event.key()
                  + " cannot become a job: "
                  + e.getMessage()));
      return;
    }
    if (d.outcome() != Outcome.JOB) {
      metrics.count(d.outcome());
      if (d.released() != null) {
        out.add(
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
    String json = codec.encode(d.job());
    try {
      codec.decodeRequest(json); // the job a worker will read: a key it cannot take fails here
    } catch (InvalidJobException e) {
      out.add(
          deadLetter(
              record,
              FailureCode.SCHEMA_VIOLATION,
              d.job().jobId(),
              "upload "
                  + event.bucket()
                  + "/"
                  + event.key()
                  + " cannot become a job: "
                  + e.getMessage()
                  + "; rename the object (or fix the event)"));
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
    out.add(record.withKey(d.job().jobId()).withValue(new Routed(Kind.JOB, json)));
  }

  private Record<String, Routed> deadLetter(
      Record<String, String> record, FailureCode code, String jobId, String reason) {
    metrics.count(Outcome.DEAD_LETTER);
    RecordMetadata md = context.recordMetadata().orElse(null);
    String topic = md == null ? null : md.topic();
    int partition = md == null ? -1 : md.partition();
    long offset = md == null ? -1 : md.offset();
    log.atWarn()
        .setMessage(
            jobId == null
                ? "bucket event is not an S3 event notification; dead-lettered"
                : "bucket upload cannot become a job; dead-lettered")
        .addKeyValue("record_key", record.key())
        .addKeyValue("job", jobId)
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
            jobId,
            code,
            "bucket event: " + reason,
            WORKER_ID,
            Instant.now());
    return record.withValue(new Routed(Kind.DEAD_LETTER, codec.encode(dl)));
  }
}
