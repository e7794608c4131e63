package io.cutflow.worker.image;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.worker.WorkerConfig;

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

  /**
   * 200 MiB of encoded input: the command line's default, for a local file read whole. A worker's
   * default ({@code cutflow.image.max-bytes}) is lower: it keeps room in its heap for downloads.
   */
  public static final long DEFAULT_MAX_BYTES = 200L * 1024 * 1024;

  public static final ImageLimits DEFAULTS = new ImageLimits(DEFAULT_MAX_PIXELS, DEFAULT_MAX_BYTES);

  public ImageLimits {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("maxPixels must be positive: " + maxPixels);
    }
    if (maxBytes <= 0 || maxBytes > StorageConfig.MAX_ARRAY_BYTES) {
      throw new IllegalArgumentException(
          "maxBytes must be 1 to " + StorageConfig.MAX_ARRAY_BYTES + ": " + maxBytes);
    }
  }

  public static ImageLimits defaults() {
    return DEFAULTS;
  }

  /** A worker's: {@code cutflow.image.max-pixels} and {@code cutflow.image.max-bytes}. */
  public static ImageLimits forWorker(CutflowConfig config) {
    return new ImageLimits(
        config.getLong(WorkerConfig.IMAGE_MAX_PIXELS),
        config.getLong(StorageConfig.IMAGE_MAX_BYTES));
  }

  /**
   * The command line's ({@code remove}, {@code frames}): the same settings (from {@code
   * CUTFLOW_IMAGE_MAX_PIXELS} or {@code -Dcutflow.image.max-pixels}); {@code max-bytes} where set,
   * else {@link #DEFAULT_MAX_BYTES}.
   */
  public static ImageLimits forCommandLine(CutflowConfig config) {
    return new ImageLimits(
        config.getLong(WorkerConfig.IMAGE_MAX_PIXELS),
        config.sourceOf(StorageConfig.IMAGE_MAX_BYTES) == CutflowConfig.Source.DEFAULT
            ? DEFAULT_MAX_BYTES
            : config.getLong(StorageConfig.IMAGE_MAX_BYTES));
  }

  /**
   * Refuses an input of {@code bytes} (at least that many when {@code more}: a stream read up to
   * one byte past the limit) over {@link #maxBytes}, before it is decoded.
   */
  public void checkBytes(long bytes, boolean more, String name) throws InvalidImageException {
    if (bytes > maxBytes) {
      throw new InvalidImageException(
          InvalidImageException.Reason.TOO_LARGE,
          name,
          "input is "
              + (more ? "more than " + maxBytes : bytes)
              + " bytes, over the limit of "
              + maxBytes
              + " bytes; compress or resize it, or raise cutflow.image.max-bytes");
    }
  }
}
