package io.cutflow.common.config;

import static io.cutflow.common.config.ConfigKey.Type.INT;
import static io.cutflow.common.config.ConfigKey.Type.LONG;
import static io.cutflow.common.config.ConfigKey.Type.PASSWORD;
import static io.cutflow.common.config.ConfigKey.Type.STRING;

/**
 * Object-storage settings: the S3 endpoint, credentials, retries and buckets both sides use. The
 * only credentials here are MinIO's well-known local-stack defaults ({@code minioadmin});
 * deployments set {@code CUTFLOW_S3_ACCESS_KEY} / {@code CUTFLOW_S3_SECRET_KEY}.
 */
public final class StorageConfig implements ConfigKeys {
  public static final ConfigDef DEF = new ConfigDef("common", 20);

  public static final ConfigKey S3_ENDPOINT =
      DEF.define(
          "cutflow.s3.endpoint",
          STRING,
          "http://localhost:9000",
          Validators.httpUrl(),
          "S3-compatible endpoint URL (MinIO, S3Proxy, AWS).");
  public static final ConfigKey S3_ACCESS_KEY =
      DEF.define(
          "cutflow.s3.access-key",
          STRING,
          "minioadmin",
          Validators.nonEmpty(),
          "S3 access key. The default is MinIO's local-development account and only fits the local stack.");
  public static final ConfigKey S3_SECRET_KEY =
      DEF.define(
          "cutflow.s3.secret-key",
          PASSWORD,
          "minioadmin",
          Validators.nonEmpty(),
          "S3 secret key. The default is MinIO's local-development account and only fits the local stack; never logged.");
  public static final ConfigKey S3_REGION =
      DEF.define(
          "cutflow.s3.region",
          STRING,
          "us-east-1",
          Validators.nonEmpty(),
          "S3 region used for request signing.");
  public static final ConfigKey S3_RETRY_ATTEMPTS =
      DEF.define(
          "cutflow.s3.retry.attempts",
          INT,
          5,
          Validators.between(1, 100),
          "Attempts per object-store call on transient failures (I/O errors, 5xx); 1 = no retry.");
  public static final ConfigKey S3_RETRY_BACKOFF_MS =
      DEF.define(
          "cutflow.s3.retry.backoff-ms",
          LONG,
          100,
          Validators.atLeast(0),
          "First retry delay in ms; doubles per attempt (with jitter), capped by cutflow.s3.retry.max-backoff-ms.");
  public static final ConfigKey S3_RETRY_MAX_BACKOFF_MS =
      DEF.define(
          "cutflow.s3.retry.max-backoff-ms",
          LONG,
          5000,
          Validators.atLeast(0),
          "Upper bound of one retry delay in ms.");
  public static final ConfigKey BUCKET_RAW =
      DEF.define(
          "cutflow.bucket.raw",
          STRING,
          "cutflow-raw",
          Validators.bucketName(),
          "Bucket that uploads land in.");
  public static final ConfigKey BUCKET_CUTOUTS =
      DEF.define(
          "cutflow.bucket.cutouts",
          STRING,
          "cutflow-cutouts",
          Validators.bucketName(),
          "Bucket for PNG cutouts when a job names no output; key <job_id>.png.");

  /** The most bytes one Java array holds: an image is read whole into one. */
  public static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  public static final ConfigKey IMAGE_MAX_BYTES =
      DEF.define(
          "cutflow.image.max-bytes",
          LONG,
          64L * 1024 * 1024,
          Validators.between(1, MAX_ARRAY_BYTES),
          "Largest source image in bytes: a worker refuses a larger object before downloading it (image_too_large), and `cutflow ingest`, `run` and `watch` a larger file before uploading it. `remove` and `frames` use it too where it is set (their default: 200 MiB, for a local file read whole). At most 2147483639 (a Java array).");

  @Override
  public ConfigDef definition() {
    return DEF;
  }
}
