package io.cutflow.ingest.status;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import java.util.Objects;

/**
 * What the ingest knows about one job: the latest of its request ("queued") and its results ("done"
 * / "failed"), as materialised by {@link JobStatusTopology}.
 *
 * @param request the job request when it has been seen on the jobs topic (null for a job whose
 *     request was never seen, e.g. published before the topic's retention)
 * @param result the latest result, null while queued
 */
public record JobStatus(String jobId, State state, JobRequest request, JobResult result) {

  public JobStatus {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(state, "state");
  }

  public enum State {
    QUEUED("queued"),
    DONE("done"),
    FAILED("failed");

    private final String wire;

    State(String wire) {
      this.wire = wire;
    }

    @JsonValue
    public String wire() {
      return wire;
    }

    @JsonCreator
    public static State fromWire(String s) {
      for (State v : values()) {
        if (v.wire.equals(s)) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown job state: " + s);
    }

    public boolean isTerminal() {
      return this != QUEUED;
    }
  }

  public static JobStatus queued(JobRequest request) {
    return new JobStatus(request.jobId(), State.QUEUED, request, null);
  }

  public static JobStatus finished(JobResult result) {
    return new JobStatus(result.jobId(), result.isOk() ? State.DONE : State.FAILED, null, result);
  }

  /**
   * The reducer of the status table. A result always wins over a request (records of the two topics
   * may be processed in either order, and a re-published request must not make a finished job look
   * queued again); among results the latest wins (a redelivered job may fail, then succeed). The
   * request, once seen, is kept.
   */
  public static JobStatus merge(JobStatus current, JobStatus next) {
    if (current == null) {
      return next;
    }
    JobRequest request = next.request != null ? next.request : current.request;
    if (next.state == State.QUEUED && current.state.isTerminal()) {
      return new JobStatus(current.jobId, current.state, request, current.result);
    }
    return new JobStatus(next.jobId, next.state, request, next.result);
  }
}
