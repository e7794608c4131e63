package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.ingest.status.JobStatus;
import io.cutflow.ingest.status.JobStatusService;
import io.cutflow.ingest.status.StatusLookup;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Submissions#lookup}'s bound on lookups waiting for a job missing from the store: one more
 * than {@code cutflow.ingest.max-waiting-lookups} is refused at once, and a slot is given back on
 * every way out of the wait.
 */
class SubmissionsLookupTest {

  /** A store that has no job and holds every wait until released. */
  private static final class HeldMisses implements StatusLookup {
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger waits = new AtomicInteger();
    volatile RuntimeException failWith;

    @Override
    public Optional<JobStatus> get(String jobId) {
      return Optional.empty();
    }

    @Override
    public Optional<String> awaitMissingJob(String jobId) {
      waits.incrementAndGet();
      if (failWith != null) {
        throw failWith;
      }
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Optional.empty();
    }
  }

  private static Submissions submissions(StatusLookup store, int maxWaiting) {
    // lookups never submit: no submitter needed
    return new Submissions(
        null,
        store,
        new HttpMetrics(new MetricRegistry()),
        DependencyBreaker.objectStore(),
        DependencyBreaker.kafka(),
        maxWaiting);
  }

  @Test
  void oneLookupMoreThanTheBoundIsRefusedAtOnceAndTheWaitingOnesAnswerAfterwards()
      throws Exception {
    HeldMisses store = new HeldMisses();
    Submissions s = submissions(store, 3);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<ApiError>> waiting = new ArrayList<>();
      for (String id : List.of("a", "b", "c")) {
        waiting.add(pool.submit(() -> assertThrows(ApiError.class, () -> s.lookup(id))));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (store.waits.get() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(3, store.waits.get(), "three lookups waiting");

      long t0 = System.nanoTime();
      ApiError refused = assertThrows(ApiError.class, () -> s.lookup("d"));
      long refusedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(503, refused.status());
      assertEquals("overloaded", refused.code());
      assertEquals(Submissions.LOOKUP_RETRY_AFTER_S, refused.retryAfterSeconds());
      assertTrue(refused.getMessage().contains("cutflow.ingest.max-waiting-lookups"));
      assertTrue(refused.getMessage().contains("job d"), refused.getMessage());
      assertEquals(3, store.waits.get(), "the refused lookup did not wait");
      assertTrue(refusedMs < 1_000, "refused at once, not after a wait: " + refusedMs + " ms");

      store.release.countDown();
      for (Future<ApiError> f : waiting) {
        ApiError e = f.get(10, TimeUnit.SECONDS);
        assertEquals(404, e.status());
        assertEquals("unknown_job", e.code());
      }
      // the slots are back
      assertEquals("unknown_job", assertThrows(ApiError.class, () -> s.lookup("e")).code());
      assertEquals(4, store.waits.get());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aWaitThatFailsGivesItsSlotBack() {
    HeldMisses store = new HeldMisses();
    store.release.countDown();
    store.failWith = new JobStatusService.NotReadyException("job status store is rebalancing");
    Submissions s = submissions(store, 1);
    for (int i = 0; i < 3; i++) {
      assertThrows(JobStatusService.NotReadyException.class, () -> s.lookup("x"));
    }
    store.failWith = null;
    assertEquals("unknown_job", assertThrows(ApiError.class, () -> s.lookup("x")).code());
    assertEquals(4, store.waits.get(), "every lookup got the one slot in turn");
  }
}
