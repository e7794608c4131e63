package io.cutflow.ingest.bucket;

import io.cutflow.common.image.CutoutNames;
import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each upload's cutout a key no other upload has. Events arrive one by one, so {@code a.jpg}
 * and {@code a.png} (or {@code a.jpg} in two watched buckets) would both be cut out to {@code
 * a.png}, the later replacing the earlier. The store remembers which upload holds each cutout key:
 * the first keeps the usual name, a later one takes the first free of {@link CutoutNames#apart}'s
 * ({@code a.png.png}, then {@code a.png~2.png}…), names being compared ignoring case as {@code
 * CutoutNames} does for local files. A new upload of the same object keeps the name it had. A
 * watched object's delete event gives its name back.
 *
 * <p>Keyed by {@link BridgeRules#nameScope} (the output folder) after a repartition, so every
 * upload that could want a name meets the same store. The store holds two entries per upload:
 * {@code n/<bucket>/<folded cutout key>} → the upload, and {@code s/<bucket>/<key>} → its cutout
 * key.
 */
final class CutoutNamer implements Processor<String, String, String, String> {
  private static final Logger log = LoggerFactory.getLogger(CutoutNamer.class);

  private static final char JOB = 'J';
  private static final char RELEASE = 'R';
  private static final String SOURCE = "s/";

  /** What the namer reads for a job whose cutout to name. */
  static String toName(String jobJson) {
    return JOB + jobJson;
  }

  /** What the namer reads for a deleted upload ({@code bucket/key}) whose name to give back. */
  static String toRelease(String source) {
    return RELEASE + source;
  }

  private final String storeName;
  private final BridgeRules rules;
  private final JobCodec codec;
  private final BridgeMetrics metrics;
  private KeyValueStore<String, String> names;
  private ProcessorContext<String, String> context;

  CutoutNamer(String storeName, BridgeRules rules, JobCodec codec, BridgeMetrics metrics) {
    this.storeName = storeName;
    this.rules = rules;
    this.codec = codec;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, String> context) {
    this.context = context;
    this.names = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, String> record) {
    String value = record.value();
    if (value != null && !value.isEmpty() && value.charAt(0) == RELEASE) {
      release(value.substring(1));
      return;
    }
    String json =
        value != null && !value.isEmpty() && value.charAt(0) == JOB ? value.substring(1) : value;
    JobRequest job;
    try {
      job = codec.decodeRequest(json);
    } catch (InvalidJobException | RuntimeException e) {
      // the router wrote it, so this is a bug: pass it on for the worker to dead-letter, not lose
      // it
      log.atError()
          .setMessage("bucket job cannot be read to name its cutout; passed on as it is")
          .addKeyValue("reason", e.getMessage())
          .log();
      context.forward(record.withValue(json));
      return;
    }
    JobRequest named = job.withOutput(name(job));
    context.forward(record.withKey(job.jobId()).withValue(codec.encode(named)));
  }

  private JobRequest.Output name(JobRequest job) {
    String bucket = job.output().bucket();
    String usual = job.output().key();
    String key = nameOf(job, bucket, usual);
    if (!key.equals(usual)) {
      metrics.namedApart();
      log.atInfo()
          .setMessage("bucket upload's cutout named apart: another upload has its usual name")
          .addKeyValue("job", job.jobId())
          .addKeyValue("source", sourceOf(job.source().bucket(), job.source().key()))
          .addKeyValue("usual", bucket + "/" + usual)
          .addKeyValue("cutout", bucket + "/" + key)
          .addKeyValue("usual_held_by", names.get(nameEntry(bucket, usual)))
          .log();
    }
    return new JobRequest.Output(bucket, key);
  }

  /** The name this upload holds, else the first free one, which it then holds. */
  private String nameOf(JobRequest job, String bucket, String usual) {
    String source = sourceOf(job.source().bucket(), job.source().key());
    String held = names.get(SOURCE + source);
    if (held != null && source.equals(names.get(nameEntry(bucket, held)))) {
      return held;
    }
    String key = usual;
    String takenBy = names.get(nameEntry(bucket, key));
    for (int n = 1; takenBy != null && !takenBy.equals(source); n++) {
      key = rules.outputKey(job.source().key(), n);
      takenBy = names.get(nameEntry(bucket, key));
    }
    names.put(nameEntry(bucket, key), source);
    names.put(SOURCE + source, key);
    return key;
  }

  private void release(String source) {
    String held = names.get(SOURCE + source);
    if (held == null) {
      return;
    }
    names.delete(SOURCE + source);
    String entry = nameEntry(rules.cutoutsBucket(), held); // every job's output bucket
    // held by this source unless the store was written under another cutouts bucket
    if (source.equals(names.get(entry))) {
      names.delete(entry);
    }
    metrics.nameReleased();
    log.atDebug()
        .setMessage("deleted upload's cutout name given back")
        .addKeyValue("source", source)
        .addKeyValue("cutout", held)
        .log();
  }

  /**
   * The key the namer's input is partitioned by for a job: {@link BridgeRules#nameScope} of its
   * output; "" for JSON that is not a job (the namer passes it on).
   */
  static String scopeOf(JobCodec codec, String jobJson) {
    try {
      return BridgeRules.nameScope(codec.decodeRequest(jobJson).output());
    } catch (InvalidJobException | RuntimeException e) {
      return "";
    }
  }

  static String sourceOf(String bucket, String key) {
    return bucket + "/" + key;
  }

  private static String nameEntry(String bucket, String key) {
    return "n/" + bucket + "/" + CutoutNames.fold(key);
  }
}
