package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.Bombs;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageHeader;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.image.PngWriter;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.nio.FloatBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Admission by memory on the path the worker's fetch stage takes ({@link
 * BackgroundRemover#prepare}), with the budget a worker on the supervisor's default heap (1 GiB)
 * computes: an image that cannot fit is refused from its header, before a pixel is decoded.
 */
class MemoryAdmissionTest {
  private static final long MAX_BYTES = 64L << 20;

  /** The budget of a worker on the supervisor's default heap, with its two fetch threads. */
  private static MemoryBudget workerBudget() {
    return MemoryBudget.forHeap(
        CutoutMemoryTest.xmx(SupervisorSettings.DEFAULT_JVM_ARGS), 2 * MAX_BYTES);
  }

  private static BackgroundRemover remover(ImageLimits limits, MemoryBudget budget)
      throws Exception {
    return new BackgroundRemover(
        SharedRemover.get().session(), new ImageDecoder(limits), new PngWriter(), budget);
  }

  @Test
  void aHundredMegapixelPngIsRefusedBeforeDecodingWithTheNumbers() throws Exception {
    byte[] png = Bombs.greyPng(9990, 9990);
    assertTrue(png.length < 1 << 20, "a small file: " + png.length);
    MemoryBudget budget = workerBudget();
    assertEquals(1L << 30, budget.heapBytes());
    // The old default pixel limit: the image passes it, only the memory budget refuses it.
    BackgroundRemover remover = remover(new ImageLimits(100_000_000, MAX_BYTES), budget);

    Bombs.Measured<InvalidImageException> refused =
        Bombs.allocation(
            () ->
                assertThrows(
                    InvalidImageException.class,
                    () -> remover.prepare(png, "raw/huge.png", CutoutOptions.DEFAULTS, null)));
    InvalidImageException e = refused.result();
    assertEquals(InvalidImageException.Reason.TOO_LARGE, e.reason());
    assertEquals("image_too_large", e.reason().code());
    ImageHeader header =
        new ImageDecoder(new ImageLimits(100_000_000, MAX_BYTES)).open(png, "h").header();
    long need = CutoutMemory.bytes(header, CutoutOptions.DEFAULTS, remover.profile());
    assertTrue(need > budget.capacity());
    String m = e.getMessage();
    for (String part :
        new String[] {
          "raw/huge.png: a 9990x9990 image (99.8 MP)",
          "needs " + (need >> 20) + " MiB (" + need + " bytes)",
          "the " + (budget.capacity() >> 20) + " MiB (" + budget.capacity() + " bytes)",
          "of a 1024 MiB heap",
          "send a smaller image",
          "--worker-heap",
          "cutflow.image.max-pixels"
        }) {
      assertTrue(m.contains(part), "'" + part + "' in: " + m);
    }
    // Refused from the header: the 400 MB of pixels (grey raster and its RGBA copy) never exist.
    assertTrue(
        refused.allocatedBytes() < 64L << 20,
        "allocated " + (refused.allocatedBytes() >> 20) + " MiB");
    assertEquals(0, budget.leased());

    // With the default limit (50 MP), the pixel limit refuses it first.
    InvalidImageException byLimit =
        assertThrows(
            InvalidImageException.class,
            () ->
                remover(ImageLimits.DEFAULTS, workerBudget())
                    .prepare(png, "raw/huge.png", CutoutOptions.DEFAULTS, null));
    assertEquals(InvalidImageException.Reason.TOO_LARGE, byLimit.reason());
    assertTrue(byLimit.getMessage().contains("over the limit of 50000000 pixels"));
  }

