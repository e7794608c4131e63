package io.cutflow.worker.service;

import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.inference.StageTimings;
import io.cutflow.worker.supervisor.ControlMessage;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a job that cannot succeed into a failed result plus a dead letter holding the original
 * record, so a bad input costs one result and never stops the worker.
 */
final class JobFailures {
  // The worker's logger, so log lines and logger settings stay as they were before the split.
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  private final ResultPublisher publisher;
  private final String loadedModel;
  private final String workerId;

  JobFailures(ResultPublisher publisher, String loadedModel, String workerId) {
    this.publisher = publisher;
    this.loadedModel = loadedModel;
    this.workerId = workerId;
  }

  /**
   * A failed result for {@code job}; every failure also goes to the dead-letter topic for replay.
   */
  void fail(InFlightJob job, FailureCode code, String message) {
    job.releaseImage();
    JobRequest request = job.request;
    if (request == null) {
      // Unparseable record: the result still carries an id so the producer can correlate it; a
      // key longer than any job id (up to 1 MB) would make the result too large to publish
      String key = job.record.key();
      String id =
          key != null && !key.isEmpty() && key.length() <= JobRequest.MAX_JOB_ID_CHARS
              ? key
              : job.record.topic() + "-" + job.record.partition() + "-" + job.record.offset();
      request = JobRequest.of(id, JobRequest.Source.of("unknown", "unknown"), null);
    }
    StageTimings t = job.stageTimings();
    JobResult result =
        JobResult.failed(
            request,
            code,
            message,
            null,
            loadedModel,
            workerId,
            null,
            job.timings(t),
            job.startedAt,
            Instant.now());
    DeadLetter dl =
        DeadLetter.of(
            job.record.value(),
            job.record.key(),
            job.record.topic(),
            job.record.partition(),
            job.record.offset(),
            request.jobId(),
            code,
            message,
            workerId,
            Instant.now());
    log.atWarn()
        .setMessage("job failed")
        .addKeyValue("job", request.jobId())
        .addKeyValue("input", job.name())
        .addKeyValue("code", code.code())
        .addKeyValue("reason", message)
        .log();
    publisher.publish(job, result, dl);
  }

  /**
   * {@code job} was in flight in {@code crashes} worker processes that died (the last of {@code
   * lastCrash}), more than {@code retries} allow: failed as {@code worker_crashed}, not run again.
   */
  void workerCrashed(InFlightJob job, int crashes, String lastCrash, int retries) {
    String id = job.request != null ? job.request.jobId() : job.record.key();
    fail(
        job,
        FailureCode.WORKER_CRASHED,
        job.name()
            + " (job "
            + id
            + ", "
            + job.tp
            + "@"
            + job.record.offset()
            + "): killed its worker "
            + crashes
            + " times (cutflow.worker.crash-retries="
            + retries
            + "); last: "
            + lastCrash
            + ". Not run again. Fix: check the input (an image that exhausts memory or crashes a"
            + " native library when decoded or run through the model) and the worker logs, then"
            + " replay the record from the dead-letter topic; if the crashes had another cause (the"
            + " machine out of memory, a worker killed by hand), replay it as is.");
  }

  /**
   * A record that killed more workers than {@code retries} allow: failed (result + dead letter),
   * never run again. Its request is decoded only to name the job and its input.
   */
  void workerCrashed(InFlightJob job, ControlMessage.Suspect suspect, int retries, JobCodec codec) {
    try {
      job.request = codec.decodeRequest(job.record.value());
    } catch (InvalidJobException | RuntimeException e) {
      // named by its key and position instead
    }
    workerCrashed(job, suspect.crashes(), suspect.reason(), retries);
  }

  /**
   * A failed result and dead letter for a job whose stage threw something unexpected, an {@link
   * Error} included: the job is answered, its memory and buffers are freed, and the stage thread
   * lives on. If even that cannot be published, the record stays uncommitted (redelivered later)
   * and readiness reports the stall.
   */
  void unexpected(InFlightJob job, String stage, Throwable e) {
    job.releaseImage(); // first: an OutOfMemoryError is best answered by freeing what this job
    // holds
    boolean oom = e instanceof OutOfMemoryError;
    log.atError()
        .setMessage(oom ? "stage ran out of heap" : "unexpected error in a stage")
        .addKeyValue("stage", stage)
        .addKeyValue("job", job.name())
        .setCause(e)
        .log();
    String message =
        job.name()
            + ": "
            + e
            + " in the "
            + stage
            + " stage"
            + (oom
                ? "; give the worker a larger heap (--worker-heap) or lower"
                    + " cutflow.image.max-pixels, then replay the dead letter"
                : "; a bug: replay the dead letter once it is fixed");
    try {
      fail(job, FailureCode.INTERNAL_ERROR, message);
    } catch (Throwable again) {
      log.atError()
          .setMessage("could not publish the failure; the record stays uncommitted")
          .addKeyValue("job", job.name())
          .addKeyValue("error", again.toString())
          .log();
    }
  }

  /** The result's failure code for an image the decoder refused. */
  static FailureCode codeOf(InvalidImageException e) {
    return switch (e.reason()) {
      case EMPTY -> FailureCode.IMAGE_EMPTY;
      case NOT_AN_IMAGE -> FailureCode.NOT_AN_IMAGE;
      case UNSUPPORTED_FORMAT -> FailureCode.UNSUPPORTED_FORMAT;
      case TRUNCATED -> FailureCode.IMAGE_TRUNCATED;
      case TOO_LARGE -> FailureCode.IMAGE_TOO_LARGE;
      case CORRUPT -> FailureCode.IMAGE_CORRUPT;
    };
  }
}
