package io.cutflow.ingest.bucket;

import io.cutflow.common.image.CutoutFileName;
import io.cutflow.common.image.CutoutNames;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.JobRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Which bucket events make jobs, and the job each makes. An upload to a watched bucket under the
 * prefix, with a matching suffix, not empty and not a directory marker, becomes a job whose id
 * follows from bucket, key and eTag (so a redelivered event names the same job and a new upload of
 * other bytes a new one) and whose cutout goes to {@code <cutouts>/<output prefix><key without
 * extension>.png} unless another upload has that name ({@link CutoutNamer}). Cutflow's own writes
 * (the raw and cutouts buckets, objects carrying {@code cutflow-job-id} metadata) never make jobs:
 * no loops.
 */
public final class BridgeRules {
  /** User metadata {@code JobSubmitter} puts on every object it uploads for a job. */
  static final String JOB_ID_METADATA = "cutflow-job-id";

  /** The outcome of one event; the bridge's counters are named after these. */
  public enum Outcome {
    JOB("job"),
    DUPLICATE("duplicate"),
    SKIPPED_EVENT("skipped-event"),
    SKIPPED_FILTER("skipped-filter"),
    SKIPPED_OWN("skipped-own"),
    DEAD_LETTER("dead-letter");

    private final String metricName;

    Outcome(String metricName) {
      this.metricName = metricName;
    }

    public String metricName() {
      return metricName;
    }
  }

  /**
   * What became of one event: a job (with its request) or why not; for a watched object's delete,
   * the object ({@code bucket/key}) whose cutout name is free again.
   */
  public record Decision(Outcome outcome, JobRequest job, String why, String released) {
    static Decision skip(Outcome outcome, String why) {
      return new Decision(outcome, null, why, null);
    }
  }

  private final BridgeSettings settings;

  public BridgeRules(BridgeSettings settings) {
    this.settings = settings;
  }

  /** Where cutouts go ({@code cutflow.bucket.cutouts}). */
  public String cutoutsBucket() {
    return settings.cutoutsBucket();
  }

  public Decision decide(BucketEvent e, Instant received) {
    if (!e.isCreated() && !e.isRemoved()) {
      return Decision.skip(Outcome.SKIPPED_EVENT, "not an upload: " + e.eventName());
    }
    if (e.bucket().equals(settings.cutoutsBucket()) || e.bucket().equals(settings.rawBucket())) {
      return Decision.skip(Outcome.SKIPPED_OWN, "Cutflow's own bucket " + e.bucket());
    }
    if (e.metadata(JOB_ID_METADATA) != null) {
      return Decision.skip(Outcome.SKIPPED_OWN, "uploaded by Cutflow for a job");
    }
    if (!settings.buckets().contains(e.bucket())) {
      return Decision.skip(Outcome.SKIPPED_FILTER, "bucket not watched");
    }
    if (!e.key().startsWith(settings.prefix())) {
      return Decision.skip(Outcome.SKIPPED_FILTER, "key outside the prefix");
    }
    String lower = e.key().toLowerCase(Locale.ROOT);
    if (!settings.suffixes().isEmpty() && settings.suffixes().stream().noneMatch(lower::endsWith)) {
      return Decision.skip(Outcome.SKIPPED_FILTER, "key without a watched suffix");
    }
    if (e.key().endsWith("/")) {
      return Decision.skip(Outcome.SKIPPED_FILTER, "directory marker");
    }
    if (e.isRemoved()) {
      return new Decision(
          Outcome.SKIPPED_EVENT,
          null,
          "a delete: its cutout name is free again",
          CutoutNamer.sourceOf(e.bucket(), e.key()));
    }
    if (e.size() != null && e.size() == 0) {
      return Decision.skip(Outcome.SKIPPED_FILTER, "zero-byte object");
    }
    JobRequest job =
        new JobRequest(
            JobRequest.SCHEMA,
            jobId(e),
            new JobRequest.Source(e.bucket(), e.key(), e.eTag(), e.size()),
            new JobRequest.Output(settings.cutoutsBucket(), outputKey(e.key(), 0)),
            CutoutOptions.DEFAULTS,
            submittedAt(e, received),
            Map.of("source", "bucket-event", "event", e.eventName()));
    return new Decision(Outcome.JOB, job, null, null);
  }

  /**
   * The cutout key of the upload {@code sourceKey}: with {@code attempt} 0 its usual one ({@code
   * <output prefix><key without extension>.png}), with 1, 2… the names {@link CutoutNamer} gives it
   * when that one is another upload's ({@link CutoutNames#apart}: {@code a.jpg.png}, {@code
   * a.jpg~2.png}…). All of them lie in one folder, {@link #nameScope}.
   */
  public String outputKey(String sourceKey, int attempt) {
    String rel =
        attempt == 0 ? CutoutFileName.ofKey(sourceKey) : CutoutNames.apart(sourceKey, attempt);
    return settings.outputPrefix() + rel;
  }

  /**
   * The folder (bucket and key up to its last {@code /}) that an output key's names lie in: the
   * bridge names the cutouts of one folder on one task, so that two uploads can never take one
   * name.
   */
  public static String nameScope(JobRequest.Output output) {
    return output.bucket() + "/" + output.key().substring(0, output.key().lastIndexOf('/') + 1);
  }

  /** {@link #nameScope} of the upload {@code sourceKey}'s cutouts. */
  public String nameScopeOf(String sourceKey) {
    return nameScope(new JobRequest.Output(settings.cutoutsBucket(), outputKey(sourceKey, 0)));
  }

  /**
   * {@code s3-} and 32 hex digits of SHA-256 over bucket, key and eTag (the sequencer when an event
   * has no eTag): equal for redeliveries, different for new bytes under the same key.
   */
  public static String jobId(BucketEvent e) {
    String version = e.eTag() != null ? e.eTag() : e.sequencer() != null ? e.sequencer() : "";
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest =
          sha.digest(
              (e.bucket() + '\0' + e.key() + '\0' + version).getBytes(StandardCharsets.UTF_8));
      return "s3-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException("SHA-256 is part of every JVM", ex);
    }
  }

  private static Instant submittedAt(BucketEvent e, Instant received) {
    if (e.eventTime() != null) {
      try {
        return Instant.parse(e.eventTime());
      } catch (DateTimeParseException ignored) {
        // some senders write a local time; the record's own timestamp will do
      }
    }
    return received;
  }
}