  /** A 12 MP photo's size (4000x3000), as phones take them. */
  @Test
  void aPhotoIsAdmittedAndItsLeaseReturnsWhenTheCutoutIsDone() throws Exception {
    byte[] photo = SyntheticImages.encode(SyntheticImages.disc(4000, 3000), "jpeg");
    MemoryBudget budget = workerBudget();
    BackgroundRemover remover = remover(ImageLimits.DEFAULTS, budget);
    ImageHeader header = new ImageDecoder().open(photo, "h").header();

    BackgroundRemover.Prepared p =
        remover.prepare(photo, "photo.jpg", CutoutOptions.DEFAULTS, null);
    long need = CutoutMemory.bytes(header, CutoutOptions.DEFAULTS, remover.profile());
    assertEquals(need, p.memory().bytes());
    assertEquals(need, budget.leased(), "held while the job is in the pipeline");
    BackgroundRemover.Cutout cutout = remover.finish(remover.infer(p));
    assertEquals(4000, cutout.width());
    assertEquals(need, budget.leased(), "the PNG is still held until it is uploaded");
    p.memory().close();
    assertEquals(0, budget.leased());

    assertEquals(4000, remover.remove(photo, "photo.jpg", CutoutOptions.DEFAULTS).width());
    assertEquals(0, budget.leased(), "remove() returns its lease");
  }

  @Test
  void theZtxtBombIsPreparedLikeAnyTinyImage() throws Exception {
    byte[] bomb = Bombs.ztxtPng(3);
    MemoryBudget budget = workerBudget();
    BackgroundRemover remover = remover(ImageLimits.DEFAULTS, budget);
    Bombs.Measured<BackgroundRemover.Prepared> prepared =
        Bombs.allocation(() -> remover.prepare(bomb, "bomb.png", CutoutOptions.DEFAULTS, null));
    assertEquals(64, prepared.result().image().width());
    assertEquals(48, prepared.result().image().height());
    assertTrue(
        prepared.allocatedBytes() < 64L << 20,
        "allocated " + (prepared.allocatedBytes() >> 20) + " MiB");
    prepared.result().memory().close();
    assertEquals(0, budget.leased());
  }

  @Test
  void anImageWaitingForHeapHoldsNoInputBufferAndARefusedOneTakesNone() throws Exception {
    byte[] photo = SyntheticImages.encode(SyntheticImages.disc(400, 300), "png");
    MemoryBudget budget = MemoryBudget.forHeap(1L << 30, 0);
    BackgroundRemover remover = remover(ImageLimits.DEFAULTS, budget);
    AtomicInteger taken = new AtomicInteger();
    AtomicInteger released = new AtomicInteger();
    InferenceSession session = SharedRemover.get().session();
    BackgroundRemover.InputPool pool =
        new BackgroundRemover.InputPool() {
          @Override
          public FloatBuffer take() {
            taken.incrementAndGet();
            return session.newInputBuffer();
          }

          @Override
          public void release(FloatBuffer buffer) {
            released.incrementAndGet();
          }
        };
    // the heap is all leased: the photo waits for admission, and meanwhile holds no buffer
    MemoryBudget.Lease all =
        budget.admit("held.png", new ImageDecoder().open(photo, "h").header(), budget.capacity());
    ExecutorService pool1 = Executors.newSingleThreadExecutor();
    try {
      Future<BackgroundRemover.Prepared> waiting =
          pool1.submit(() -> remover.prepare(photo, "photo.png", CutoutOptions.DEFAULTS, pool));
      Thread.sleep(200);
      assertFalse(waiting.isDone(), "the photo waits for heap");
      assertEquals(0, taken.get(), "no input buffer while it waits");
      all.close();
      BackgroundRemover.Prepared p = waiting.get(30, TimeUnit.SECONDS);
      assertEquals(1, taken.get(), "taken once admitted and decoded");
      p.memory().close();
    } finally {
      pool1.shutdownNow();
    }
    byte[] truncated = java.util.Arrays.copyOf(photo, photo.length / 2);
    assertThrows(
        InvalidImageException.class,
        () -> remover.prepare(truncated, "truncated.png", CutoutOptions.DEFAULTS, pool));
    assertEquals(1, taken.get(), "an image that does not decode takes no buffer");
    assertEquals(0, released.get());
    assertEquals(0, budget.leased());
  }
}
