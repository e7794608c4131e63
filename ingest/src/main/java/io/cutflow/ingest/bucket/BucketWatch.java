package io.cutflow.ingest.bucket;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.IngestConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running {@link BucketWatcher} against real Kafka and S3: its clients and its thread. {@code
 * cutflow watch s3://…} runs one in the foreground, {@code cutflow up} one on {@code
 * cutflow-inbox}.
 */
public final class BucketWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BucketWatch.class);

  private final ObjectStore store;
  private final KafkaProducer<String, String> producer;
  private final KafkaConsumer<String, String> consumer;
  private final BucketWatcher watcher;
  private final Duration interval;
  private Thread thread;

  private BucketWatch(
      ObjectStore store,
      KafkaProducer<String, String> producer,
      KafkaConsumer<String, String> consumer,
      BucketWatcher watcher,
      Duration interval) {
    this.store = store;
    this.producer = producer;
    this.consumer = consumer;
    this.watcher = watcher;
    this.interval = interval;
  }

  /** {@code s3://BUCKET[/PREFIX]} → bucket and prefix; the message names the fix. */
  public static String[] parseTarget(String target) {
    URI uri;
    try {
      uri = URI.create(target);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + target + "' is not s3://BUCKET[/PREFIX] (" + e.getMessage() + ")");
    }
    if (!"s3".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "'" + target + "' is not s3://BUCKET[/PREFIX]; give e.g. s3://cutflow-inbox/photos/");
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    return new String[] {uri.getHost(), path.startsWith("/") ? path.substring(1) : path};
  }

  /** Connects (creating the bucket-upload topics if missing); call {@link #start} or run scans. */
  public static BucketWatch connect(
      CutflowConfig config, String bucket, String prefix, MetricRegistry registry) {
    BucketTopics.ensure(config);
    ObjectStore store = ObjectStore.fromConfig(config);
    boolean exists;
    try {
      exists = store.bucketExists(bucket);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    if (!exists) {
      store.close();
      throw new IllegalArgumentException(
          "bucket '" + bucket + "' does not exist at the configured S3 endpoint; create it first");
    }
    KafkaProducer<String, String> producer =
        new KafkaProducer<>(KafkaClients.producerProperties(config, "cutflow-watch-" + bucket));
    Properties cp = KafkaClients.consumerProperties(config, null, "cutflow-watch-progress");
    cp.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, not subscribed: no group
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp);
    String progressTopic = config.getString(IngestConfig.WATCH_PROGRESS_TOPIC);
    BucketWatcher watcher =
        new BucketWatcher(
            bucket,
            prefix,
            store::list,
            producer,
            new WatchProgress(consumer, progressTopic),
            config.getString(IngestConfig.BRIDGE_TOPIC),
            progressTopic,
            registry);
    return new BucketWatch(
        store,
        producer,
        consumer,
        watcher,
        Duration.ofMillis(config.getLong(IngestConfig.WATCH_INTERVAL_MS)));
  }

  public BucketWatcher watcher() {
    return watcher;
  }

  /** Scans on a daemon thread until {@link #close}. */
  public synchronized BucketWatch start() {
    thread =
        new Thread(
            () -> {
              try {
                watcher.run(interval);
              } catch (InterruptedException e) {
                // closing
              } catch (RuntimeException e) {
                log.atError().setMessage("bucket watcher stopped").setCause(e).log();
              }
            },
            "cutflow-bucket-watch");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Scans in this thread until interrupted (Ctrl-C). */
  public void runHere() throws InterruptedException {
    watcher.run(interval);
  }

  @Override
  public synchronized void close() {
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    producer.close(Duration.ofSeconds(10));
    consumer.close();
    store.close();
  }
}
