package io.cutflow.ingest.http;

import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.ingest.status.JobStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /v1/jobs/{id}} body. */
final class JobView {
  private JobView() {}

  static Map<String, Object> of(JobStatus s, Links links) {
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
        output.put("url", links.cutout(s.jobId()));
        v.put("output", output);
      }
      if (res.image() != null) {
        v.put("image", res.image());
      }
      if (res.failure() != null) {
        v.put(
            "failure",
            Map.of("code", res.failure().code().code(), "message", res.failure().message()));
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
