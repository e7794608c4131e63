package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.image.ContentKind;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final long MIB = 1L << 20;
  private static final ImageHeader PHOTO = new ImageHeader(ContentKind.JPEG, 4000, 3000, 1, 3, 0);

  @Test
  void capacityIsTheHeapLessTheWorkerLessDownloadsLessAnEighth() {
    MemoryBudget b = MemoryBudget.forHeap(1024 * MIB, 128 * MIB);
    assertEquals((1024 - 96 - 128 - 128) * MIB, b.capacity());
    assertEquals(1024 * MIB, b.heapBytes());
    assertEquals(0, MemoryBudget.forHeap(64 * MIB, 0).capacity(), "never negative");
  }

  @Test
  void anImageOverTheCapacityIsRefusedWithTheNumbersAndTheFix() {
    MemoryBudget b = MemoryBudget.forHeap(1024 * MIB, 128 * MIB);
    ImageHeader huge = new ImageHeader(ContentKind.PNG, 9990, 9990, 1, 1, 400_000);
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> b.admit("raw/huge.png", huge, 1297 * MIB));
    assertEquals(InvalidImageException.Reason.TOO_LARGE, e.reason());
    assertEquals(
        "raw/huge.png: a 9990x9990 image (99.8 MP) needs 1297 MiB (1360003072 bytes) of heap to"
            + " cut out, more than the 672 MiB (704643072 bytes) this process has for images (of"
            + " a 1024 MiB heap); send a smaller image, or give the process a larger heap (a"
            + " worker: --worker-heap; remove and frames: CUTFLOW_JAVA_OPTS=-Xmx2g), and set cutflow.image.max-pixels to what that heap fits so"
            + " larger images are refused from their header",
        e.getMessage());
    assertEquals(0, b.leased());
  }

  @Test
  void leasesAddUpAndReturnOnceEach() throws Exception {
    MemoryBudget b = MemoryBudget.forHeap(1024 * MIB, 0);
    MemoryBudget.Lease first = b.admit("a.jpg", PHOTO, 100 * MIB);
    MemoryBudget.Lease second = b.admit("b.jpg", PHOTO, 50 * MIB);
    assertEquals(150 * MIB, b.leased());
    first.close();
    first.close(); // a second close returns nothing more
    assertEquals(50 * MIB, b.leased());
    second.close();
    assertEquals(0, b.leased());
  }

  @Test
  void anImageThatFitsButNotNowWaitsForEarlierOnesInOrder() throws Exception {
    MemoryBudget b = MemoryBudget.forHeap(1024 * MIB, 0); // capacity 800 MiB
    MemoryBudget.Lease held = b.admit("held.jpg", PHOTO, 700 * MIB);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<MemoryBudget.Lease> big = pool.submit(() -> b.admit("big.png", PHOTO, 500 * MIB));
      awaitWaiting(b, 1);
      // Small enough to fit now, but it came after the big one: it waits behind it.
      Future<MemoryBudget.Lease> small = pool.submit(() -> b.admit("small.jpg", PHOTO, 10 * MIB));
      awaitWaiting(b, 2);
      assertFalse(big.isDone());
      assertFalse(small.isDone());
      assertEquals(700 * MIB, b.leased());
      held.close();
      MemoryBudget.Lease bigLease = big.get(30, TimeUnit.SECONDS);
      MemoryBudget.Lease smallLease = small.get(30, TimeUnit.SECONDS);
      assertEquals(510 * MIB, b.leased());
      bigLease.close();
      smallLease.close();
      assertEquals(0, b.leased());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aWaitEndsOnInterruptWithNothingLeased() throws Exception {
    MemoryBudget b = MemoryBudget.forHeap(1024 * MIB, 0);
    MemoryBudget.Lease held = b.admit("held.jpg", PHOTO, 700 * MIB);
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread waiter =
        new Thread(
            () -> {
              started.countDown();
              try {
                b.admit("waits.png", PHOTO, 500 * MIB);
                outcome.complete(null);
              } catch (Throwable t) {
                outcome.complete(t);
              }
            });
    waiter.start();
    started.await();
    awaitWaiting(b, 1);
    assertFalse(outcome.isDone());
    waiter.interrupt();
    assertTrue(outcome.get(30, TimeUnit.SECONDS) instanceof InterruptedException);
    assertEquals(700 * MIB, b.leased());
    held.close();
    // The interrupted waiter left the queue: the next image is not stuck behind it.
    try (MemoryBudget.Lease next = b.admit("next.jpg", PHOTO, 500 * MIB)) {
      assertEquals(500 * MIB, b.leased());
    }
  }

  @Test
  void underASharedLimitLargeImagesNeverOverlapAndStartFromACollectedHeap() throws Exception {
    AtomicInteger collections = new AtomicInteger();
    MemoryBudget b =
        MemoryBudget.forHeap(1024 * MIB, 0)
            .withSharedLimit(400 * MIB, collections::incrementAndGet);
    assertEquals(400 * MIB, b.sharedLimit());
    // Two 12 MP photos (about 160 MiB each) fit the limit together; no collection for them.
    MemoryBudget.Lease a = b.admit("a.jpg", PHOTO, 160 * MIB);
    MemoryBudget.Lease c = b.admit("c.jpg", PHOTO, 160 * MIB);
    assertEquals(0, collections.get());
    assertFalse(a.large() || c.large(), "within half the limit: not large");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      // 24 MP (312 MiB) fits the capacity beside them but not the shared limit: it waits, and the
      // small image after it waits in line.
      Future<MemoryBudget.Lease> big = pool.submit(() -> b.admit("big.png", PHOTO, 312 * MIB));
      awaitWaiting(b, 1);
      Future<MemoryBudget.Lease> small = pool.submit(() -> b.admit("small.jpg", PHOTO, 20 * MIB));
      awaitWaiting(b, 2);
      a.close();
      Thread.sleep(50);
      assertFalse(big.isDone(), "one image still in flight: 160 + 312 MiB is over the limit");
      c.close();
      MemoryBudget.Lease bigLease = big.get(30, TimeUnit.SECONDS);
      // Large (over half the limit) and admitted alone: the heap was collected before it.
      assertEquals(1, collections.get());
      assertTrue(bigLease.large());
      // 312 + 20 is within 400: the small one joins it.
      MemoryBudget.Lease smallLease = small.get(30, TimeUnit.SECONDS);
      assertFalse(smallLease.large());
      assertEquals(332 * MIB, b.leased());
      bigLease.close();
      smallLease.close();
      // An image needing more than the limit by itself is admitted alone, after a collection.
      try (MemoryBudget.Lease huge = b.admit("huge.png", PHOTO, 600 * MIB)) {
        assertEquals(2, collections.get());
        assertTrue(huge.large());
        Future<MemoryBudget.Lease> next = pool.submit(() -> b.admit("next.jpg", PHOTO, 10 * MIB));
        awaitWaiting(b, 1);
        assertFalse(next.isDone(), "nothing joins an image over the limit");
        huge.close();
        next.get(30, TimeUnit.SECONDS).close();
      }
      assertEquals(0, b.leased());
      assertEquals(2, collections.get(), "small images never collect");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSharedLimitOfZeroIsNoLimit() throws Exception {
    MemoryBudget b = MemoryBudget.forHeap(1024 * MIB, 0).withSharedLimit(0, () -> {});
    assertEquals(Long.MAX_VALUE, b.sharedLimit());
    try (MemoryBudget.Lease x = b.admit("x.png", PHOTO, 400 * MIB);
        MemoryBudget.Lease y = b.admit("y.png", PHOTO, 400 * MIB)) {
      assertEquals(800 * MIB, b.leased());
      assertFalse(x.large() || y.large(), "without a limit no image is large");
    }
    assertFalse(MemoryBudget.Lease.NONE.large());
    assertThrows(IllegalArgumentException.class, () -> b.withSharedLimit(-1, () -> {}));
  }

  private static void awaitWaiting(MemoryBudget b, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (b.waiting() != n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + n + " waiting lease(s)");
      }
      Thread.sleep(10);
    }
  }
}
