package io.cutflow.ingest.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.image.ContentKind;
import io.cutflow.common.image.ContentSniffer;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectMissingException;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.status.JobStatus;
import io.cutflow.ingest.status.JobStatusService;
import io.cutflow.ingest.status.ResultWaiters;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.UploadedFile;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest HTTP API on Javalin: routes in {@link #create()}, one small handler each.
 * Every error is {@code {"error": code, "message": ...}} (see {@link ApiError}).
 */
final class IngestApi {
  private static final Logger log = LoggerFactory.getLogger(IngestApi.class);
  private static final String ROUTE = "cutflow.route";
  private static final String STARTED = "cutflow.started";
  private static final long MAX_CUTOUT_BYTES = 1L << 30;
  private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);

  /** What the API needs; {@code apiKey} empty = no authentication. */
  record Settings(long maxUploadBytes, int maxFiles, String apiKey, Duration removeTimeout) {}

  private final Settings settings;
  private final JobSubmitter submitter;
  private final ObjectStore store;
  private final JobStatusService status;
  private final ResultWaiters waiters;
  private final HttpMetrics metrics;
  private final BooleanSupplier ready;
  private final Executor responder;
  private final ObjectMapper json = JobCodec.newMapper();
  /**
   * Jobs this instance submitted and has not seen a result for: answers "queued" before the status
   * topology has read the job back from Kafka, and times submission to result.
   */
  private final ConcurrentMap<String, Submitted> inFlight = new ConcurrentHashMap<>();

  private record Submitted(JobRequest request, long nanos) {}

  IngestApi(Settings settings, JobSubmitter submitter, ObjectStore store, JobStatusService status,
            ResultWaiters waiters, HttpMetrics metrics, BooleanSupplier ready, Executor responder) {
    this.settings = settings;
    this.submitter = submitter;
    this.store = store;
    this.status = status;
    this.waiters = waiters;
    this.metrics = metrics;
    this.ready = ready;
    this.responder = responder;
  }

  /** The application: every route in one place. */
  Javalin create() {
    Javalin app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      cfg.jsonMapper(new JavalinJackson(JobCodec.newMapper(), false));
      cfg.http.maxRequestSize = settings.maxUploadBytes();
      cfg.jetty.multipartConfig.maxTotalRequestSize(settings.maxUploadBytes(), SizeUnit.BYTES);
      cfg.jetty.multipartConfig.maxFileSize(settings.maxUploadBytes(), SizeUnit.BYTES);
      cfg.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
    });
    app.before(this::start);

    app.post("/v1/jobs", secured("post_v1_jobs", this::submitJobs));
    app.get("/v1/jobs/{id}", secured("get_v1_jobs_id", this::jobStatus));
    app.get("/v1/jobs/{id}/cutout", secured("get_v1_jobs_id_cutout", this::cutout));
    app.post("/api/remove", secured("post_api_remove", this::remove));
    app.get("/healthz", open("get_healthz", ctx -> ctx.json(Map.of("status", "ok"))));
    app.get("/readyz", open("get_readyz", this::readiness));
    app.get("/metrics", open("get_metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
        .result(metrics.scrape())));

    app.exception(ApiError.class, (e, ctx) -> error(ctx, e));
    app.exception(JobStatusService.NotReadyException.class,
        (e, ctx) -> error(ctx, new ApiError(503, "not_ready", e.getMessage())));
    app.exception(Exception.class, (e, ctx) -> {
      log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
      error(ctx, new ApiError(500, "internal_error", e.toString()));
    });
    app.error(404, ctx -> {
      if (ctx.attribute(ROUTE) == null) {
        error(ctx, new ApiError(404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path()));
      }
    });
    app.after(this::finish);
    return app;
  }

  // ---------------------------------------------------------------- cross-cutting

  /** A route without authentication, named for the request metrics. */
  private static Handler open(String name, Handler handler) {
    return ctx -> {
      ctx.attribute(ROUTE, name);
      handler.handle(ctx);
    };
  }

  /** A route that requires the API key when one is configured. */
  private Handler secured(String name, Handler handler) {
    return ctx -> {
      ctx.attribute(ROUTE, name);
      authenticate(ctx);
      handler.handle(ctx);
    };
  }

  private void start(Context ctx) {
    ctx.attribute(STARTED, System.nanoTime());
  }

  private void finish(Context ctx) {
    Long t0 = ctx.attribute(STARTED);
    String route = ctx.attribute(ROUTE);
    metrics.request(route == null ? "unmatched" : route, ctx.statusCode(),
        t0 == null ? 0 : System.nanoTime() - t0);
  }

  private void authenticate(Context ctx) {
    String key = settings.apiKey();
    if (key == null || key.isEmpty()) {
      return;
    }
    String given = ctx.header("X-API-Key");
    String auth = ctx.header("Authorization");
    if (given == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = auth.substring(7).trim();
    }
    if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
        key.getBytes(StandardCharsets.UTF_8))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiError(401, "unauthorized", given == null
          ? "an API key is required: send it as X-API-Key or Authorization: Bearer"
          : "wrong API key");
    }
  }

  private void error(Context ctx, ApiError e) {
    ctx.status(e.status()).json(e.body());
  }

  private void readiness(Context ctx) {
    if (ready.getAsBoolean()) {
      ctx.json(Map.of("status", "ready"));
    } else {
      ctx.status(503).json(Map.of("status", "not_ready", "reason",
          "job status store is " + status.state().name().toLowerCase()));
    }
  }

  // ---------------------------------------------------------------- POST /v1/jobs

  private void submitJobs(Context ctx) {
    List<Upload> uploads = uploads(ctx, null);
    if (uploads.size() > settings.maxFiles()) {
      throw ApiError.badRequest("too_many_files", uploads.size() + " files in one request; at most "
          + settings.maxFiles());
    }
    CutoutParams params = CutoutParams.parse(param(ctx));
    List<Map<String, Object>> jobs = new ArrayList<>();
    List<CompletableFuture<JobRequest>> published = new ArrayList<>();
    for (Upload upload : uploads) {
      String jobId = JobSubmitter.newJobId();
      published.add(submit(jobId, upload, params));
      Map<String, Object> job = new LinkedHashMap<>();
      job.put("job_id", jobId);
      job.put("file_name", upload.fileName());
      job.put("size_bytes", upload.bytes().length);
      job.put("content_type", upload.kind().mimeType());
      job.put("status", "queued");
      job.put("status_url", baseUrl(ctx) + "/v1/jobs/" + jobId);
      job.put("cutout_url", baseUrl(ctx) + "/v1/jobs/" + jobId + "/cutout");
      jobs.add(job);
    }
    awaitPublished(published);
    ignoredHeader(ctx, params);
    if (jobs.size() == 1) {
      ctx.header("Location", (String) jobs.get(0).get("status_url"));
    }
    ctx.status(202).json(Map.of("jobs", jobs));
  }

  // ---------------------------------------------------------------- GET /v1/jobs/{id}

  private void jobStatus(Context ctx) {
    JobStatus s = lookup(ctx.pathParam("id"));
    ctx.json(JobView.of(s, baseUrl(ctx)));
  }

  // ---------------------------------------------------------------- GET /v1/jobs/{id}/cutout

  private void cutout(Context ctx) {
    JobStatus s = lookup(ctx.pathParam("id"));
    switch (s.state()) {
      case QUEUED -> throw new ApiError(404, "not_done", "job " + s.jobId() + " is queued: no cutout yet",
          Map.of("status", "queued"));
      case FAILED -> throw new ApiError(404, "job_failed", "job " + s.jobId() + " failed ("
          + s.result().failure().code() + "): " + s.result().failure().message(),
          Map.of("status", "failed", "failure_code", s.result().failure().code().code()));
      case DONE -> png(ctx, s.result());
    }
  }

  // ---------------------------------------------------------------- POST /api/remove (rembg)

  private void remove(Context ctx) {
    List<Upload> uploads = uploads(ctx, "file");
    if (uploads.size() != 1) {
      throw ApiError.badRequest("invalid_parameter", "send exactly one image in the form field 'file'");
    }
    CutoutParams params = CutoutParams.parse(param(ctx));
    String jobId = JobSubmitter.newJobId();
    CompletableFuture<JobResult> result = waiters.await(jobId);
    try {
      awaitPublished(List.of(submit(jobId, uploads.get(0), params)));
    } catch (RuntimeException e) {
      waiters.forget(jobId);
      throw e;
    }
    ctx.header("X-Cutflow-Job-Id", jobId);
    ignoredHeader(ctx, params);
    long timeoutMs = settings.removeTimeout().toMillis();
    ctx.future(() -> result.orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .handleAsync((r, e) -> {
          try {
            if (e != null) {
              waiters.forget(jobId);
              metrics.removeTimeout();
              throw new ApiError(504, "timeout", "no result for job " + jobId + " within " + timeoutMs
                  + " ms; the job continues: GET /v1/jobs/" + jobId, Map.of("job_id", jobId));
            }
            if (!r.isOk()) {
              throw failed(r);
            }
            png(ctx, r);
          } catch (ApiError err) {
            error(ctx, err);
          } catch (RuntimeException err) {
            log.error("answering /api/remove for job {} failed", jobId, err);
            error(ctx, new ApiError(500, "internal_error", err.toString()));
          }
          return null;
        }, responder));
  }

  /** A failed job as an HTTP error: bad input 422, too large 413, anything else 502. */
  static ApiError failed(JobResult r) {
    FailureCode code = r.failure().code();
    int status = switch (code) {
      case NOT_AN_IMAGE, IMAGE_EMPTY, IMAGE_TRUNCATED, IMAGE_CORRUPT, UNSUPPORTED_FORMAT, MODEL_UNAVAILABLE -> 422;
      case IMAGE_TOO_LARGE -> 413;
      default -> 502;
    };
    return new ApiError(status, code.code(), r.failure().message(), Map.of("job_id", r.jobId()));
  }

  // ---------------------------------------------------------------- helpers

  /** An accepted upload: bytes sniffed to be a decodable image. */
  record Upload(String fileName, byte[] bytes, ContentKind kind) {}

  /** The multipart files of the request (all fields, or only {@code field}), size-checked and sniffed. */
  private List<Upload> uploads(Context ctx, String field) {
    long declared = ctx.contentLength();
    if (declared > settings.maxUploadBytes()) {
      throw tooLarge(declared);
    }
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase().startsWith("multipart/form-data")) {
      throw ApiError.badRequest("multipart_required",
          "send images as multipart/form-data file parts (e.g. curl -F file=@photo.jpg), got content type "
              + (type == null ? "none" : "'" + type + "'"));
    }
    List<UploadedFile> files;
    try {
      files = field == null ? ctx.uploadedFiles() : ctx.uploadedFiles(field);
    } catch (RuntimeException e) {
      if (exceedsLimit(e)) {
        throw tooLarge(-1);
      }
      throw ApiError.badRequest("malformed_multipart", "cannot read the multipart body: " + e.getMessage());
    }
    if (files.isEmpty()) {
      throw ApiError.badRequest("missing_file", field == null
          ? "no image in the request: send one or more file parts (e.g. -F file=@photo.jpg)"
          : "no image in the form field '" + field + "' (e.g. -F " + field + "=@photo.jpg)");
    }
    List<Upload> out = new ArrayList<>();
    long total = 0;
    for (UploadedFile file : files) {
      byte[] bytes;
      try (InputStream in = file.content()) {
        bytes = in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      total += bytes.length;
      if (total > settings.maxUploadBytes()) {
        throw tooLarge(total);
      }
      String name = file.filename() == null || file.filename().isBlank() ? "image" : file.filename();
      if (bytes.length == 0) {
        throw ApiError.badRequest("empty_file", name + ": the file is empty");
      }
      ContentKind kind = ContentSniffer.sniff(bytes);
      if (!kind.isDecodable()) {
        throw new ApiError(415, "unsupported_media_type", name + ": detected " + kind.mimeType()
            + (kind.isImage() ? ", an image format Cutflow cannot decode" : ", not an image")
            + " (supported: JPEG, PNG, GIF, WebP, BMP, TIFF)", Map.of("detected", kind.mimeType()));
      }
      out.add(new Upload(name, bytes, kind));
    }
    return out;
  }

  private static boolean exceedsLimit(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("exceeds max") || m.contains("exceeds maxRequestSize")
          || m.contains("max filesize") || m.contains("too large"))) {
        return true;
      }
    }
    return false;
  }

  private ApiError tooLarge(long bytes) {
    return new ApiError(413, "payload_too_large", (bytes > 0 ? "upload of " + bytes + " bytes" : "upload")
        + " exceeds the limit of " + settings.maxUploadBytes() + " bytes (cutflow.ingest.max-upload-bytes)");
  }

  private CompletableFuture<JobRequest> submit(String jobId, Upload upload, CutoutParams params) {
    metrics.upload(upload.bytes().length);
    long t0 = System.nanoTime();
    if (inFlight.size() > 100_000) {
      inFlight.clear(); // results that never came: keep the map bounded
    }
    return submitter.submit(jobId, upload.fileName(), upload.bytes(), upload.kind().mimeType(), params.options(),
        Map.of("submitted_via", "http", "file_name", upload.fileName())).thenApply(request -> {
          inFlight.put(jobId, new Submitted(request, t0));
          return request;
        });
  }

  /** Called by the status topology for every result: feeds the time-to-result metric. */
  void onResult(JobResult result) {
    Submitted submitted = inFlight.remove(result.jobId());
    if (submitted != null) {
      metrics.timeToResult((System.nanoTime() - submitted.nanos()) / 1_000_000);
    }
  }

  private static void awaitPublished(List<CompletableFuture<JobRequest>> published) {
    try {
      CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))
          .get(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new ApiError(503, "unavailable", "could not queue the job: " + cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "unavailable", "interrupted while queueing the job");
    }
  }

  private JobStatus lookup(String jobId) {
    Optional<JobStatus> s = status.get(jobId);
    if (s.isEmpty()) {
      // submitted here a moment ago, not yet read back from the jobs topic by the status topology
      Submitted submitted = inFlight.get(jobId);
      if (submitted != null) {
        return JobStatus.queued(submitted.request());
      }
    }
    return s.orElseThrow(() -> new ApiError(404, "unknown_job", "no job with id '" + jobId + "'"));
  }

  private void png(Context ctx, JobResult result) {
    JobResult.StoredObject out = result.output();
    byte[] bytes;
    try {
      bytes = store.get(out.bucket(), out.key(), MAX_CUTOUT_BYTES);
    } catch (ObjectMissingException e) {
      throw new ApiError(404, "cutout_missing", "job " + result.jobId() + " is done but its cutout "
          + out.bucket() + "/" + out.key() + " is gone");
    }
    ctx.header("X-Cutflow-Job-Id", result.jobId());
    ctx.header("Content-Disposition", "inline; filename=\"" + result.jobId() + ".png\"");
    ctx.contentType("image/png").result(bytes);
  }

  private static java.util.function.Function<String, String> param(Context ctx) {
    return name -> {
      String v = ctx.formParam(name);
      return v != null ? v : ctx.queryParam(name);
    };
  }

  private static void ignoredHeader(Context ctx, CutoutParams params) {
    if (!params.ignored().isEmpty()) {
      ctx.header("X-Cutflow-Ignored", String.join(",", params.ignored())
          + "; alpha matting is not implemented: these parameters are accepted and ignored");
    }
  }

  private static String baseUrl(Context ctx) {
    String host = ctx.host();
    return ctx.scheme() + "://" + (host == null || host.isBlank() ? "localhost:" + ctx.port() : host);
  }

  /** {@code GET /v1/jobs/{id}} body. */
  static final class JobView {
    private JobView() {}

    static Map<String, Object> of(JobStatus s, String baseUrl) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("job_id", s.jobId());
      v.put("status", s.state().wire());
      JobRequest req = s.request();
      JobResult res = s.result();
      Instant submitted = req != null ? req.submittedAt() : res.submittedAt();
      if (submitted != null) {
        v.put("submitted_at", submitted.toString());
      }
      if (req != null) {
        v.put("source", req.source());
        v.put("options", req.options());
        if (!req.attributes().isEmpty()) {
          v.put("attributes", req.attributes());
        }
      } else if (res.source() != null) {
        v.put("source", res.source());
      }
      if (res != null) {
        if (res.output() != null) {
          Map<String, Object> output = new LinkedHashMap<>();
          output.put("bucket", res.output().bucket());
          output.put("key", res.output().key());
          output.put("size_bytes", res.output().sizeBytes());
          output.put("url", baseUrl + "/v1/jobs/" + s.jobId() + "/cutout");
          v.put("output", output);
        }
        if (res.image() != null) {
          v.put("image", res.image());
        }
        if (res.failure() != null) {
          v.put("failure", Map.of("code", res.failure().code().code(), "message", res.failure().message()));
        }
        putIfNotNull(v, "model", res.model());
        putIfNotNull(v, "worker_id", res.workerId());
        putIfNotNull(v, "attempt", res.attempt());
        v.put("timings_ms", res.timingsMs());
        putIfNotNull(v, "started_at", res.startedAt() == null ? null : res.startedAt().toString());
        putIfNotNull(v, "finished_at", res.finishedAt() == null ? null : res.finishedAt().toString());
      }
      return v;
    }

    private static void putIfNotNull(Map<String, Object> v, String key, Object value) {
      if (value != null) {
        v.put(key, value);
      }
    }
  }
}
