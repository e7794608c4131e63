package io.cutflow.ingest.http;

import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectMissingException;
import io.cutflow.common.store.ObjectStore;
import io.javalin.http.Context;
import java.io.InputStream;
import java.util.function.Function;

/** What the endpoints share: reading parameters, the cutout PNG body, error bodies. */
final class Responses {
  private final ObjectStore store;

  Responses(ObjectStore store) {
    this.store = store;
  }

  /**
   * Answers with the job's cutout, streamed from object storage: a cutout can be tens of MB (a 24
   * MP image's), and clients fetching many at once must not hold them all in the heap.
   */
  void png(Context ctx, JobResult result) {
    JobResult.StoredObject out = result.output();
    InputStream body;
    try {
      body = store.open(out.bucket(), out.key());
    } catch (ObjectMissingException e) {
      throw new ApiError(
          404,
          "cutout_missing",
          "job "
              + result.jobId()
              + " is done but its cutout "
              + out.bucket()
              + "/"
              + out.key()
              + " is gone");
    }
    ctx.header("X-Cutflow-Job-Id", result.jobId());
    ctx.header("Content-Disposition", "inline; filename=\"" + result.jobId() + ".png\"");
    ctx.contentType("image/png").result(body); // Javalin copies it out and closes it
  }

  static void error(Context ctx, ApiError e) {
    if (e.retryAfterSeconds() > 0) {
      ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
    }
    ctx.status(e.status()).json(e.body());
  }

  /** A parameter from a form field, else the query string (rembg's server takes both). */
  static Function<String, String> param(Context ctx) {
    return name -> {
      String v = ctx.formParam(name);
      return v != null ? v : ctx.queryParam(name);
    };
  }

  static void ignoredHeader(Context ctx, CutoutParams params) {
    if (!params.ignored().isEmpty()) {
      ctx.header(
          "X-Cutflow-Ignored",
          String.join(",", params.ignored()) + "; rembg's per-model extras: accepted and ignored");
    }
  }
}
