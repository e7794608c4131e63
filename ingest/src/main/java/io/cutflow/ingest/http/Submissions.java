package io.cutflow.ingest.http;

import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectStoreException;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.status.JobStatus;
import io.cutflow.ingest.status.StatusLookup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Jobs this instance submits over HTTP: uploads and publishes them, remembers each until its result
 * arrives (so a job answers "queued" before the status topology has read it back from Kafka) and
 * times submission to result.
 *
 * <p>A lookup of a job the store does not have may wait up to a few seconds for it ({@link
 * StatusLookup#awaitMissingJob}), holding its HTTP thread. At most {@code
 * cutflow.ingest.max-waiting-lookups} wait at once; one more is answered 503 {@code overloaded} at
 * once, so that a burst of wrong or too-early job ids cannot take all of the server's threads
 * (Jetty's pool has 250) from the requests behind it.
 */
final class Submissions {
  private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);

  /** Retry-After of a lookup refused by the bound: a waiting lookup ends within seconds. */
  static final long LOOKUP_RETRY_AFTER_S = 2;

  private final JobSubmitter submitter;
  private final StatusLookup status;
  private final HttpMetrics metrics;
  private final DependencyBreaker storage;
  private final DependencyBreaker kafka;
  private final int maxWaitingLookups;
  private final Semaphore lookupSlots;
  private final ConcurrentMap<String, Submitted> inFlight = new ConcurrentHashMap<>();

  private record Submitted(JobRequest request, long nanos) {}

  Submissions(
      JobSubmitter submitter,
      StatusLookup status,
      HttpMetrics metrics,
      DependencyBreaker storage,
      DependencyBreaker kafka,
      int maxWaitingLookups) {
    this.submitter = submitter;
    this.status = status;
    this.metrics = metrics;
    this.storage = storage;
    this.kafka = kafka;
    this.maxWaitingLookups = maxWaitingLookups;
    this.lookupSlots = new Semaphore(maxWaitingLookups);
  }

  /** Stores the image and publishes its job; completes when Kafka has it. */
  private CompletableFuture<JobRequest> submit(
      String jobId, Uploads.Upload upload, CutoutParams params, String sourceUrl) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("submitted_via", "http");
    attributes.put("file_name", upload.fileName());
    if (sourceUrl != null) {
      attributes.put("source_url", sourceUrl);
    }
    metrics.upload(upload.bytes().length);
    long t0 = System.nanoTime();
    if (inFlight.size() > 100_000) {
      inFlight.clear(); // results that never came: keep the map bounded
    }
    return submitter
        .submit(
            jobId,
            upload.fileName(),
            upload.bytes(),
            upload.kind().mimeType(),
            params.options(),
            attributes)
        .thenApply(
            request -> {
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

  /**
   * Jobs this instance has queued (published) whose result it has not seen yet: the queue a client
   * of this instance waits behind. Counts only this instance's jobs since it started.
   */
  int outstanding() {
    return inFlight.size();
  }

  /**
   * One request's submissions, begun before its body is read: 503 at once while the object store or
   * Kafka is failing ({@link DependencyBreaker}); close it when the request is done.
   */
  Batch begin() {
    DependencyBreaker.Permit store = storage.admit();
    try {
      return new Batch(store, kafka.admit());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The images of one request, stored and queued; records how each dependency served them. */
  final class Batch implements AutoCloseable {
    private final DependencyBreaker.Permit store;
    private final DependencyBreaker.Permit queue;
    private final List<CompletableFuture<JobRequest>> published = new ArrayList<>();

    private Batch(DependencyBreaker.Permit store, DependencyBreaker.Permit queue) {
      this.store = store;
      this.queue = queue;
    }

    /**
     * Stores the image (an {@link ObjectStoreException} once the store's retries are spent) and
     * publishes its job; {@code sourceUrl} (null: uploaded) is recorded as {@code source_url}.
     */
    void submit(String jobId, Uploads.Upload upload, CutoutParams params, String sourceUrl) {
      try {
        published.add(Submissions.this.submit(jobId, upload, params, sourceUrl));
      } catch (ObjectStoreException e) {
        store.failed(e);
        throw e;
      }
    }

    /**
     * Waits until Kafka has every job of the batch.
     *
     * @throws ApiError 503 {@code unavailable} when it does not take them in time
     */
    void awaitPublished() {
      store.succeeded();
      Throwable cause;
      try {
        CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))
            .get(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        queue.succeeded();
        return;
      } catch (ExecutionException e) {
        cause = e.getCause();
      } catch (TimeoutException e) {
        cause = new TimeoutException("not queued within " + PUBLISH_TIMEOUT.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ApiError(
            503,
            "unavailable",
            "interrupted while queueing the job",
            Map.of(),
            Errors.DEPENDENCY_RETRY_AFTER_S);
      }
      queue.failed(cause);
      throw new ApiError(
          503,
          "unavailable",
          "could not queue the job: " + cause,
          Map.of("dependency", "kafka"),
          Errors.DEPENDENCY_RETRY_AFTER_S);
    }

    @Override
    public void close() {
      store.close();
      queue.close();
    }
  }

  /** The job as queued here, while this instance has not seen its result. */
  Optional<JobStatus> submittedHere(String jobId) {
    Submitted submitted = inFlight.get(jobId);
    return submitted == null
        ? Optional.empty()
        : Optional.of(JobStatus.queued(submitted.request()));
  }

  /**
   * A job's status; 404 when neither the status store nor this instance knows it once the store has
   * read what was on its inputs, 503 {@code rebalancing} while it may still be reading it, 503
   * {@code overloaded} when too many lookups wait for that already.
   */
  JobStatus lookup(String jobId) {
    // the store; else submitted here a moment ago, not yet read back from the jobs topic; else it
    // may be on its way (accepted a moment ago by another instance, or this instance took over the
    // job's partition a moment ago): wait until the store has read what was on its inputs now, then
    // look again; "unknown" only then
    Optional<JobStatus> known = known(jobId);
    if (known.isPresent()) {
      return known.get();
    }
    if (!lookupSlots.tryAcquire()) {
      throw new ApiError(
          503,
          "overloaded",
          maxWaitingLookups
              + " lookups of jobs not in the status store yet are already waiting here"
              + " (cutflow.ingest.max-waiting-lookups); job "
              + jobId
              + " was not looked for, retry after "
              + LOOKUP_RETRY_AFTER_S
              + " s",
          Map.of("job_id", jobId, "max_waiting", maxWaitingLookups),
          LOOKUP_RETRY_AFTER_S);
    }
    Optional<String> mayArrive;
    try {
      mayArrive = status.awaitMissingJob(jobId);
    } finally {
      lookupSlots.release();
    }
    if (mayArrive.isPresent()) {
      throw JobRouting.rebalancing(jobId, mayArrive.get());
    }
    return known(jobId)
        .orElseThrow(() -> new ApiError(404, "unknown_job", "no job with id '" + jobId + "'"));
  }

  private Optional<JobStatus> known(String jobId) {
    return status.get(jobId).or(() -> submittedHere(jobId));
  }
}
