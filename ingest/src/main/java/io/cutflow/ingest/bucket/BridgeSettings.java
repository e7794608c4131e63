package io.cutflow.ingest.bucket;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.kafka.Topics;
import io.cutflow.ingest.IngestConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the bucket bridge reads: its topics, which events make jobs ({@code cutflow.bridge.*}) and
 * Cutflow's own buckets, whose writes never do.
 *
 * @param eventsTopic {@code cutflow.bridge.topic}
 * @param topics the jobs and dead-letter topics
 * @param buckets the watched buckets
 * @param prefix only keys under it; empty = all
 * @param suffixes only keys ending in one of them (lower case); empty = all
 * @param rawBucket Cutflow's upload bucket: never makes jobs
 * @param cutoutsBucket where cutouts go: never makes jobs
 * @param outputPrefix put before each cutout key
 * @param dedupWindow how long a job id is remembered
 */
public record BridgeSettings(
    String eventsTopic,
    Topics topics,
    Set<String> buckets,
    String prefix,
    List<String> suffixes,
    String rawBucket,
    String cutoutsBucket,
    String outputPrefix,
    Duration dedupWindow) {

  public BridgeSettings {
    buckets = Set.copyOf(buckets);
    suffixes = suffixes.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
  }

  public static BridgeSettings fromConfig(CutflowConfig config) {
    return new BridgeSettings(
        config.getString(IngestConfig.BRIDGE_TOPIC),
        new Topics(config),
        Set.copyOf(commaList(config.getString(IngestConfig.BRIDGE_BUCKETS))),
        config.getString(IngestConfig.BRIDGE_PREFIX),
        commaList(config.getString(IngestConfig.BRIDGE_SUFFIXES)),
        config.getString(StorageConfig.BUCKET_RAW),
        config.getString(StorageConfig.BUCKET_CUTOUTS),
        config.getString(IngestConfig.BRIDGE_OUTPUT_PREFIX),
        Duration.ofMillis(config.getLong(IngestConfig.BRIDGE_DEDUP_WINDOW_MS)));
  }

  static List<String> commaList(String value) {
    return Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toList());
  }
}
