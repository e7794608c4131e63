package io.cutflow.ingest.folder;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.ResultWatcher;
import io.cutflow.ingest.SourceFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code cutflow watch DIR --out OUTDIR} against real Kafka and S3: a {@link FolderWatcher} whose
 * files go through {@link JobSubmitter} (into the raw bucket, so the bucket bridge never takes
 * them) and whose results come from a {@link ResultWatcher} opened before the first job.
 */
public final class FolderWatch implements AutoCloseable {
  private final ObjectStore store;
  private final KafkaProducer<String, String> producer;
  private final ResultWatcher results;
  private final FolderWatcher watcher;
  private final Duration tick;

  private FolderWatch(
      ObjectStore store,
      KafkaProducer<String, String> producer,
      ResultWatcher results,
      FolderWatcher watcher,
      Duration tick) {
    this.store = store;
    this.producer = producer;
    this.results = results;
    this.watcher = watcher;
    this.tick = tick;
  }

  public static FolderWatch connect(
      CutflowConfig config, Path dir, Path out, CutoutOptions options) {
    Topics topics = new Topics(config);
    try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
      topics.ensureTopics(admin);
    }
    ObjectStore store = ObjectStore.fromConfig(config);
    String raw = config.getString(StorageConfig.BUCKET_RAW);
    KafkaProducer<String, String> producer = null;
    try {
      store.ensureBucket(raw);
      store.ensureBucket(config.getString(StorageConfig.BUCKET_CUTOUTS));
      producer =
          new KafkaProducer<>(KafkaClients.producerProperties(config, "cutflow-watch-folder"));
      return assemble(config, dir, out, options, topics, store, producer);
    } catch (RuntimeException e) {
      // a failed start leaves nothing open (an in-process caller, a test, goes on)
      if (producer != null) {
        producer.close(Duration.ZERO);
      }
      store.close();
      throw e;
    }
  }

  /** The watcher and its results reader on clients that answered. */
  private static FolderWatch assemble(
      CutflowConfig config,
      Path dir,
      Path out,
      CutoutOptions options,
      Topics topics,
      ObjectStore store,
      KafkaProducer<String, String> producer) {
    String raw = config.getString(StorageConfig.BUCKET_RAW);
    JobCodec codec = new JobCodec();
    JobSubmitter submitter = new JobSubmitter(store, producer, codec, topics, raw);
    Duration stable = Duration.ofMillis(config.getLong(IngestConfig.WATCH_STABLE_MS));
    FolderWatcher watcher =
        new FolderWatcher(
            dir,
            out,
            stable,
            SourceFiles.fromConfig(config),
            (rel, bytes) -> {
              String jobId = JobSubmitter.newJobId();
              String name = rel.substring(rel.lastIndexOf('/') + 1);
              try {
                submitter.submit(jobId, name, bytes, null, options, Map.of("file", rel)).get();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("stopped while submitting " + rel);
              } catch (ExecutionException e) {
                throw new java.io.IOException("cannot publish the job of " + rel, e.getCause());
              }
              return jobId;
            },
            r -> store.get(r.output().bucket(), r.output().key(), Long.MAX_VALUE));
    ResultWatcher results =
        new ResultWatcher(
            config.getString(KafkaConfig.BOOTSTRAP_SERVERS),
            topics.results(),
            codec,
            watcher::onResult);
    Duration tick = Duration.ofMillis(Math.max(100, Math.min(1000, stable.toMillis() / 4)));
    return new FolderWatch(store, producer, results, watcher, tick);
  }

  public FolderWatcher watcher() {
    return watcher;
  }

  /** Scans until interrupted (Ctrl-C); a failed scan (e.g. S3 away) is retried at the next tick. */
  public void runHere() throws InterruptedException {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        watcher.scan(System.nanoTime());
      } catch (java.io.InterruptedIOException
          | org.apache.kafka.common.errors.InterruptException e) {
        throw new InterruptedException("stopped during a scan");
      } catch (java.io.IOException | RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(FolderWatch.class)
            .atWarn()
            .setMessage("folder scan failed; retrying")
            .addKeyValue("error", e.toString())
            .log();
      }
      Thread.sleep(tick.toMillis());
    }
  }

  @Override
  public void close() {
    results.close();
    producer.close(Duration.ofSeconds(10));
    store.close();
  }
}
