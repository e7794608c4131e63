package io.cutflow.common.store;

import java.time.Instant;
import java.util.Map;

/**
 * What {@link ObjectStore#stat} knows about an object.
 *
 * @param etag without surrounding quotes
 * @param contentType may be null
 * @param lastModified may be null
 * @param metadata user metadata ({@code x-amz-meta-*}) with the prefix removed and names
 *     lower-cased
 */
public record ObjectInfo(
    String bucket,
    String key,
    long size,
    String etag,
    String contentType,
    Instant lastModified,
    Map<String, String> metadata) {
  public ObjectInfo {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
