package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.image.ContentKind;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.image.ImageHeader;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.model.ModelManifest;
import io.cutflow.worker.model.ModelSpec;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The heap a cutout leases, and that the declared defaults fit together. */
class CutoutMemoryTest {
  private static final CutoutOptions ONLY_MASK =
      CutoutOptions.DEFAULTS.with(CutoutOptions.ONLY_MASK, true);
  private static final CutoutOptions POST_PROCESS =
      CutoutOptions.DEFAULTS.with(CutoutOptions.POST_PROCESS_MASK, true);
  private static final List<CutoutOptions> OPTIONS =
      List.of(
          CutoutOptions.DEFAULTS,
          ONLY_MASK,
          POST_PROCESS,
          POST_PROCESS.with(CutoutOptions.ONLY_MASK, true),
          CutoutOptions.DEFAULTS.with(CutoutOptions.BGCOLOR, "255,255,255,255"),
          CutoutOptions.DEFAULTS.with(CutoutOptions.CLOTH_CATEGORY, "upper"),
          POST_PROCESS.with(CutoutOptions.CLOTH_CATEGORY, "full"));

  /**
   * Every image under the default pixel limit, in the worst case every term allows (16-bit RGBA
   * raster, rotated, a download of the full byte limit), with any options and any model, fits the
   * heap the supervisor gives workers by default: the limit and the heap are chosen together. A job
   * that makes k stacked cutouts (u2net_cloth_seg without a category) is documented to fit a k-th
   * of the limit (its catalogue entry says so), and does.
   */
  @Test
  void theDefaultPixelLimitFitsTheDefaultWorkerHeap() {
    CutflowConfig config = CutflowConfig.isolated(Map.of());
    long maxPixels = config.getLong(WorkerConfig.IMAGE_MAX_PIXELS);
    long maxBytes = config.getLong(StorageConfig.IMAGE_MAX_BYTES);
    long heap = xmx(SupervisorSettings.DEFAULT_JVM_ARGS);
    // As WorkerProcess builds it: two fetch threads, each may hold a download not yet admitted.
    MemoryBudget budget = MemoryBudget.forHeap(heap, 2 * maxBytes);
    int stacked = 0;
    for (ModelSpec spec : ModelManifest.loadDefault().models()) {
      ModelProfile profile = RemoverFactory.profileOf(spec);
      for (CutoutOptions o : OPTIONS) {
        int k = profile.cutouts(o);
        if (k > 1) {
          stacked++;
          assertTrue(
              spec.description().contains("a third of cutflow.image.max-pixels") && k == 3,
              spec.name() + " documents what a stacked job fits: " + spec.description());
        }
        long limit = maxPixels / k;
        int side = (int) Math.sqrt(limit);
        int[][] shapes = {
          {side, side},
          {(int) (limit / 5773), 5773},
          {(int) (limit / 1000), 1000},
          {1000, (int) (limit / 1000)}
        };
        for (int[] wh : shapes) {
          for (int orientation : new int[] {1, 6}) {
            ImageHeader worst =
                new ImageHeader(ContentKind.PNG, wh[0], wh[1], orientation, 8, maxBytes);
            assertTrue(worst.pixels() <= limit);
            long need = CutoutMemory.bytes(worst, o, profile);
            assertTrue(
                need <= budget.capacity(),
                String.format(
                    Locale.ROOT,
                    "%s %dx%d orientation %d %s needs %d MiB, over the %d MiB a %d MiB heap has",
                    spec.name(),
                    wh[0],
                    wh[1],
                    orientation,
                    o,
                    need >> 20,
                    budget.capacity() >> 20,
                    heap >> 20));
          }
        }
      }
    }
    assertTrue(stacked > 0, "u2net_cloth_seg's stacked jobs were checked");
  }

