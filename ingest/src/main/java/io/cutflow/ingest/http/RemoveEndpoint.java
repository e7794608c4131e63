package io.cutflow.ingest.http;

import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobResult;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.status.ResultWaiters;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * rembg's {@code POST /api/remove}: one image in the form field {@code file}, answered with the PNG
 * once a worker has made it (the job goes through Kafka like any other). At most {@code
 * cutflow.ingest.max-waiting-removes} wait at once ({@link RemoveAdmission}).
 */
final class RemoveEndpoint {
  private final Uploads uploads;
  private final Submissions submissions;
  private final Responses responses;
  private final ResultWaiters waiters;
  private final HttpMetrics metrics;
  private final Duration timeout;
  private final Executor responder;
  private final RemoveAdmission admission;

  RemoveEndpoint(
      Uploads uploads,
      Submissions submissions,
      Responses responses,
      ResultWaiters waiters,
      HttpMetrics metrics,
      Duration timeout,
      Executor responder,
      RemoveAdmission admission) {
    this.uploads = uploads;
    this.submissions = submissions;
    this.responses = responses;
    this.waiters = waiters;
    this.metrics = metrics;
    this.timeout = timeout;
    this.responder = responder;
    this.admission = admission;
  }

  /**
   * Admits the request (or refuses it with 503 before reading its body), queues the job and answers
   * once its result arrives or the timeout passes. The waiting slot is given back when the answer
   * is decided, on every path.
   */
  void remove(Context ctx) {
    try {
      admission.enter();
    } catch (ApiError refused) {
      metrics.removeRefused();
      throw refused;
    }
    AtomicBoolean left = new AtomicBoolean();
    Runnable leave =
        () -> {
          if (left.compareAndSet(false, true)) {
            admission.leave();
          }
        };
    try {
      CompletableFuture<Void> answer = submitAndAwait(ctx, leave);
      ctx.future(() -> answer);
    } catch (RuntimeException e) {
      leave.run();
      throw e;
    }
  }

  private CompletableFuture<Void> submitAndAwait(Context ctx, Runnable leave) {
    List<Uploads.Upload> files = uploads.read(ctx, "file");
    if (files.size() != 1) {
      throw ApiError.badRequest(
          "invalid_parameter", "send exactly one image in the form field 'file'");
    }
    CutoutParams params = CutoutParams.parse(Responses.param(ctx));
    String jobId = JobSubmitter.newJobId();
    CompletableFuture<JobResult> result = waiters.await(jobId);
    try {
      Submissions.awaitPublished(List.of(submissions.submit(jobId, files.get(0), params)));
    } catch (RuntimeException e) {
      waiters.forget(jobId);
      throw e;
    }
    ctx.header("X-Cutflow-Job-Id", jobId);
    Responses.ignoredHeader(ctx, params);
    long timeoutMs = timeout.toMillis();
    // chained now, not when Javalin asks for the future: the slot is released even if it never does
    return result
        .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .handleAsync(
            (r, e) -> {
              try {
                if (e != null) {
                  waiters.forget(jobId);
                  metrics.removeTimeout();
                  throw new ApiError(
                      504,
                      "timeout",
                      "no result for job "
                          + jobId
                          + " within "
                          + timeoutMs
                          + " ms; the job continues: GET /v1/jobs/"
                          + jobId,
                      Map.of("job_id", jobId));
                }
                if (!r.isOk()) {
                  throw failed(r);
                }
                responses.png(ctx, r);
              } catch (RuntimeException err) {
                Responses.error(ctx, Errors.of(err, "POST", "/api/remove"));
              } finally {
                leave.run();
              }
              return null;
            },
            responder);
  }

  /** A failed job as an HTTP error: bad input 422, too large 413, anything else 502. */
  static ApiError failed(JobResult r) {
    FailureCode code = r.failure().code();
    int status =
        switch (code) {
          case NOT_AN_IMAGE,
              IMAGE_EMPTY,
              IMAGE_TRUNCATED,
              IMAGE_CORRUPT,
              UNSUPPORTED_FORMAT,
              MODEL_UNAVAILABLE ->
              422;
          case IMAGE_TOO_LARGE -> 413;
          default -> 502;
        };
    return new ApiError(status, code.code(), r.failure().message(), Map.of("job_id", r.jobId()));
  }
}
