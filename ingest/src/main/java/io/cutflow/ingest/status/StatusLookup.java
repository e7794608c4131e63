package io.cutflow.ingest.status;

import java.util.Optional;

/**
 * What the HTTP API asks of the job-status store to answer a job's status: {@link JobStatusService}
 * in a server, a stand-in in the API's own tests.
 */
public interface StatusLookup {
  /**
   * The job's latest status, empty when the store does not have it.
   *
   * @throws JobStatusService.NotReadyException while the store is not queryable
   */
  Optional<JobStatus> get(String jobId);

  /**
   * Waits, on the caller's thread, while a job missing from the store may still arrive; empty once
   * a job still missing is unknown, else why it cannot be said yet.
   *
   * @throws JobStatusService.NotReadyException when the store stops being queryable meanwhile
   */
  Optional<String> awaitMissingJob(String jobId);
}
