package io.cutflow.ingest.bucket;

import io.cutflow.common.job.JobCodec;
import io.cutflow.ingest.bucket.EventRouter.Routed;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The bucket bridge: S3 event notifications in, job requests out.
 *
 * <pre>
 *   bucket-events ─ parse + rules (EventRouter) ─┬─ not an event → dead letter → dead-letters topic
 *                                                └─ job request, keyed by job id
 *                     ─ repartition by job id ─ de-duplicate (window store STORE) → jobs topic
 * </pre>
 *
 * Skipped events (deletes, unwatched buckets and keys, Cutflow's own writes) end in the first step,
 * counted. The repartition puts every event of one job id on one task, so the window store sees all
 * of them.
 */
public final class BucketBridgeTopology {
  /** The de-duplication store (job id → when first emitted), logged to a changelog topic. */
  public static final String STORE = "bucket-bridge-seen";

  private BucketBridgeTopology() {}

  public static Topology build(BridgeSettings settings, JobCodec codec, BridgeMetrics metrics) {
    BridgeRules rules = new BridgeRules(settings);
    Duration window = settings.dedupWindow();
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(STORE, window, Duration.ofMillis(1), false),
            Serdes.String(),
            Serdes.Long()));

    Map<String, KStream<String, Routed>> routed =
        builder.stream(
                settings.eventsTopic(),
                Consumed.with(Serdes.String(), Serdes.String()).withName("bucket-events"))
            .process(() -> new EventRouter(rules, codec, metrics), Named.as("parse-and-filter"))
            .split(Named.as("route-"))
            .branch((key, r) -> r.deadLetter(), Branched.as("dead-letter"))
            .defaultBranch(Branched.as("job"));

    routed
        .get("route-dead-letter")
        .mapValues(Routed::json, Named.as("dead-letter-json"))
        .to(
            settings.topics().deadLetters(),
            Produced.with(Serdes.String(), Serdes.String()).withName("dead-letters"));

    routed
        .get("route-job")
        .mapValues(Routed::json, Named.as("job-json"))
        .repartition(Repartitioned.with(Serdes.String(), Serdes.String()).withName("by-job-id"))
        .process(() -> new Deduplicator(STORE, window, metrics), Named.as("dedup"), STORE)
        .to(
            settings.topics().jobs(),
            Produced.with(Serdes.String(), Serdes.String()).withName("jobs"));

    return builder.build();
  }
}
