package io.cutflow.worker.service;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.InvalidOptionException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.common.store.ObjectStoreException;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.inference.BackgroundRemover;
import java.nio.FloatBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Stage 1, on a pool of I/O threads: parse the request, download the image, decode and pre-process
 * it into one of the pooled input buffers, and queue it for the model. A record that cannot get
 * that far becomes a failed result here; an object-store outage holds it ({@link StoreOutage}).
 */
final class FetchStage {
  private final ExecutorService pool;
  private final JobCodec codec;
  private final ObjectStore store;
  private final StoreOutage outage;
  private final long maxImageBytes;
  private final BackgroundRemover remover;
  private final String loadedModel;
  private final InputBuffers buffers;
  private final InferenceStage next;
  private final JobFailures failures;
  private final WorkerMetrics metrics;
  private final StallDetector stall;

  FetchStage(
      int threads,
      JobCodec codec,
      ObjectStore store,
      StoreOutage outage,
      long maxImageBytes,
      BackgroundRemover remover,
      String loadedModel,
      InputBuffers buffers,
      InferenceStage next,
      JobFailures failures,
      WorkerMetrics metrics,
      StallDetector stall) {
    this.pool = Executors.newFixedThreadPool(threads, StageThreads.named("fetch"));
    this.codec = codec;
    this.store = store;
    this.outage = outage;
    this.maxImageBytes = maxImageBytes;
    this.remover = remover;
    this.loadedModel = loadedModel;
    this.buffers = buffers;
    this.next = next;
    this.failures = failures;
    this.metrics = metrics;
    this.stall = stall;
  }

  void submit(InFlightJob job) {
    stall.arrived();
    pool.execute(() -> fetch(job));
  }

  /** Interrupts the fetches under way: their records stay uncommitted and are redelivered. */
  void shutdownNow() {
    pool.shutdownNow();
  }

  /**
   * Whatever happens, the job ends in the inference queue or with a result, and its input buffer
   * goes back to the pool unless the queue took it: an Error here (an OutOfMemoryError, a codec's
   * StackOverflowError) once ended the thread with neither, and seven of them wedged every fetch.
   */
  private void fetch(InFlightJob job) {
    FloatBuffer buffer = null; // the prepared image's input, held until the queue takes the job
    boolean queued = false;
    try {
      try {
        job.request = codec.decodeRequest(job.record.value());
      } catch (InvalidJobException e) {
        failures.fail(job, e.failureCode(), CutoutWorker.invalidJobMessage(job.name(), e));
        return;
      }
      String wanted = job.request.options().model();
      if (wanted != null && !wanted.isBlank() && !wanted.equals(loadedModel)) {
        failures.fail(
            job,
            FailureCode.MODEL_UNAVAILABLE,
            "job asks for model '"
                + wanted
                + "' but this worker serves '"
                + loadedModel
                + "'; run workers of that model or leave options.model empty");
        return;
      }
      CutoutOptions options = job.request.options();
      try {
        remover.checkOptions(options); // sam without a prompt: invalid, as JobCodec's refusals
      } catch (InvalidOptionException e) {
        failures.fail(
            job, FailureCode.SCHEMA_VIOLATION, job.name() + ": options." + e.getMessage());
        return;
      }
      long t0 = System.nanoTime();
      byte[] data;
      try {
        JobRequest.Source src = job.request.source();
        data = outage.call(job.name(), () -> store.get(src.bucket(), src.key(), maxImageBytes));
      } catch (ObjectStoreException e) {
        failures.fail(job, e.failureCode(), job.name() + ": " + e.getMessage());
        return;
      }
      job.downloadMs = (System.nanoTime() - t0) / 1_000_000;
      metrics.stage("download", job.downloadMs);
      try {
        // Reads the header, waits here until the heap the cutout needs is free, decodes, and only
        // then takes an input buffer (given back if it fails).
        job.prepared = remover.prepare(data, job.name(), options, buffers);
        buffer = job.prepared.input();
      } catch (InvalidImageException e) {
        failures.fail(job, JobFailures.codeOf(e), e.getMessage());
        return;
      }
      data = null; // decoded: the encoded bytes need not wait with it for room in the queue
      stall.progress();
      next.put(job);
      queued = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // shutting down: the record stays uncommitted
      job.releaseImage();
    } catch (Throwable e) {
      failures.unexpected(job, "fetch", e);
    } finally {
      if (!queued && buffer != null) {
        buffers.release(buffer);
      }
      if (!queued) {
        stall.progress();
      }
    }
  }
}
