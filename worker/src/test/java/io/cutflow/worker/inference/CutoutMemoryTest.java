package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.image.ContentKind;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.image.ImageHeader;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.model.ModelManifest;
import io.cutflow.worker.model.ModelSpec;
import io.cutflow.worker.supervisor.SupervisorSettings;
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
          CutoutOptions.DEFAULTS.with(CutoutOptions.BGCOLOR, "255,255,255,255"));

  /**
   * Every image under the default pixel limit, in the worst case every term allows (16-bit RGBA
   * raster, rotated, a download of the full byte limit), with any options and any model, fits the
   * heap the supervisor gives workers by default: the limit and the heap are chosen together.
   */
  @Test
  void theDefaultPixelLimitFitsTheDefaultWorkerHeap() {
    CutflowConfig config = CutflowConfig.isolated(Map.of());
    long maxPixels = config.getLong(WorkerConfig.IMAGE_MAX_PIXELS);
    long maxBytes = config.getLong(WorkerConfig.IMAGE_MAX_BYTES);
    long heap = xmx(SupervisorSettings.DEFAULT_JVM_ARGS);
    // As WorkerProcess builds it: two fetch threads, each may hold a download not yet admitted.
    MemoryBudget budget = MemoryBudget.forHeap(heap, 2 * maxBytes);
    int side = (int) Math.sqrt(maxPixels);
    int[][] shapes = {
      {side, side},
      {(int) (maxPixels / 5773), 5773},
      {(int) (maxPixels / 1000), 1000},
      {1000, 50_000}
    };
    for (ModelSpec spec : ModelManifest.loadDefault().models()) {
      ModelProfile profile = RemoverFactory.profileOf(spec);
      for (int[] wh : shapes) {
        for (int orientation : new int[] {1, 6}) {
          ImageHeader worst =
              new ImageHeader(ContentKind.PNG, wh[0], wh[1], orientation, 8, maxBytes);
          assertTrue(worst.pixels() <= maxPixels);
          for (CutoutOptions o : OPTIONS) {
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
            2 * config.getLong(WorkerConfig.IMAGE_MAX_BYTES));
    assertTrue(need <= budget.capacity(), (need >> 20) + " MiB > " + (budget.capacity() >> 20));
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
