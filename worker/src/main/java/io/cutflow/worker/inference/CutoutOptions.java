package io.cutflow.worker.inference;

import java.util.Arrays;

/**
 * rembg's per-image options: {@code only_mask}, {@code post_process_mask} and {@code bgcolor}
 * (RGBA 0..255, or null). Alpha matting is not implemented yet.
 */
public record CutoutOptions(boolean onlyMask, boolean postProcessMask, int[] bgcolor) {
  public static final CutoutOptions DEFAULT = new CutoutOptions(false, false, null);

  public CutoutOptions {
    if (bgcolor != null) {
      if (bgcolor.length != 4) {
        throw new IllegalArgumentException("bgcolor needs 4 values (R,G,B,A), got " + bgcolor.length);
      }
      for (int v : bgcolor) {
        if (v < 0 || v > 255) {
          throw new IllegalArgumentException("bgcolor values must be 0..255, got " + Arrays.toString(bgcolor));
        }
      }
      bgcolor = bgcolor.clone();
    }
  }

  /** Parses "R,G,B,A" as rembg's CLI takes it. */
  public static int[] parseColor(String text) {
    return io.cutflow.common.job.RembgOptions.parseColor(text);
  }
}
