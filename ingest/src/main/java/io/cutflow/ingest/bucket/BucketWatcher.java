package io.cutflow.ingest.bucket;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.store.ObjectSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a bucket that cannot notify (S3Proxy, S3 servers without a Kafka target) into bucket
 * events: lists {@code bucket/prefix} on an interval and, for every object whose eTag it has not
 * published yet, publishes an {@code s3:ObjectCreated:Put} event in MinIO's shape to the
 * bucket-events topic, then records {@code bucket/key → eTag} in the progress topic ({@link
 * WatchProgress}). The event goes first: a crash between the two republishes the event, which the
 * bridge's de-duplication drops, and never loses one. An object it published that is gone from the
 * listing gets an {@code s3:ObjectRemoved:Delete} event (the bridge gives its cutout's name back),
 * then a tombstone in the progress topic, in the same order for the same reason.
 *
 * <p>Counters: {@code cutflow.watch.listed} (objects seen), {@code cutflow.watch.published}, {@code
 * cutflow.watch.deletes}, {@code cutflow.watch.requests} (ListObjectsV2 pages, 1,000 keys each),
 * {@code cutflow.watch.scans}.
 */
public final class BucketWatcher {
  private static final Logger log = LoggerFactory.getLogger(BucketWatcher.class);

  /** The event name of a delete the watcher found (an object it had published is gone). */
  static final String REMOVED = "s3:ObjectRemoved:Delete";

  /** Keys per ListObjectsV2 page (S3's maximum, what the MinIO SDK asks for). */
  static final int PAGE = 1000;

  private final String bucket;
  private final String prefix;
  private final BiFunction<String, String, List<ObjectSummary>> lister;
  private final Producer<String, String> producer;
  private final WatchProgress progress;
  private final String eventsTopic;
  private final String progressTopic;
  private final Counter listed;
  private final Counter published;
  private final Counter requests;
  private final Counter scans;
  private final Counter deletes;

  /**
   * @param lister lists {@code (bucket, prefix)}, all pages (e.g. {@code ObjectStore::list})
   * @param progress reads the progress topic
   */
  BucketWatcher(
      String bucket,
      String prefix,
      BiFunction<String, String, List<ObjectSummary>> lister,
      Producer<String, String> producer,
      WatchProgress progress,
      String eventsTopic,
      String progressTopic,
      MetricRegistry registry) {
    this.bucket = bucket;
    this.prefix = prefix == null ? "" : prefix;
    this.lister = lister;
    this.producer = producer;
    this.progress = progress;
    this.eventsTopic = eventsTopic;
    this.progressTopic = progressTopic;
    this.listed = registry.counter("cutflow.watch.listed");
    this.published = registry.counter("cutflow.watch.published");
    this.requests = registry.counter("cutflow.watch.requests");
    this.scans = registry.counter("cutflow.watch.scans");
    this.deletes = registry.counter("cutflow.watch.deletes");
  }

  /**
   * One pass: catch up on the progress topic, list, publish what is new or changed, publish a
   * delete and a tombstone for what is gone. Returns how many uploads it published. Waits until
   * Kafka has them.
   */
  public int scanOnce() throws InterruptedException {
    progress.catchUp(Duration.ofSeconds(30));
    List<ObjectSummary> objects = lister.apply(bucket, prefix);
    scans.inc();
    listed.inc(objects.size());
    requests.inc(Math.max(1, (objects.size() + PAGE - 1) / PAGE));
    Set<String> present = new HashSet<>();
    List<Pending> pending = new ArrayList<>();
    for (ObjectSummary o : objects) {
      BucketEvent event =
          new BucketEvent(
              BucketEvent.CREATED_PUT,
              bucket,
              o.key(),
              o.size(),
              o.etag(),
              null,
              o.lastModified() == null ? null : o.lastModified().toString(),
              Map.of());
      present.add(event.recordKey());
      if (o.etag() != null && o.etag().equals(progress.eTag(event.recordKey()))) {
        continue;
      }
      pending.add(publish(event));
    }
    List<Pending> gonePending = new ArrayList<>();
    for (String gone : progress.keysUnder(bucket + "/" + prefix)) {
      if (!present.contains(gone)) {
        // its delete event (the bridge frees the cutout's name), then its tombstone
        BucketEvent event =
            new BucketEvent(
                REMOVED, bucket, gone.substring(bucket.length() + 1), null, null, null, null, null);
        gonePending.add(publish(event));
      }
    }
    producer.flush();
    deletes.inc(settle(gonePending));
    int sent = settle(pending);
    published.inc(sent);
    return sent;
  }

  /** Sends the event, then its progress record ({@code bucket/key → eTag}; a delete's: none). */
  private Pending publish(BucketEvent event) {
    return new Pending(
        event,
        producer.send(
            new ProducerRecord<>(eventsTopic, event.recordKey(), BucketEventFormat.format(event))),
        producer.send(new ProducerRecord<>(progressTopic, event.recordKey(), event.eTag())));
  }

  /**
   * Waits for each event and its progress record, and marks those Kafka has as published (a
   * delete's null eTag is its tombstone). One Kafka did not take stays as it was: the next scan
   * sends it again. Returns how many Kafka has.
   */
  private int settle(List<Pending> pending) throws InterruptedException {
    int sent = 0;
    for (Pending p : pending) {
      BucketEvent e = p.event();
      try {
        p.sent().get();
        p.progress().get();
        progress.apply(e.recordKey(), e.eTag());
        sent++;
        log.atInfo()
            .setMessage(e.isRemoved() ? "published delete" : "published upload")
            .addKeyValue("bucket", bucket)
            .addKeyValue("key", e.key())
            .addKeyValue("etag", e.eTag())
            .log();
      } catch (ExecutionException ex) {
        log.atWarn()
            .setMessage("could not publish a bucket event; retrying at the next scan")
            .addKeyValue("key", e.key())
            .addKeyValue("event", e.eventName())
            .addKeyValue("error", String.valueOf(ex.getCause()))
            .log();
      }
    }
    return sent;
  }

  private record Pending(
      BucketEvent event, Future<RecordMetadata> sent, Future<RecordMetadata> progress) {}

  /** Scans every {@code interval} until interrupted; a failed scan is logged and retried. */
  public void run(Duration interval) throws InterruptedException {
    log.atInfo()
        .setMessage("watching bucket")
        .addKeyValue("bucket", bucket)
        .addKeyValue("prefix", prefix)
        .addKeyValue("interval_ms", interval.toMillis())
        .log();
    while (!Thread.currentThread().isInterrupted()) {
      try {
        scanOnce();
      } catch (org.apache.kafka.common.errors.InterruptException e) {
        throw new InterruptedException("stopped during a scan");
      } catch (RuntimeException e) {
        log.atWarn()
            .setMessage("bucket scan failed; retrying at the next interval")
            .addKeyValue("bucket", bucket)
            .addKeyValue("error", e.toString())
            .log();
      }
      Thread.sleep(interval.toMillis());
    }
  }
}
