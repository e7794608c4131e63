package io.cutflow.ingest.status;

import io.cutflow.common.job.JobResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * Requests waiting for a job's result, woken up by the status topology as results stream past
 * ({@link #accept(JobResult)}). Register before publishing the job so the result cannot slip by.
 */
public final class ResultWaiters implements Consumer<JobResult> {
  private final ConcurrentMap<String, CompletableFuture<JobResult>> pending =
      new ConcurrentHashMap<>();

  /** A future completed with the job's next result. Call {@link #forget(String)} when giving up. */
  public CompletableFuture<JobResult> await(String jobId) {
    return pending.computeIfAbsent(jobId, id -> new CompletableFuture<>());
  }

  public void forget(String jobId) {
    pending.remove(jobId);
  }

  @Override
  public void accept(JobResult result) {
    CompletableFuture<JobResult> waiter = pending.remove(result.jobId());
    if (waiter != null) {
      waiter.complete(result);
    }
  }

  /** How many requests are waiting. */
  public int size() {
    return pending.size();
  }
}
