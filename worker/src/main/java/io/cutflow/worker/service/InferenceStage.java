package io.cutflow.worker.service;

import ai.onnxruntime.OrtException;
import io.cutflow.common.job.FailureCode;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.StageTimings;
import java.nio.FloatBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 2, on one thread: runs the model on each queued image, frees its input buffer, and hands
 * the output to the finish stage. The queue is bounded, so at most its capacity of decoded images
 * wait for the model.
 */
final class InferenceStage {
  // The worker's logger, so log lines and logger settings stay as they were before the split.
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  private final BlockingQueue<InFlightJob> queue;
  private final BackgroundRemover remover;
  private final InputBuffers buffers;
  private final FinishStage next;
  private final JobFailures failures;
  private final WorkerMetrics metrics;
  private final StallDetector stall;
  private final Thread thread;
  private volatile boolean open = true;

  InferenceStage(
      int capacity,
      BackgroundRemover remover,
      InputBuffers buffers,
      FinishStage next,
      JobFailures failures,
      WorkerMetrics metrics,
      StallDetector stall) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.remover = remover;
    this.buffers = buffers;
    this.next = next;
    this.failures = failures;
    this.metrics = metrics;
    this.stall = stall;
    this.thread = new Thread(this::loop, "inference");
  }

  void start() {
    thread.start();
  }

  /** Queues a pre-processed job, blocking while the queue is full. */
  void put(InFlightJob job) throws InterruptedException {
    queue.put(job);
  }

  int queued() {
    return queue.size();
  }

  /** Stops taking jobs once the queue is empty. */
  void close() {
    open = false;
  }

  /** Ends the loop now, even with jobs queued (their records stay uncommitted). */
  void interrupt() {
    thread.interrupt();
  }

  private void loop() {
    while (open || !queue.isEmpty()) {
      InFlightJob job;
      try {
        // close() is seen within a second; interrupt() ends the wait at once
        job = queue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (job != null) {
        try {
          run(job);
        } catch (Throwable e) {
          // Even answering the job failed (publishing threw): keep the thread, leave the record
          // uncommitted for redelivery; readiness reports the stall if nothing else moves.
          log.atError()
              .setMessage("could not answer a job; its record stays uncommitted")
              .addKeyValue("job", job.name())
              .setCause(e)
              .log();
        }
      }
    }
  }

  /** One job; nothing it throws ends the loop, and its buffer always goes back. */
  private void run(InFlightJob job) {
    FloatBuffer buffer = job.prepared.input();
    try {
      try {
        job.inferred = remover.infer(job.prepared);
      } finally {
        buffers.release(buffer);
      }
      metrics.stage(StageTimings.INFERENCE, job.prepared.timings().get(StageTimings.INFERENCE));
      next.submit(job);
    } catch (RejectedExecutionException e) {
      // The finish pool is shutting down: no result, the record stays uncommitted (redelivered).
      job.releaseImage();
    } catch (OrtException | RuntimeException e) {
      log.atError().setMessage("inference failed").addKeyValue("job", job.name()).setCause(e).log();
      failures.fail(job, FailureCode.INFERENCE_FAILED, job.name() + ": " + e);
    } catch (Throwable e) {
      failures.unexpected(job, "inference", e);
    } finally {
      stall.progress();
    }
  }
}
