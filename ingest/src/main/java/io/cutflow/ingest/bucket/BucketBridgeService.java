package io.cutflow.ingest.bucket;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.ingest.IngestConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link BucketBridgeTopology} as a {@link KafkaStreams} application ({@code
 * cutflow.bridge.application-id}). Several instances share the work by partition; the
 * de-duplication store follows its partitions through its changelog.
 */
public final class BucketBridgeService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BucketBridgeService.class);

  private final KafkaStreams streams;
  private final Path stateDir;
  private final boolean deleteStateDir;

  private BucketBridgeService(KafkaStreams streams, Path stateDir, boolean deleteStateDir) {
    this.streams = streams;
    this.stateDir = stateDir;
    this.deleteStateDir = deleteStateDir;
  }

  /** Creates the topics it reads if missing, then builds and starts the bridge. */
  public static BucketBridgeService start(CutflowConfig config, MetricRegistry registry) {
    BucketTopics.ensure(config);
    BridgeSettings settings = BridgeSettings.fromConfig(config);
    Path dir;
    boolean temporary;
    Optional<String> configured = config.getOptionalString(IngestConfig.STATE_DIR);
    try {
      temporary = configured.isEmpty();
      dir =
          temporary
              ? Files.createTempDirectory("cutflow-bridge-state-")
              : Files.createDirectories(Path.of(configured.get()));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the bucket bridge's state directory ("
              + IngestConfig.STATE_DIR.name()
              + ")",
          e);
    }
    KafkaStreams streams =
        new KafkaStreams(
            BucketBridgeTopology.build(settings, new JobCodec(), new BridgeMetrics(registry)),
            properties(config, dir));
    streams.setUncaughtExceptionHandler(
        e -> {
          log.atError()
              .setMessage("bucket bridge stream thread failed; replacing it")
              .setCause(e)
              .log();
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.setStateListener(
        (now, before) ->
            log.atInfo()
                .setMessage("bucket bridge state")
                .addKeyValue("from", before)
                .addKeyValue("to", now)
                .log());
    streams.start();
    log.atInfo()
        .setMessage("bucket bridge started")
        .addKeyValue("topic", settings.eventsTopic())
        .addKeyValue("buckets", settings.buckets())
        .addKeyValue("prefix", settings.prefix())
        .addKeyValue("suffixes", settings.suffixes())
        .log();
    return new BucketBridgeService(streams, dir, temporary);
  }

  static Properties properties(CutflowConfig config, Path stateDir) {
    Properties p = new Properties();
    p.put(
        StreamsConfig.APPLICATION_ID_CONFIG, config.getString(IngestConfig.BRIDGE_APPLICATION_ID));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(
        StreamsConfig.REPLICATION_FACTOR_CONFIG,
        (int) config.getShort(KafkaConfig.REPLICATION_FACTOR));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    // an upload should become a job within a second, not at the next cache flush
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.mainConsumerPrefix("internal.leave.group.on.close"), true);
    return p;
  }

  public boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** Waits until the bridge runs (partitions assigned, store restored); false on timeout. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!isRunning()) {
      if (System.nanoTime() > deadline || !streams.state().isRunningOrRebalancing()) {
        return isRunning();
      }
      Thread.sleep(50);
    }
    return true;
  }

  @Override
  public void close() {
    streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(30)));
    if (deleteStateDir) {
      try (Stream<Path> paths = Files.walk(stateDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        log.atWarn()
            .setMessage("could not delete the bridge's state")
            .addKeyValue("dir", stateDir)
            .log();
      }
    }
  }
}
