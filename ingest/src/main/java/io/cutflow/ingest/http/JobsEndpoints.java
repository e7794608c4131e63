package io.cutflow.ingest.http;

import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.status.JobStatus;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The asynchronous API: {@code POST /v1/jobs} (queue one job per uploaded image), {@code GET
 * /v1/jobs/{id}} (its status) and {@code GET /v1/jobs/{id}/cutout} (its PNG).
 *
 * <p>{@code POST /v1/jobs} is not refused for the workers' load (queueing is what it is for) but
 * says how deep the queue is, {@code queue_depth} and {@code X-Cutflow-Queue-Depth}, so a client
 * can pace itself; only the ingest's own memory for uploads can make it wait ({@link
 * UploadBudget}).
 */
final class JobsEndpoints {
  private final Uploads uploads;
  private final int maxFiles;
  private final Submissions submissions;
  private final Responses responses;
  private final Links links;
  private final UrlInput urls;
  private final JobRouting routing;

  /**
   * @param routing sends requests for jobs held by another instance there; null = every job is held
   *     here (one instance, or tests without a status store)
   */
  JobsEndpoints(
      Uploads uploads,
      int maxFiles,
      Submissions submissions,
      Responses responses,
      Links links,
      UrlInput urls,
      JobRouting routing) {
    this.urls = urls;
    this.routing = routing;
    this.uploads = uploads;
    this.maxFiles = maxFiles;
    this.submissions = submissions;
    this.responses = responses;
    this.links = links;
  }

  /**
   * {@code POST /v1/jobs}: multipart uploads, or a JSON body naming one image by URL; with room for
   * them in the upload memory until they are stored and queued.
   */
  void submit(Context ctx) {
    boolean byUrl = UrlInput.isJson(ctx);
    try (Submissions.Batch batch = submissions.begin();
        UploadBudget.Reservation room = uploads.reserve(ctx, byUrl)) {
      submit(ctx, byUrl, batch);
    }
  }

  private void submit(Context ctx, boolean byUrl, Submissions.Batch batch) {
    List<Uploads.Upload> files;
    CutoutParams params;
    String sourceUrl = null;
    if (byUrl) {
      UrlInput.JsonJob body =
          uploads.readBody(ctx, () -> UrlInput.parse(uploads.readAll(ctx), ctx::queryParam));
      params = CutoutParams.parse(body.param()); // bad options fail before anything is fetched
      UrlInput.Fetched fetched = urls.fetch(body.url());
      files = List.of(fetched.upload());
      sourceUrl = fetched.url();
    } else {
      files = uploads.read(ctx, null);
      if (files.size() > maxFiles) {
        throw ApiError.badRequest(
            "too_many_files", files.size() + " files in one request; at most " + maxFiles);
      }
      params = CutoutParams.parse(Responses.param(ctx));
    }
    List<Map<String, Object>> jobs = new ArrayList<>();
    for (Uploads.Upload upload : files) {
      String jobId = JobSubmitter.newJobId();
      batch.submit(jobId, upload, params, sourceUrl);
      Map<String, Object> job = new LinkedHashMap<>();
      if (sourceUrl != null) {
        job.put("source_url", sourceUrl);
      }
      job.put("job_id", jobId);
      job.put("file_name", upload.fileName());
      job.put("size_bytes", upload.bytes().length);
      job.put("content_type", upload.kind().mimeType());
      job.put("status", "queued");
      job.put("status_url", links.job(jobId));
      job.put("cutout_url", links.cutout(jobId));
      jobs.add(job);
    }
    batch.awaitPublished();
    Responses.ignoredHeader(ctx, params);
    if (jobs.size() == 1) {
      ctx.header("Location", (String) jobs.get(0).get("status_url"));
    }
    // after publishing: the depth includes these jobs
    int depth = submissions.outstanding();
    ctx.header("X-Cutflow-Queue-Depth", String.valueOf(depth));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("jobs", jobs);
    body.put("queue_depth", depth);
    ctx.status(202).json(body);
  }

  /** {@code GET /v1/jobs/{id}}. */
  void status(Context ctx) {
    String jobId = JobIds.of(ctx);
    if (answeredByOwner(ctx, jobId)) {
      return;
    }
    JobStatus s = submissions.lookup(jobId);
    ctx.json(JobView.of(s, links));
  }

  /**
   * Passes the request to the instance that holds the job's status, if that is not this one. Its
   * 404 for a job this instance has just queued (not yet read back by the owner's topology) is
   * answered here instead, as "queued".
   */
  private boolean answeredByOwner(Context ctx, String jobId) {
    if (routing == null) {
      return false;
    }
    Optional<JobRouting.PeerAnswer> answer = routing.route(ctx, jobId);
    if (answer.isEmpty()) {
      return false;
    }
    if (answer.get().status() == 404 && submissions.submittedHere(jobId).isPresent()) {
      return false;
    }
    JobRouting.copy(answer.get(), ctx);
    return true;
  }

  /** {@code GET /v1/jobs/{id}/cutout}: the PNG once done, else 404 saying why. */
  void cutout(Context ctx) {
    String jobId = JobIds.of(ctx);
    if (answeredByOwner(ctx, jobId)) {
      return;
    }
    JobStatus s = submissions.lookup(jobId);
    switch (s.state()) {
      case QUEUED ->
          throw new ApiError(
              404,
              "not_done",
              "job " + s.jobId() + " is queued: no cutout yet",
              Map.of("status", "queued"));
      case FAILED ->
          throw new ApiError(
              404,
              "job_failed",
              "job "
                  + s.jobId()
                  + " failed ("
                  + s.result().failure().code()
                  + "): "
                  + s.result().failure().message(),
              Map.of("status", "failed", "failure_code", s.result().failure().code().code()));
      case DONE -> responses.png(ctx, s.result());
    }
  }
}
