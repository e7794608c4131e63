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
 * Stage 3, on a pool of I/O threads: post-process the mask, encode the PNG, upload it (held through
 * an object-store outage, {@link StoreOutage}), and publish the job's result.
 */
final class FinishStage {
  private static final Logger log = LoggerFactory.getLogger(FinishStage.class);

  private final ExecutorService pool;
  private final BackgroundRemover remover;
  private final ObjectStore store;
  private final StoreOutage outage;
  private final String cutoutsBucket;
  private final String loadedModel;
  private final String workerId;
  private final ResultPublisher publisher;
  private final JobFailures failures;
  private final WorkerMetrics metrics;
  private final StallDetector stall;

  FinishStage(
      int threads,
      BackgroundRemover remover,
      ObjectStore store,
      StoreOutage outage,
      String cutoutsBucket,
      String loadedModel,
      String workerId,
      ResultPublisher publisher,
      JobFailures failures,
      WorkerMetrics metrics,
      StallDetector stall) {
    this.pool = Executors.newFixedThreadPool(threads, StageThreads.named("finish"));
    this.remover = remover;
    this.store = store;
    this.outage = outage;
    this.cutoutsBucket = cutoutsBucket;
    this.loadedModel = loadedModel;
    this.workerId = workerId;
    this.publisher = publisher;
    this.failures = failures;
    this.metrics = metrics;
    this.stall = stall;
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
      finishAndPublish(job);
    } catch (InterruptedException e) {
      // stopping while the object store was out: the record stays uncommitted (redelivered)
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      failures.unexpected(job, "finish", e);
    } finally {
      // after finishAndPublish has returned: its frame held the cutout, which must not outlive the
      // lease (see InFlightJob.releaseImage)
      job.releaseImage(); // the upload is done: the cutout's heap may go to the next image
      stall.progress();
    }
  }

  private void finishAndPublish(InFlightJob job) throws InterruptedException {
    // the result reports the decoded image's size (a stacked cutout's PNG is taller)
    int width = job.inferred.prepared().image().width();
    int height = job.inferred.prepared().image().height();
    BackgroundRemover.Cutout cutout = remover.finish(job.inferred);
    job.inferred = null;
    StageTimings t = cutout.timings();
    JobRequest.Output out = job.request.resolvedOutput(cutoutsBucket);
    long t0 = System.nanoTime();
    try {
      Map<String, String> meta =
          Map.of("cutflow-job-id", job.request.jobId(), "cutflow-model", loadedModel);
      outage.call(
          job.name(), () -> store.put(out.bucket(), out.key(), cutout.png(), "image/png", meta));
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
    for (String stage :
        List.of(
            StageTimings.DECODE,
            StageTimings.PREPROCESS,
            StageTimings.POSTPROCESS,
            StageTimings.ENCODE)) {
      metrics.stage(stage, t.get(stage));
    }
    if (t.asMap().containsKey(StageTimings.MATTING)) { // only jobs with alpha matting
      metrics.stage(StageTimings.MATTING, t.get(StageTimings.MATTING));
    }
    metrics.stage("upload", job.uploadMs);
    JobResult result =
        JobResult.ok(
            job.request,
            new JobResult.StoredObject(out.bucket(), out.key(), cutout.png().length),
            new JobResult.Image(width, height),
            loadedModel,
            workerId,
            null,
            job.timings(t),
            job.startedAt,
            Instant.now());
    if (cutout.note() != null) {
      result = result.withNotes(List.of(cutout.note()));
      log.atInfo()
          .setMessage("cutout note")
          .addKeyValue("job_id", job.request.jobId())
          .addKeyValue("note", cutout.note())
          .log();
    }
    publisher.publish(job, result, null);
  }
}
