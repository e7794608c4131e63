package io.cutflow.ingest;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The one way images enter the pipeline, shared by bulk ingest and the HTTP API: store the bytes in
 * the raw bucket, then publish a {@link JobRequest} keyed by job id. The object is written before
 * the job is published, so a worker never sees a job whose image isn't there yet; a job Kafka
 * refuses takes its object back out of the bucket, where nothing would ever read or delete it.
 */
public final class JobSubmitter {
  /**
   * Where the object of a refused job is deleted: not on the producer's I/O thread, which the
   * callback runs on and which must not wait for S3 (nor on the common pool, which S3 retries could
   * hold). Two threads at most, whatever an outage fails at once; they end when idle.
   */
  private static final Executor WITHDRAWALS = withdrawals();

  private static Executor withdrawals() {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            2,
            2,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "cutflow-raw-withdraw");
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private final ObjectStore store;
  private final Supplier<Producer<String, String>> producer;
  private final JobCodec codec;
  private final Topics topics;
  private final String rawBucket;

  public JobSubmitter(
      ObjectStore store,
      Producer<String, String> producer,
      JobCodec codec,
      Topics topics,
      String rawBucket) {
    this(store, () -> producer, codec, topics, rawBucket);
  }

  /**
   * As above, with the producer made later (the ingest server's, once Kafka answers): until then
   * {@code producer} throws, and a submission fails as one during an outage does.
   */
  public JobSubmitter(
      ObjectStore store,
      Supplier<Producer<String, String>> producer,
      JobCodec codec,
      Topics topics,
      String rawBucket) {
    this.store = store;
    this.producer = producer;
    this.codec = codec;
    this.topics = topics;
    this.rawBucket = rawBucket;
  }

  /** A new random job id (UUID): safe as an object key and unique across submitters. */
  public static String newJobId() {
    return UUID.randomUUID().toString();
  }

  /**
   * Uploads {@code bytes} as {@code raw/<jobId>/<fileName>} and publishes the job. The returned
   * future completes when Kafka has acknowledged the job; when Kafka refuses it, the future fails
   * with Kafka's error once the object has been deleted again (a failed delete is added to that
   * error as suppressed).
   */
  public CompletableFuture<JobRequest> submit(
      String jobId,
      String fileName,
      byte[] bytes,
      String contentType,
      CutoutOptions options,
      Map<String, String> attributes) {
    String key = jobId + "/" + safeName(fileName);
    String etag =
        store.put(
            rawBucket,
            key,
            bytes,
            contentType == null ? "application/octet-stream" : contentType,
            Map.of("cutflow-job-id", jobId, "cutflow-file-name", asciiName(safeName(fileName))));
    JobRequest request =
        new JobRequest(
            JobRequest.SCHEMA,
            jobId,
            new JobRequest.Source(rawBucket, key, etag, (long) bytes.length),
            null,
            options == null ? CutoutOptions.DEFAULTS : options,
            Instant.now(),
            attributes);
    return publish(request)
        .handle((md, error) -> error)
        .thenCompose(
            error ->
                error == null ? CompletableFuture.completedFuture(request) : withdraw(key, error));
  }

  /** Deletes the object of a job Kafka refused, then fails with Kafka's error. */
  private CompletableFuture<JobRequest> withdraw(String key, Throwable error) {
    return CompletableFuture.runAsync(
            () -> {
              try {
                store.delete(rawBucket, key);
              } catch (RuntimeException e) {
                error.addSuppressed(e);
              }
            },
            WITHDRAWALS)
        .thenCompose(done -> CompletableFuture.failedFuture(error));
  }

  /** Publishes an already-stored object's job. */
  public CompletableFuture<RecordMetadata> publish(JobRequest request) {
    CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
    try {
      producer
          .get()
          .send(
              new ProducerRecord<>(topics.jobs(), request.jobId(), codec.encode(request)),
              (md, error) -> {
                if (error != null) {
                  done.completeExceptionally(error);
                } else {
                  done.complete(md);
                }
              });
    } catch (RuntimeException e) {
      // the producer reports most failures to the callback, some by throwing (closed, fenced):
      // callers see both the same way
      done.completeExceptionally(e);
    }
    return done;
  }

  /**
   * File names become part of an object key (and so of the name a cutout gets in a ZIP): letters,
   * marks and digits of any script, {@code .}, {@code _} and {@code -} are kept; path separators,
   * spaces, controls and format characters (such as a right-to-left override) become {@code _}.
   */
  static String safeName(String fileName) {
    String name = fileName == null || fileName.isBlank() ? "image" : fileName;
    int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    name = name.substring(slash + 1);
    name = name.replaceAll("[^\\p{L}\\p{M}\\p{N}._-]", "_");
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      name = "image";
    }
    if (name.length() <= 200) {
      return name;
    }
    int from = name.length() - 200;
    // not half a character outside the Basic Multilingual Plane
    return name.substring(Character.isLowSurrogate(name.charAt(from)) ? from + 1 : from);
  }

  /** {@link #safeName} for S3 user metadata, which travels in an HTTP header: ASCII only. */
  static String asciiName(String safeName) {
    return safeName.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
