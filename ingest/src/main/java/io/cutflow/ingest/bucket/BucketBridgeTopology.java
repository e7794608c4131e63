package io.cutflow.ingest.bucket;

import io.cutflow.common.job.JobCodec;
import io.cutflow.ingest.bucket.EventRouter.Kind;
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
 *                                                ├─ job request, keyed by job id
 *                                                │    ─ repartition by job id
 *                                                │    ─ de-duplicate (window store STORE)
 *                                                │    ─ key by output folder ──────┐
 *                                                └─ delete, keyed by output folder ┴─ repartition
 *                     by output folder ─ name the cutout (key-value store NAMES) → jobs topic
 * </pre>
 *
 * Skipped events (unwatched buckets and keys, Cutflow's own writes, events other than uploads and
 * deletes) end in the first step, counted. The first repartition puts every event of one job id on
 * one task, so the window store sees all of them; the second puts every upload whose cutout could
 * take a given key on one task, so no two take it ({@link CutoutNamer}).
 */
public final class BucketBridgeTopology {
  /** The de-duplication store (job id → when first emitted), logged to a changelog topic. */
  public static final String STORE = "bucket-bridge-seen";

  /** Which upload holds which cutout key ({@link CutoutNamer}), logged to a changelog topic. */
  public static final String NAMES = "bucket-bridge-cutout-names";

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
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(NAMES), Serdes.String(), Serdes.String()));

    Map<String, KStream<String, Routed>> routed =
        builder.stream(
                settings.eventsTopic(),
                Consumed.with(Serdes.String(), Serdes.String()).withName("bucket-events"))
            .process(() -> new EventRouter(rules, codec, metrics), Named.as("parse-and-filter"))
            .split(Named.as("route-"))
            .branch((key, r) -> r.kind() == Kind.DEAD_LETTER, Branched.as("dead-letter"))
            .branch((key, r) -> r.kind() == Kind.RELEASE, Branched.as("release"))
            .defaultBranch(Branched.as("job"));

    routed
        .get("route-dead-letter")
        .mapValues(Routed::value, Named.as("dead-letter-json"))
        .to(
            settings.topics().deadLetters(),
            Produced.with(Serdes.String(), Serdes.String()).withName("dead-letters"));

    KStream<String, String> jobsByFolder =
        routed
            .get("route-job")
            .mapValues(Routed::value, Named.as("job-json"))
            .repartition(Repartitioned.with(Serdes.String(), Serdes.String()).withName("by-job-id"))
            .process(() -> new Deduplicator(STORE, window, metrics), Named.as("dedup"), STORE)
            .selectKey((jobId, json) -> CutoutNamer.scopeOf(codec, json), Named.as("folder-key"))
            .mapValues(CutoutNamer::toName, Named.as("to-name"));
    KStream<String, String> releases =
        routed.get("route-release").mapValues(Routed::value, Named.as("release"));

    jobsByFolder
        .merge(releases, Named.as("names"))
        .repartition(
            Repartitioned.with(Serdes.String(), Serdes.String()).withName("by-output-folder"))
        .process(
            () -> new CutoutNamer(NAMES, rules, codec, metrics), Named.as("name-cutouts"), NAMES)
        .to(
            settings.topics().jobs(),
            Produced.with(Serdes.String(), Serdes.String()).withName("jobs"));

    return builder.build();
  }
}
