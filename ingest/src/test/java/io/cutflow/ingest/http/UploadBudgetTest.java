package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UploadBudgetTest {
  private static final long MIB = 1 << 20;

  @Test
  void requestsThatFitTogetherRunTogetherAndClosingGivesTheRoomBack() {
    UploadBudget budget = new UploadBudget(10 * MIB, Duration.ofMillis(50), 64);
    UploadBudget.Reservation a = budget.reserve(4 * MIB);
    UploadBudget.Reservation b = budget.reserve(6 * MIB);
    assertEquals(10 * MIB, budget.reservedBytes());
    a.close();
    a.close(); // once only: a second close gives nothing back twice
    assertEquals(6 * MIB, budget.reservedBytes());
    b.close();
    assertEquals(0, budget.reservedBytes());
    // sizes round up to whole KiB; an empty body still takes one
    try (UploadBudget.Reservation small = budget.reserve(1)) {
      assertEquals(1024, budget.reservedBytes());
    }
    try (UploadBudget.Reservation none = budget.reserve(0)) {
      assertEquals(1024, budget.reservedBytes());
    }
  }

  @Test
  void aRequestThatDoesNotFitWaitsForRoomThenGets503Overloaded() throws Exception {
    UploadBudget budget = new UploadBudget(10 * MIB, Duration.ofMillis(300), 64);
    UploadBudget.Reservation first = budget.reserve(8 * MIB);

    long t0 = System.nanoTime();
    ApiError refused = assertThrows(ApiError.class, () -> budget.reserve(4 * MIB));
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(waitedMs >= 250, "waited for room before refusing: " + waitedMs + " ms");
    assertEquals(503, refused.status());
    assertEquals("overloaded", refused.code());
    assertEquals(UploadBudget.RETRY_AFTER_S, refused.retryAfterSeconds());
    assertTrue(refused.getMessage().contains("cutflow.ingest.upload-memory-bytes"));
    assertEquals(10 * MIB, refused.body().get("upload_memory_bytes"));
    assertEquals(8 * MIB, budget.reservedBytes(), "a refused request holds nothing");

    // the one waiting gets in as soon as the room is given back
    UploadBudget slow = new UploadBudget(10 * MIB, Duration.ofSeconds(20), 64);
    UploadBudget.Reservation big = slow.reserve(8 * MIB);
    CompletableFuture<UploadBudget.Reservation> waiting =
        CompletableFuture.supplyAsync(() -> slow.reserve(4 * MIB));
    Thread.sleep(100);
    assertFalse(waiting.isDone(), "waits while the room is taken");
    big.close();
    waiting.get(5, TimeUnit.SECONDS).close();
    assertEquals(0, slow.reservedBytes());
    first.close();
  }

  @Test
  void aRequestLargerThanTheWholeBudgetTakesAllOfItAndRunsAlone() {
    UploadBudget budget = new UploadBudget(10 * MIB, Duration.ofMillis(50), 64);
    try (UploadBudget.Reservation huge = budget.reserve(30 * MIB)) {
      assertEquals(10 * MIB, budget.reservedBytes());
      assertThrows(ApiError.class, () -> budget.reserve(1));
    }
    assertEquals(0, budget.reservedBytes());
  }

  @Test
  void zeroMeansAQuarterOfTheHeap() {
    UploadBudget budget = new UploadBudget(0, Duration.ofMillis(50), 64);
    assertEquals(Runtime.getRuntime().maxMemory() / 4, budget.budgetBytes());
  }

  @Test
  void aSmallRequestDoesNotPassALargeOneWaitingBeforeIt() throws Exception {
    UploadBudget budget = new UploadBudget(10 * MIB, Duration.ofMillis(500), 64);
    UploadBudget.Reservation held = budget.reserve(8 * MIB);
    CompletableFuture<ApiError> large =
        CompletableFuture.supplyAsync(
            () -> assertThrows(ApiError.class, () -> budget.reserve(6 * MIB)));
    Thread.sleep(100); // the large one is waiting
    long t0 = System.nanoTime();
    // 2 MiB are free, but the large request came first: this one waits until that one gives up
    try (UploadBudget.Reservation small = budget.reserve(1 * MIB)) {
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(waitedMs >= 250, "waited behind the large request: " + waitedMs + " ms");
    }
    assertEquals("overloaded", large.get(5, TimeUnit.SECONDS).code());
    held.close();
  }

  @Test
  void oneMoreThanMaxWaitingIsRefusedAtOnce() throws Exception {
    UploadBudget budget = new UploadBudget(10 * MIB, Duration.ofSeconds(20), 2);
    UploadBudget.Reservation all = budget.reserve(10 * MIB);
    List<CompletableFuture<UploadBudget.Reservation>> waiting = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      waiting.add(CompletableFuture.supplyAsync(() -> budget.reserve(MIB)));
    }
    Thread.sleep(200); // both are waiting
    long t0 = System.nanoTime();
    ApiError refused = assertThrows(ApiError.class, () -> budget.reserve(MIB));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals("overloaded", refused.code());
    assertTrue(ms < 1_000, "refused without waiting: " + ms + " ms");
    all.close();
    for (CompletableFuture<UploadBudget.Reservation> w : waiting) {
      w.get(5, TimeUnit.SECONDS).close();
    }
    assertEquals(0, budget.reservedBytes());
  }
}
