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
   * One pass: catch up on the progress topic, list, publish what is new or changed, tombstone what
   * is gone. Returns how many events it published. Waits until Kafka has them.
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
      pending.add(
          new Pending(
              event,
              producer.send(
                  new ProducerRecord<>(
                      eventsTopic, event.recordKey(), BucketEventFormat.format(event))),
              producer.send(new ProducerRecord<>(progressTopic, event.recordKey(), o.etag()))));
    }
    List<Pending> deletes = new ArrayList<>();
    for (String gone : progress.keysUnder(bucket + "/" + prefix)) {
      if (!present.contains(gone)) {
        // its delete event (the bridge frees the cutout's name), then its tombstone
        BucketEvent event =
            new BucketEvent(
                REMOVED, bucket, gone.substring(bucket.length() + 1), null, null, null, null, null);
        deletes.add(
            new Pending(
                event,
                producer.send(
                    new ProducerRecord<>(eventsTopic, gone, BucketEventFormat.format(event))),
                producer.send(new ProducerRecord<>(progressTopic, gone, null))));
      }
    }
    producer.flush();
    for (Pending p : deletes) {
      try {
        p.event().get();
        p.progress().get();
        progress.apply(p.upload().recordKey(), null);
        this.deletes.inc();
      } catch (ExecutionException e) {
        // still in the progress store: the next scan finds it gone and sends both again
        log.atWarn()
            .setMessage("could not publish a delete; retrying at the next scan")
            .addKeyValue("key", p.upload().key())
            .addKeyValue("error", String.valueOf(e.getCause()))
            .log();
      }
    }
    int sent = 0;
    for (Pending p : pending) {
      try {
        p.event().get();
        p.progress().get();
        progress.apply(p.upload().recordKey(), p.upload().eTag());
        sent++;
        log.atInfo()
            .setMessage("published upload")
            .addKeyValue("bucket", bucket)
            .addKeyValue("key", p.upload().key())
            .addKeyValue("etag", p.upload().eTag())
            .log();
      } catch (ExecutionException e) {
        // not marked as published: the next scan sends it again
        log.atWarn()
            .setMessage("could not publish upload; retrying at the next scan")
            .addKeyValue("key", p.upload().key())
            .addKeyValue("error", String.valueOf(e.getCause()))
            .log();
      }
    }
    published.inc(sent);
    return sent;
  }

  private record Pending(
      BucketEvent upload, Future<RecordMetadata> event, Future<RecordMetadata> progress) {}

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
