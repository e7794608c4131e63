package io.cutflow.worker.image;

/**
 * Limits enforced by {@link ImageDecoder} before any pixel is decoded.
 *
 * @param maxPixels largest accepted {@code width * height} (from the header, checked before
 *     decoding); configured by {@code cutflow.image.max-pixels}
 * @param maxBytes largest accepted encoded size in bytes; configured by {@code
 *     cutflow.image.max-bytes}
 */
public record ImageLimits(long maxPixels, long maxBytes) {
  /**
   * 50 megapixels: what a worker's default 1 GiB heap fits at about 13 bytes a pixel (see {@code
   * CutoutMemory}, {@code cutflow.image.max-pixels}); a 48 MP phone photo passes, a decompression
   * bomb does not.
   */
  public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

  /** 200 MiB of encoded input. */
  public static final long DEFAULT_MAX_BYTES = 200L * 1024 * 1024;

  public static final ImageLimits DEFAULTS = new ImageLimits(DEFAULT_MAX_PIXELS, DEFAULT_MAX_BYTES);

  public ImageLimits {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("maxPixels must be positive: " + maxPixels);
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
  }

  public static ImageLimits defaults() {
    return DEFAULTS;
  }
}
