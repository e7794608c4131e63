package io.cutflow.ingest.http;

import io.javalin.http.Context;
import java.util.Map;

/**
 * The job id in a path: the rule of the job-request schema ({@code job_id}: 1..512 characters, no
 * control characters, not starting with '/', no '..'), so an id the API refuses is one no producer
 * could have submitted, and a client sending garbage gets a 400 that says so instead of a lookup.
 */
final class JobIds {
  /** {@code maxLength} of {@code job_id} in {@code schemas/job-request.v1.schema.json}. */
  static final int MAX_LENGTH = 512;

  private JobIds() {}

  /** The {@code {id}} path parameter, checked. */
  static String of(Context ctx) {
    String id = ctx.pathParam("id");
    String problem = problem(id);
    if (problem != null) {
      String shown = id.length() > 40 ? id.substring(0, 40) + "..." : id;
      throw new ApiError(
          400,
          "invalid_job_id",
          "job id '"
              + shown.replaceAll("\\p{Cntrl}", "?")
              + "' "
              + problem
              + " (job ids are 1.."
              + MAX_LENGTH
              + " characters, no control characters, no '..', not starting with '/')",
          Map.of("length", id.length()));
    }
    return id;
  }

  static String problem(String id) {
    if (id.isEmpty()) {
      return "is empty";
    }
    if (id.length() > MAX_LENGTH) {
      return "is " + id.length() + " characters long";
    }
    if (id.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return "contains a control character";
    }
    if (id.startsWith("/") || id.contains("..")) {
      return "starts with '/' or contains '..'";
    }
    return null;
  }
}
