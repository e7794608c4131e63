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
import java.util.function.Supplier;

/**
 * rembg's {@code POST /api/remove}: one image in the form field {@code file} (or by URL: {@code GET
 * /api/remove?url=}), answered with the PNG once a worker has made it (the job goes through Kafka
 * like any other). At most {@code cutflow.ingest.max-waiting-removes} wait at once ({@link
 * RemoveAdmission}).
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
  private final UrlInput urls;

  RemoveEndpoint(
      Uploads uploads,
      Submissions submissions,
      Responses responses,
      ResultWaiters waiters,
      HttpMetrics metrics,
      Duration timeout,
      Executor responder,
      RemoveAdmission admission,
      UrlInput urls) {
    this.urls = urls;
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
    answer(ctx, () -> single(uploads.read(ctx, "file")), null);
  }

  /**
   * rembg's {@code GET /api/remove?url=}: the image is fetched by this server ({@link UrlInput}),
   * then handled as an upload. Without {@code url} it answers as before the route existed (405,
   * {@code Allow: POST}), naming {@code url} as what makes a GET work.
   */
  void removeByUrl(Context ctx) {
    String url = ctx.queryParam("url");
    if (url == null) {
      ctx.header("Allow", "POST");
      throw new ApiError(
          405,
          "method_not_allowed",
          "GET /api/remove needs the image's URL (?url=https://...); to upload an image use POST"
              + " with the form field 'file'",
          Map.of("allow", List.of("POST")));
    }
    CutoutParams.parse(Responses.param(ctx)); // a bad option fails before anything is fetched
    answer(ctx, () -> urls.fetch(url).upload(), url);
  }

  private static Uploads.Upload single(List<Uploads.Upload> files) {
    if (files.size() != 1) {
      throw ApiError.badRequest(
          "invalid_parameter", "send exactly one image in the form field 'file'");
    }
    return files.get(0);
  }

  private void answer(Context ctx, Supplier<Uploads.Upload> image, String sourceUrl) {
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
      CompletableFuture<Void> answer = submitAndAwait(ctx, leave, image, sourceUrl);
      ctx.future(() -> answer);
    } catch (RuntimeException e) {
      leave.run();
      throw e;
    }
  }

  private CompletableFuture<Void> submitAndAwait(
      Context ctx, Runnable leave, Supplier<Uploads.Upload> image, String sourceUrl) {
    CutoutParams params;
    String jobId = JobSubmitter.newJobId();
    CompletableFuture<JobResult> result;
    // the image is in memory from its reading until it is stored and its job queued
    try (Submissions.Batch batch = submissions.begin();
        UploadBudget.Reservation room = uploads.reserve(ctx, sourceUrl != null)) {
      Uploads.Upload upload = image.get();
      params = CutoutParams.parse(Responses.param(ctx));
      result = waiters.await(jobId);
      try {
        batch.submit(jobId, upload, params, sourceUrl);
        batch.awaitPublished();
      } catch (RuntimeException e) {
        waiters.forget(jobId);
        throw e;
      }
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
