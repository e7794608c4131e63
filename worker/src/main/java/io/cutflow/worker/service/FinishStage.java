package io.cutflow.worker.service;

import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.common.store.ObjectStoreException;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.StageTimings;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 3, on a pool of I/O threads: post-process the mask, encode the PNG, upload it, and publish
 * the job's result.
 */
final class FinishStage {
  // The worker's logger, so log lines and logger settings stay as they were before the split.
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  private final ExecutorService pool;
  private final BackgroundRemover remover;
  private final ObjectStore store;
  private final String cutoutsBucket;
  private final String loadedModel;
  private final String workerId;
  private final ResultPublisher publisher;
  private final JobFailures failures;
  private final WorkerMetrics metrics;

  FinishStage(
      int threads,
      BackgroundRemover remover,
      ObjectStore store,
      String cutoutsBucket,
      String loadedModel,
      String workerId,
      ResultPublisher publisher,
      JobFailures failures,
      WorkerMetrics metrics) {
    this.pool = Executors.newFixedThreadPool(threads, StageThreads.named("finish"));
    this.remover = remover;
    this.store = store;
    this.cutoutsBucket = cutoutsBucket;
    this.loadedModel = loadedModel;
    this.workerId = workerId;
    this.publisher = publisher;
    this.failures = failures;
    this.metrics = metrics;
  }

  void submit(InFlightJob job) {
    pool.execute(() -> finish(job));
  }

  /** Lets the jobs already handed over finish (bounded), so their results still get published. */
  void shutdown() {
    pool.shutdown();
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void finish(InFlightJob job) {
    try {
      BackgroundRemover.Cutout cutout = remover.finish(job.inferred);
      job.inferred = null;
      JobRequest.Output out = job.request.resolvedOutput(cutoutsBucket);
      long t0 = System.nanoTime();
      try {
        store.put(
            out.bucket(),
            out.key(),
            cutout.png(),
            "image/png",
            Map.of("cutflow-job-id", job.request.jobId(), "cutflow-model", loadedModel));
      } catch (ObjectStoreException e) {
        failures.fail(
            job,
            FailureCode.STORAGE_FAILED,
            job.name()
                + ": writing "
                + out.bucket()
                + "/"
                + out.key()
                + " failed: "
                + e.getMessage());
        return;
      }
      job.uploadMs = (System.nanoTime() - t0) / 1_000_000;
      StageTimings t = cutout.timings();
      for (String stage :
          List.of(
              StageTimings.DECODE,
              StageTimings.PREPROCESS,
              StageTimings.POSTPROCESS,
              StageTimings.ENCODE)) {
        metrics.stage(stage, t.get(stage));
      }
      metrics.stage("upload", job.uploadMs);
      JobResult result =
          JobResult.ok(
              job.request,
              new JobResult.StoredObject(out.bucket(), out.key(), cutout.png().length),
              new JobResult.Image(cutout.width(), cutout.height()),
              loadedModel,
              workerId,
              null,
              job.timings(t),
              job.startedAt,
              Instant.now());
      publisher.publish(job, result, null);
    } catch (RuntimeException e) {
      log.atError()
          .setMessage("unexpected error finishing job")
          .addKeyValue("job", job.name())
          .setCause(e)
          .log();
      failures.fail(job, FailureCode.INTERNAL_ERROR, job.name() + ": " + e);
    }
  }
}
