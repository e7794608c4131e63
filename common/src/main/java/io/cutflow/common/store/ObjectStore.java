package io.cutflow.common.store;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object store as Cutflow uses it: a thin layer over the MinIO Java SDK (8.5.x) that speaks to
 * MinIO, S3Proxy or AWS S3.
 *
 * <p>Transient failures (I/O errors such as connection refused or reset, HTTP 5xx, throttling) are
 * retried with bounded exponential backoff ({@link RetryPolicy}); a missing object or bucket raises
 * {@link ObjectMissingException} at once; other errors (e.g. 403) raise {@link
 * ObjectStoreException} at once. All exceptions are unchecked. Thread-safe.
 */
public final class ObjectStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectStore.class);

  private final MinioClient client;
  private final RetryPolicy retry;

  public ObjectStore(MinioClient client, RetryPolicy retry) {
    this.client = client;
    this.retry = retry;
  }

  /** A store for {@code cutflow.s3.*} (endpoint, access-key, secret-key, region, retry.*). */
  public static ObjectStore fromConfig(CutflowConfig config) {
    return new ObjectStore(clientFromConfig(config), RetryPolicy.from(config));
  }

  /** A bare MinIO client for {@code cutflow.s3.*}: 5 s connect, 60 s read/write timeouts. */
  public static MinioClient clientFromConfig(CutflowConfig config) {
    MinioClient client =
        MinioClient.builder()
            .endpoint(config.getString(StorageConfig.S3_ENDPOINT))
            .credentials(
                config.getString(StorageConfig.S3_ACCESS_KEY),
                config.getPassword(StorageConfig.S3_SECRET_KEY))
            .region(config.getString(StorageConfig.S3_REGION))
            .build();
    client.setTimeout(
        TimeUnit.SECONDS.toMillis(5), TimeUnit.SECONDS.toMillis(60), TimeUnit.SECONDS.toMillis(60));
    return client;
  }

  public MinioClient client() {
    return client;
  }

  /** Creates the bucket unless it exists (idempotent; tolerates a concurrent creator). */
  public void ensureBucket(String bucket) {
    call(
        "ensureBucket",
        bucket,
        "",
        () -> {
          if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            try {
              client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
              LOG.info("created bucket {}", bucket);
            } catch (ErrorResponseException e) {
              String code = e.errorResponse().code();
              if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                throw e;
              }
            }
          }
          return null;
        });
  }

  public boolean bucketExists(String bucket) {
    return call(
        "bucketExists",
        bucket,
        "",
        () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));
  }

  /**
   * Writes an object (overwriting). Metadata names should be lower-case ASCII; a value with other
   * than printable US-ASCII is sent RFC 2047-encoded ({@code =?UTF-8?B?…?=}, as AWS's SDKs send
   * it), since values travel as {@code x-amz-meta-*} headers: sent raw, the store refused the
   * request's signature, and a job whose id was {@code jé-1} failed after its model run.
   *
   * @return the ETag of the written object, without quotes
   */
  public String put(
      String bucket, String key, byte[] bytes, String contentType, Map<String, String> metadata) {
    return call(
        "put",
        bucket,
        key,
        () -> {
          PutObjectArgs.Builder args =
              PutObjectArgs.builder().bucket(bucket).object(key).stream(
                  new ByteArrayInputStream(bytes), bytes.length, -1);
          if (contentType != null) {
            args.contentType(contentType);
          }
          if (metadata != null && !metadata.isEmpty()) {
            args.userMetadata(headerSafe(metadata));
          }
          ObjectWriteResponse response = client.putObject(args.build());
          return unquote(response.etag());
        });
  }

  /**
   * Reads a whole object, refusing more than {@code maxBytes}: the declared length is checked
   * first, and reading stops one byte past the limit whatever the server declared.
   *
   * @throws ObjectMissingException no such object or bucket
   * @throws ObjectTooLargeException over the limit
   */
  public byte[] get(String bucket, String key, long maxBytes) {
    return call(
        "get",
        bucket,
        key,
        () -> {
          try (GetObjectResponse in =
              client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            String declared = in.headers().get("Content-Length");
            if (declared != null) {
              long length = Long.parseLong(declared.trim());
              if (length > maxBytes) {
                throw new ObjectTooLargeException(bucket, key, maxBytes, length);
              }
            }
            return readAtMost(in, bucket, key, maxBytes);
          }
        });
  }

  /**
   * An object's bytes as a stream, for passing them on without holding them (a cutout to an HTTP
   * client); the caller closes it. Opening is retried as any call; a failure while reading is the
   * reader's.
   *
   * @throws ObjectMissingException no such object or bucket
   */
  public InputStream open(String bucket, String key) {
    return call(
        "open",
        bucket,
        key,
        () -> client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()));
  }

  /** Object metadata, or empty when the object (or bucket) does not exist. */
  public Optional<ObjectInfo> stat(String bucket, String key) {
    try {
      return Optional.of(
          call(
              "stat",
              bucket,
              key,
              () -> {
                StatObjectResponse r =
                    client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
                Map<String, String> meta = new LinkedHashMap<>();
                r.userMetadata().forEach((k, v) -> meta.put(k.toLowerCase(Locale.ROOT), v));
                return new ObjectInfo(
                    bucket,
                    key,
                    r.size(),
                    unquote(r.etag()),
                    r.contentType(),
                    r.lastModified() == null ? null : r.lastModified().toInstant(),
                    meta);
              }));
    } catch (ObjectMissingException e) {
      return Optional.empty();
    }
  }

  public boolean exists(String bucket, String key) {
    return stat(bucket, key).isPresent();
  }

  /** Every object under {@code prefix} (recursive, all pages), in key order. */
  public List<ObjectSummary> list(String bucket, String prefix) {
    return call(
        "list",
        bucket,
        prefix,
        () -> {
          List<ObjectSummary> out = new ArrayList<>();
          ListObjectsArgs.Builder args = ListObjectsArgs.builder().bucket(bucket).recursive(true);
          if (prefix != null && !prefix.isEmpty()) {
            args.prefix(prefix);
          }
          for (Result<Item> result : client.listObjects(args.build())) {
            Item item = result.get();
            if (item.isDir()) {
              continue;
            }
            out.add(
                new ObjectSummary(
                    bucket,
                    item.objectName(),
                    item.size(),
                    unquote(item.etag()),
                    item.lastModified() == null ? null : item.lastModified().toInstant()));
          }
          return out;
        });
  }

  /** Deletes an object; deleting a missing object is not an error (S3 semantics). */
  public void delete(String bucket, String key) {
    call(
        "delete",
        bucket,
        key,
        () -> {
          client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
          return null;
        });
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (Exception e) {
      LOG.debug("closing MinIO client", e);
    }
  }

  // ---------------------------------------------------------------- internals

  @FunctionalInterface
  private interface S3Call<T> {
    T run() throws Exception;
  }

  /**
   * Runs one S3 operation with retries. An outage must be visible while it lasts, not only when the
   * caller finally gives up: every retry is logged (WARN) with the operation, object, attempt, the
   * delay before the next one and the cause, and a call that runs out of attempts is logged once
   * (ERROR) before it throws.
   */
  private <T> T call(String op, String bucket, String key, S3Call<T> body) {
    long start = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      long attemptStart = System.nanoTime();
      try {
        return body.run();
      } catch (ObjectStoreException e) {
        throw e;
      } catch (Exception e) {
        if (S3Failures.isMissing(e)) {
          throw new ObjectMissingException(bucket, key, e);
        }
        boolean transientFailure = S3Failures.isTransient(e);
        if (!transientFailure || attempt >= retry.attempts()) {
          if (transientFailure) {
            LOG.atError()
                .setMessage("object store call failed, giving up")
                .addKeyValue("operation", op)
                .addKeyValue("bucket", bucket)
                .addKeyValue("key", key)
                .addKeyValue("attempts", attempt)
                .addKeyValue("elapsed_ms", millisSince(start))
                .addKeyValue("cause", S3Failures.describe(e))
                .log();
          }
          String message =
              op
                  + " s3://"
                  + bucket
                  + "/"
                  + key
                  + " failed"
                  + (transientFailure ? " after " + attempt + " attempt(s)" : "")
                  + ": "
                  + S3Failures.describe(e);
          throw transientFailure
              ? new ObjectStoreUnavailableException(message, e)
              : new ObjectStoreException(message, e);
        }
        Duration wait = retry.backoff(attempt);
        LOG.atWarn()
            .setMessage("object store call failed, retrying")
            .addKeyValue("operation", op)
            .addKeyValue("bucket", bucket)
            .addKeyValue("key", key)
            .addKeyValue("attempt", attempt)
            .addKeyValue("attempts", retry.attempts())
            .addKeyValue("attempt_ms", millisSince(attemptStart))
            .addKeyValue("delay_ms", wait.toMillis())
            .addKeyValue("cause", S3Failures.describe(e))
            .log();
        try {
          Thread.sleep(wait.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          LOG.atWarn()
              .setMessage("object store call interrupted while waiting to retry")
              .addKeyValue("operation", op)
              .addKeyValue("bucket", bucket)
              .addKeyValue("key", key)
              .addKeyValue("attempts", attempt)
              .addKeyValue("cause", S3Failures.describe(e))
              .log();
          throw new ObjectStoreException(op + " s3://" + bucket + "/" + key + " interrupted", e);
        }
      }
    }
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  private static byte[] readAtMost(InputStream in, String bucket, String key, long maxBytes)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) != -1) {
      total += n;
      if (total > maxBytes) {
        throw new ObjectTooLargeException(bucket, key, maxBytes, -1);
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private static String unquote(String etag) {
    if (etag == null) {
      return null;
    }
    String s = etag.trim();
    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
      s = s.substring(1, s.length() - 1);
    }
    return s;
  }

  /** {@code metadata} with each value that is not printable US-ASCII encoded as RFC 2047 says. */
  static Map<String, String> headerSafe(Map<String, String> metadata) {
    Map<String, String> safe = new LinkedHashMap<>();
    metadata.forEach(
        (name, value) -> {
          boolean printable = value.chars().allMatch(c -> c >= 0x20 && c < 0x7F);
          safe.put(
              name,
              printable
                  ? value
                  : "=?UTF-8?B?"
                      + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
                      + "?=");
        });
    return safe;
  }
}
