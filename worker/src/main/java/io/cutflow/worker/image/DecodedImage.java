package io.cutflow.worker.image;

/**
 * A decoded image with EXIF orientation already applied, as 8-bit RGBA interleaved bytes.
 *
 * <p>One flat layout for every input format keeps the hot paths (resize, composition) free of
 * per-format branches; {@code hasAlpha} says whether the source carried transparency (otherwise
 * every alpha byte is 255).
 *
 * @param width pixels per row, after orientation
 * @param height rows, after orientation
 * @param rgba {@code width * height * 4} bytes, row-major, R G B A
 * @param hasAlpha whether the source had an alpha channel (or a transparent palette entry)
 * @param format the detected container format, e.g. "jpeg", "png" (from content, never the file
 *     name)
 */
public record DecodedImage(int width, int height, byte[] rgba, boolean hasAlpha, String format) {
  public DecodedImage {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image dimensions must be positive: " + width + "x" + height);
    }
    if (rgba.length != (long) width * height * 4) {
      throw new IllegalArgumentException(
          "rgba length " + rgba.length + " != " + width + "*" + height + "*4");
    }
  }

  public long pixels() {
    return (long) width * height;
  }
}