  /**
   * Stacked cloth cutouts hold three RGBA images and their PNG: a 50 MP job is refused from its
   * header with image_too_large (and the figures), while the same image with one category fits.
   */
  @Test
  void aStackedClothJobOverItsShareIsRefusedWhileOneCategoryFits() throws Exception {
    CutflowConfig config = CutflowConfig.isolated(Map.of());
    long maxBytes = config.getLong(StorageConfig.IMAGE_MAX_BYTES);
    MemoryBudget budget =
        MemoryBudget.forHeap(xmx(SupervisorSettings.DEFAULT_JVM_ARGS), 2 * maxBytes);
    ModelProfile cloth =
        RemoverFactory.profileOf(ModelManifest.loadDefault().find("u2net_cloth_seg").orElseThrow());
    ImageHeader big = new ImageHeader(ContentKind.JPEG, 8660, 5773, 1, 3, 20 << 20);
    long stacked = CutoutMemory.bytes(big, CutoutOptions.DEFAULTS, cloth);
    long upper =
        CutoutMemory.bytes(
            big, CutoutOptions.DEFAULTS.with(CutoutOptions.CLOTH_CATEGORY, "upper"), cloth);
    // about 40 bytes a pixel stacked (4 image, 12 stack, 24 PNG of the stack), 13 for one
    assertTrue(stacked >= 40 * big.pixels(), stacked / (double) big.pixels() + " B/px");
    assertTrue(upper <= 14 * big.pixels(), upper / (double) big.pixels() + " B/px");
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> budget.admit("big.jpg", big, stacked));
    assertEquals(InvalidImageException.Reason.TOO_LARGE, e.reason());
    assertTrue(e.getMessage().contains(stacked / (1 << 20) + " MiB"), e.getMessage());
    try (MemoryBudget.Lease lease = budget.admit("big.jpg", big, upper)) {
      assertEquals(upper, lease.bytes());
    }
    // a stack past Java's largest array can never be made, whatever the heap
    ImageHeader huge = new ImageHeader(ContentKind.JPEG, 20_000, 10_000, 1, 3, 20 << 20);
    assertEquals(Long.MAX_VALUE, CutoutMemory.bytes(huge, CutoutOptions.DEFAULTS, cloth));
  }

  /** The figure the key's documentation gives: about 13 bytes a pixel for a default cutout. */
  @Test
  void aDefaultCutoutNeedsAboutThirteenBytesAPixel() {
    ModelProfile isnet = ModelProfile.isnet("isnet");
    ImageHeader photo = new ImageHeader(ContentKind.JPEG, 4000, 3000, 1, 3, 4 << 20);
    long n = photo.pixels();
    long need = CutoutMemory.bytes(photo, CutoutOptions.DEFAULTS, isnet);
    assertTrue(need >= 13 * n && need <= 13 * n + (32 << 20), need / (double) n + " B/px");
    long mask = CutoutMemory.bytes(photo, ONLY_MASK, isnet);
    assertTrue(mask < need, "only-mask writes a grey PNG: " + mask + " vs " + need);
    ImageHeader rgba16 = new ImageHeader(ContentKind.PNG, 4000, 3000, 1, 8, 60 << 20);
    assertTrue(
        CutoutMemory.bytes(rgba16, CutoutOptions.DEFAULTS, isnet) >= rgba16.decodeBytes(),
        "the decode's own peak is counted");
  }

  /**
   * Alpha matting's buffers are leased (about 25 bytes a pixel in all), and a 24-megapixel photo
   * with {@code -a} still fits the default worker heap.
   */
  @Test
  void alphaMattingIsLeasedAndTwentyFourMegapixelsFitTheDefaultHeap() {
    ModelProfile isnet = ModelProfile.isnet("isnet");
    ImageHeader photo = new ImageHeader(ContentKind.JPEG, 6000, 4000, 1, 3, 8 << 20);
    long n = photo.pixels();
    CutoutOptions matting = CutoutOptions.DEFAULTS.with(CutoutOptions.ALPHA_MATTING, true);
    long plain = CutoutMemory.bytes(photo, CutoutOptions.DEFAULTS, isnet);
    long need = CutoutMemory.bytes(photo, matting, isnet);
    assertTrue(need >= plain + 10 * n, need / (double) n + " B/px vs " + plain / (double) n);
    assertTrue(need <= 26 * n + (32 << 20), need / (double) n + " B/px");
    assertTrue(
        CutoutMemory.bytes(photo, matting.with(CutoutOptions.ONLY_MASK, true), isnet) < need,
        "only-mask skips matting");
    CutflowConfig config = CutflowConfig.isolated(Map.of());
    MemoryBudget budget =
        MemoryBudget.forHeap(
            xmx(SupervisorSettings.DEFAULT_JVM_ARGS),
            2 * config.getLong(StorageConfig.IMAGE_MAX_BYTES));
    assertTrue(need <= budget.capacity(), (need >> 20) + " MiB > " + (budget.capacity() >> 20));
  }

  /**
   * What cutflow.worker.image-overlap-mb's default says: photos up to about 5.7 MP overlap (two of
   * 5.6 MP are admitted together, neither large), a 6 MP photo is large (it runs alone, and the
   * arena is emptied for it), and so is a 24 MP one.
   */
  @Test
  void theDefaultOverlapLetsPhotosUpToAboutFivePointSevenMegapixelsOverlap() throws Exception {
    ModelProfile isnet = ModelProfile.isnet("isnet");
    CutflowConfig config = CutflowConfig.isolated(Map.of());
    MemoryBudget budget =
        MemoryBudget.forHeap(xmx(SupervisorSettings.DEFAULT_JVM_ARGS), 0)
            .withSharedLimit((long) config.getInt(WorkerConfig.IMAGE_OVERLAP_MB) << 20, () -> {});
    ImageHeader under = new ImageHeader(ContentKind.JPEG, 2900, 1933, 1, 3, 1 << 20);
    long underBytes = CutoutMemory.bytes(under, CutoutOptions.DEFAULTS, isnet);
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          try (MemoryBudget.Lease a = budget.admit("a.jpg", under, underBytes);
              MemoryBudget.Lease b = budget.admit("b.jpg", under, underBytes)) {
            assertFalse(a.large() || b.large(), "5.6 MP: " + (underBytes >> 20) + " MiB");
          }
        },
        "a second 5.6 MP photo waited for the first");
    for (int[] size : new int[][] {{3000, 2000}, {6000, 4000}}) {
      ImageHeader over = new ImageHeader(ContentKind.JPEG, size[0], size[1], 1, 3, 1 << 20);
      try (MemoryBudget.Lease lease =
          budget.admit("c.jpg", over, CutoutMemory.bytes(over, CutoutOptions.DEFAULTS, isnet))) {
        assertTrue(lease.large(), size[0] + "x" + size[1] + " is not large");
      }
    }
  }

  /** {@code -Xmx1g} and the like, in bytes. */
  static long xmx(List<String> jvmArgs) {
    for (String a : jvmArgs) {
      if (a.startsWith("-Xmx")) {
        String v = a.substring(4).toLowerCase(Locale.ROOT);
        long unit =
            switch (v.charAt(v.length() - 1)) {
              case 'g' -> 1L << 30;
              case 'm' -> 1L << 20;
              case 'k' -> 1L << 10;
              default -> 1;
            };
        String digits =
            Character.isDigit(v.charAt(v.length() - 1)) ? v : v.substring(0, v.length() - 1);
        return Long.parseLong(digits) * unit;
      }
    }
    throw new AssertionError("no -Xmx in " + jvmArgs);
  }
}
