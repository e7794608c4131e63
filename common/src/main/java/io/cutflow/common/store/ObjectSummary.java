package io.cutflow.common.store;

import java.time.Instant;

/** One entry of {@link ObjectStore#list}. */
public record ObjectSummary(
    String bucket, String key, long size, String etag, Instant lastModified) {}
