package io.cutflow.worker.service;

import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.StageTimings;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One record on its way through the stages. Each field is written by one stage and read by the
 * next; the hand-offs (executor submit, blocking queue) publish them safely.
 */
final class InFlightJob {
  final ConsumerRecord<String, String> record;
  final TopicPartition tp;
  final Instant startedAt = Instant.now();
  final long startNanos = System.nanoTime();
  JobRequest request;
  long downloadMs;
  long uploadMs;
  BackgroundRemover.Prepared prepared;
  BackgroundRemover.Inferred inferred;

  /** The remover's timings, kept when {@link #releaseImage} drops the prepared image. */
  private StageTimings released;

  InFlightJob(ConsumerRecord<String, String> record) {
    this.record = record;
    this.tp = new TopicPartition(record.topic(), record.partition());
  }

  /** The input, for logs and messages: the source object once known, else the record's position. */
  String name() {
    return request != null
        ? request.source().bucket() + "/" + request.source().key()
        : record.topic() + "-" + record.partition() + "@" + record.offset();
  }

  /** The remover's stage timings so far (empty before the image was prepared). */
  StageTimings stageTimings() {
    BackgroundRemover.Prepared p = prepared;
    if (p != null) {
      return p.timings();
    }
    return released != null ? released : new StageTimings();
  }

  /**
   * Ends this job's hold on the heap: its image, model output and cutout become unreachable and its
   * memory lease returns to the budget, so the next image may be admitted. Idempotent; called when
   * the job's result is out (or it failed), by the stage that holds the job.
   */
  void releaseImage() {
    MemoryBudget.Lease lease = dropImage();
    // Closed only once dropImage's frame, which held the image, is gone: the close may admit a
    // large image whose collection runs at once, and a reference still on this thread's stack
    // kept a 24 MP image's ~100 MB alive through it (33 of 187 such collections over 200 images of
    // ops/bench/memory-24mp.sh run; twice the heap grew past 1 GB of RSS).
    if (lease != null) {
      lease.close();
    }
  }

  /** Forgets the image, its model output and cutout; returns its lease, or null if already done. */
  private MemoryBudget.Lease dropImage() {
    BackgroundRemover.Prepared p = prepared;
    if (p == null) {
      return null;
    }
    released = p.timings();
    prepared = null;
    inferred = null;
    return p.memory();
  }

  /** The result's timings: this job's own download/upload and total, the remover's stages. */
  JobResult.Timings timings(StageTimings t) {
    long total = (System.nanoTime() - startNanos) / 1_000_000;
    return new JobResult.Timings(
        downloadMs,
        Math.round(t.get(StageTimings.DECODE)),
        Math.round(t.get(StageTimings.PREPROCESS)),
        Math.round(t.get(StageTimings.INFERENCE)),
        Math.round(t.get(StageTimings.POSTPROCESS)),
        Math.round(t.get(StageTimings.MATTING)),
        Math.round(t.get(StageTimings.ENCODE)),
        uploadMs,
        total);
  }
}
