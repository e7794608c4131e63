package io.cutflow.common.job;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A request to cut out one image: wire form {@code cutflow.job-request/v1}, see {@code
 * schemas/job-request.v1.schema.json}. Field names on the wire are snake_case ({@code job_id},
 * {@code submitted_at}, {@code only_mask}, ...).
 *
 * @param schema always {@link #SCHEMA}
 * @param jobId producer-chosen id, stable across re-deliveries
 * @param source the input object
 * @param output where to write the cutout; null = derived, see {@link #resolvedOutput(String)}
 * @param options never null after construction (defaults applied)
 * @param submittedAt when the producer submitted the job
 * @param attributes producer correlation data; never null (empty when absent)
 */
public record JobRequest(
    String schema,
    String jobId,
    Source source,
    Output output,
    CutoutOptions options,
    Instant submittedAt,
    Map<String, String> attributes) {

  public static final String SCHEMA = "cutflow.job-request/v1";

  /** The longest job id the schema allows ({@code job_id}'s {@code maxLength}). */
  public static final int MAX_JOB_ID_CHARS = 512;

  public JobRequest {
    schema = schema == null ? SCHEMA : schema;
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(source, "source");
    requireWellFormed("job_id", jobId);
    if (output != null
        && output.bucket().equals(source.bucket())
        && output.key().equals(source.key())) {
      // the cutout would replace its input, and a redelivery would cut out the cutout
      throw new IllegalArgumentException(
          "output is the source object "
              + source.bucket()
              + "/"
              + source.key()
              + ": the cutout would overwrite its input; give another output key or bucket");
    }
    options = options == null ? CutoutOptions.DEFAULTS : options;
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /**
   * Refuses a string holding half of a UTF-16 surrogate pair (JSON's {@code "\ud800"}): no object
   * key or HTTP header can carry it, so the job would fail only at the store, after the model ran.
   */
  static void requireWellFormed(String field, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            String.format(
                "%s holds an unpaired UTF-16 surrogate (\\u%04x), which no object key can hold;"
                    + " send valid Unicode",
                field, (int) c));
      }
    }
  }

  /** A request with default options, no explicit output and no attributes. */
  public static JobRequest of(String jobId, Source source, Instant submittedAt) {
    return new JobRequest(
        SCHEMA, jobId, source, null, CutoutOptions.DEFAULTS, submittedAt, Map.of());
  }

  public JobRequest withOutput(Output output) {
    return new JobRequest(schema, jobId, source, output, options, submittedAt, attributes);
  }

  public JobRequest withOptions(CutoutOptions options) {
    return new JobRequest(schema, jobId, source, output, options, submittedAt, attributes);
  }

  public JobRequest withAttributes(Map<String, String> attributes) {
    return new JobRequest(schema, jobId, source, output, options, submittedAt, attributes);
  }

  /**
   * Where the cutout goes: the explicit {@link #output()} if given, else {@code (cutoutsBucket,
   * defaultOutputKey(jobId))}. Deterministic, so a re-delivered job overwrites the same object.
   */
  public Output resolvedOutput(String cutoutsBucket) {
    return output != null ? output : new Output(cutoutsBucket, defaultOutputKey(jobId));
  }

  /**
   * The default output key for a job id: {@code <job_id>.png}. The job id (not the source key) is
   * used so that two jobs on the same source with different options never collide, and {@code
   * photo.jpg} / {@code photo.png} sources do not either.
   */
  public static String defaultOutputKey(String jobId) {
    return jobId + ".png";
  }

  /**
   * The input object. {@code etag} and {@code size} are what the producer saw (informational, may
   * be null).
   */
  public record Source(String bucket, String key, String etag, Long size) {
    public Source {
      Objects.requireNonNull(bucket, "bucket");
      Objects.requireNonNull(key, "key");
      requireWellFormed("source.key", key);
    }

    public static Source of(String bucket, String key) {
      return new Source(bucket, key, null, null);
    }
  }

  /** Where the PNG goes. */
  public record Output(String bucket, String key) {
    public Output {
      Objects.requireNonNull(bucket, "bucket");
      Objects.requireNonNull(key, "key");
      requireWellFormed("output.key", key);
    }
  }
}
