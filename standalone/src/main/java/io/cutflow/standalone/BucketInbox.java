package io.cutflow.standalone;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.ops.Metrics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.ingest.bucket.BucketWatch;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The upload buckets of {@code cutflow up}: creates each of {@code cutflow.bridge.buckets} ({@code
 * cutflow-inbox} by default) and runs a bucket watcher on it, since the embedded S3 server cannot
 * notify. The bridge itself runs inside the HTTP API's process ({@code cutflow.bridge.enabled}):
 * one more Kafka Streams application in a JVM that already has one costs a few MB and no start-up,
 * where a child JVM would cost ~100 MB and seconds on a machine the workers need.
 */
final class BucketInbox {
  private BucketInbox() {}

  /** The overrides that make the HTTP API's process run the bridge. */
  static Map<String, String> bridgeOn() {
    return Map.of(IngestConfig.BRIDGE_ENABLED.name(), "true");
  }

  static List<String> buckets(CutflowConfig config) {
    return Arrays.stream(config.getString(IngestConfig.BRIDGE_BUCKETS).split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  /** Creates the buckets; returns one started watcher per bucket (the caller closes them). */
  static List<BucketWatch> start(CutflowConfig config) {
    try (ObjectStore store = ObjectStore.fromConfig(config)) {
      for (String bucket : buckets(config)) {
        store.ensureBucket(bucket);
      }
    }
    List<BucketWatch> watches = new ArrayList<>();
    for (String bucket : buckets(config)) {
      watches.add(BucketWatch.connect(config, bucket, "", Metrics.process().registry()).start());
    }
    return watches;
  }

  /** Where to upload and what comes out, with an example any S3 client can follow. */
  static void describe(CutflowConfig config, String endpoint, PrintStream out) {
    String inbox = buckets(config).get(0);
    String cutouts = config.getString(StorageConfig.BUCKET_CUTOUTS);
    String prefix = config.getString(IngestConfig.BRIDGE_OUTPUT_PREFIX);
    out.println(
        "  S3 uploads: PUT "
            + inbox
            + "/<key> with any S3 client -> "
            + cutouts
            + "/"
            + prefix
            + "<key without extension>.png (status: GET /v1/jobs/<job id>)");
    // the embedded S3 server (S3Proxy) refuses the checksum headers newer AWS clients send
    // unasked (NotImplemented); they send them only when told it is required
    out.println(
        "    e.g. AWS_ACCESS_KEY_ID=$CUTFLOW_S3_ACCESS_KEY"
            + " AWS_SECRET_ACCESS_KEY=$CUTFLOW_S3_SECRET_KEY"
            + " AWS_REQUEST_CHECKSUM_CALCULATION=when_required aws"
            + " --endpoint-url "
            + endpoint
            + " s3 cp photo.jpg s3://"
            + inbox
            + "/shop/photo.jpg");
  }
}
