package io.cutflow.ingest.cli;

import io.cutflow.common.cli.ProgressOutput;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.BulkIngest;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.ResultWatcher;
import io.cutflow.ingest.SourceFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;

/** Bulk ingest wired to real Kafka and S3 from configuration, with a progress bar on stderr. */
public final class IngestClient implements AutoCloseable {
  private final CutflowConfig config;
  private final ObjectStore store;
  private final KafkaProducer<String, String> producer;
  private final Topics topics;
  private final JobCodec codec = new JobCodec();
  private final JobSubmitter submitter;

  private IngestClient(CutflowConfig config) {
    this.config = config;
    this.store = ObjectStore.fromConfig(config);
    this.topics = new Topics(config);
    String raw = config.getString(StorageConfig.BUCKET_RAW);
    try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
      topics.ensureTopics(admin, Duration.ofSeconds(30));
      store.ensureBucket(raw);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    this.producer = new KafkaProducer<>(KafkaClients.producerProperties(config, "cutflow-ingest"));
    this.submitter = new JobSubmitter(store, producer, codec, topics, raw);
  }

  public static IngestClient connect(CutflowConfig config) {
    return new IngestClient(config);
  }

  public BulkIngest.Summary ingest(
      Path root,
      List<Path> files,
      CutoutOptions options,
      boolean wait,
      Path out,
      Duration timeout,
      int concurrency)
      throws IOException, InterruptedException {
    return ingest(root, files, options, wait, out, timeout, concurrency, BulkIngest.Progress.NONE);
  }

  /**
   * As above; {@code listener} hears of each file too (e.g. {@code cutflow run}, to say what was
   * done when it is interrupted).
   */
  public BulkIngest.Summary ingest(
      Path root,
      List<Path> files,
      CutoutOptions options,
      boolean wait,
      Path out,
      Duration timeout,
      int concurrency,
      BulkIngest.Progress listener)
      throws IOException, InterruptedException {
    BulkIngest bulk = new BulkIngest(submitter, store, SourceFiles.fromConfig(config), concurrency);
    String bootstrap = config.getString(KafkaConfig.BOOTSTRAP_SERVERS);
    try (ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(wait ? "cutouts" : "upload")
            .setInitialMax(files.size())
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(ProgressOutput.onStderr(System.err))
            .setUpdateIntervalMillis(250)
            .build()) {
      BulkIngest.Progress progress =
          new BulkIngest.Progress() {
            @Override
            public void uploaded(Path file) {
              listener.uploaded(file);
              if (!wait) {
                bar.step();
              }
            }

            @Override
            public void finished(BulkIngest.Outcome o) {
              listener.finished(o);
              if (wait) {
                bar.step();
                bar.setExtraMessage(o.file().getFileName().toString());
              }
            }
          };
      return bulk.run(
          root,
          files,
          options,
          wait ? onResult -> new ResultWatcher(bootstrap, topics.results(), codec, onResult) : null,
          out,
          timeout,
          progress);
    }
  }

  public ObjectStore store() {
    return store;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
    store.close();
  }
}
