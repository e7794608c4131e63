package io.cutflow.ingest.bucket;

import java.util.Locale;
import java.util.Map;

/**
 * One S3 event notification record, as MinIO's Kafka target, AWS S3 and {@code cutflow watch}
 * publish it, with the object key already URL-decoded.
 *
 * @param eventName e.g. {@code s3:ObjectCreated:Put} (AWS's {@code ObjectCreated:Put} gets the
 *     {@code s3:} prefix MinIO uses)
 * @param bucket the bucket name
 * @param key the object key, decoded ({@code +} → space, {@code %2F} → {@code /})
 * @param size bytes; null when the event carries none (deletes)
 * @param eTag without quotes; null when the event carries none
 * @param sequencer orders events of one key; null when absent
 * @param eventTime ISO-8601 as sent; null when absent
 * @param userMetadata the object's user metadata as sent (MinIO only); never null
 */
public record BucketEvent(
    String eventName,
    String bucket,
    String key,
    Long size,
    String eTag,
    String sequencer,
    String eventTime,
    Map<String, String> userMetadata) {

  /** The event name of an upload that {@code cutflow watch} found. */
  public static final String CREATED_PUT = "s3:ObjectCreated:Put";

  public BucketEvent {
    userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
  }

  /** An upload (any {@code s3:ObjectCreated:*}: Put, Post, Copy, CompleteMultipartUpload). */
  public boolean isCreated() {
    return eventName != null && eventName.startsWith("s3:ObjectCreated:");
  }

  /** A delete (any {@code s3:ObjectRemoved:*}). */
  public boolean isRemoved() {
    return eventName != null && eventName.startsWith("s3:ObjectRemoved:");
  }

  /**
   * The value of user metadata {@code name} whatever way the sender spelled it ({@code
   * X-Amz-Meta-Name}, {@code x-amz-meta-name}, {@code name}); null when absent.
   */
  public String metadata(String name) {
    for (Map.Entry<String, String> e : userMetadata.entrySet()) {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      if (k.startsWith("x-amz-meta-")) {
        k = k.substring("x-amz-meta-".length());
      }
      if (k.equals(name.toLowerCase(Locale.ROOT))) {
        return e.getValue();
      }
    }
    return null;
  }

  /** {@code bucket/key}: the record key MinIO gives an event, and the watcher's progress key. */
  public String recordKey() {
    return bucket + "/" + key;
  }
}
