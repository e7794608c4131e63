package io.cutflow.ingest.bucket;

import io.cutflow.common.image.CutoutFileName;
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
 * extension>.png}. Cutflow's own writes (the raw and cutouts buckets, objects carrying {@code
 * cutflow-job-id} metadata) never make jobs: no loops.
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

  /** What became of one event: a job (with its request) or why not. */
  public record Decision(Outcome outcome, JobRequest job, String why) {
    static Decision skip(Outcome outcome, String why) {
      return new Decision(outcome, null, why);
    }
  }

  private final BridgeSettings settings;

  public BridgeRules(BridgeSettings settings) {
    this.settings = settings;
  }

  public Decision decide(BucketEvent e, Instant received) {
    if (!e.isCreated()) {
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
    if (e.size() != null && e.size() == 0) {
      return Decision.skip(Outcome.SKIPPED_FILTER, "zero-byte object");
    }
    JobRequest job =
        new JobRequest(
            JobRequest.SCHEMA,
            jobId(e),
            new JobRequest.Source(e.bucket(), e.key(), e.eTag(), e.size()),
            new JobRequest.Output(
                settings.cutoutsBucket(), settings.outputPrefix() + CutoutFileName.ofKey(e.key())),
            CutoutOptions.DEFAULTS,
            submittedAt(e, received),
            Map.of("source", "bucket-event", "event", e.eventName()));
    return new Decision(Outcome.JOB, job, null);
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
