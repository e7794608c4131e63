package io.cutflow.ingest.webui;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import java.time.Instant;
import java.util.Map;

/** Results as a worker publishes them, for the web UI's tests. */
final class Results {
  private Results() {}

  static JobRequest request(String jobId, String fileName) {
    return new JobRequest(
        JobRequest.SCHEMA,
        jobId,
        new JobRequest.Source("cutflow-raw", jobId + "/" + fileName, "etag", 10L),
        null,
        CutoutOptions.DEFAULTS,
        Instant.now(),
        Map.of());
  }

  static JobResult ok(String jobId, String fileName, int width, int height) {
    return JobResult.ok(
        request(jobId, fileName),
        new JobResult.StoredObject("cutflow-cutouts", jobId + ".png", 100),
        new JobResult.Image(width, height),
        "isnet-general-use-fp16",
        "w1",
        1,
        JobResult.Timings.NONE,
        Instant.now(),
        Instant.now());
  }

  static JobResult failed(String jobId, String message) {
    return JobResult.failed(
        request(jobId, "x.jpg"),
        FailureCode.IMAGE_CORRUPT,
        message,
        null,
        "isnet-general-use-fp16",
        "w1",
        1,
        JobResult.Timings.NONE,
        Instant.now(),
        Instant.now());
  }
}
