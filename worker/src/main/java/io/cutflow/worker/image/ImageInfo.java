package io.cutflow.worker.image;

/**
 * What {@link ImageDecoder#probe} learns from an image's header without decoding pixels.
 *
 * @param format detected container format ("jpeg", "png", "webp", "gif", "bmp", "tiff"), from
 *     content
 * @param width pixels per row as {@link ImageDecoder#decode} will return them (EXIF orientation
 *     applied)
 * @param height rows as {@link ImageDecoder#decode} will return them (EXIF orientation applied)
 */
public record ImageInfo(String format, int width, int height) {
  public long pixels() {
    return (long) width * height;
  }
}
