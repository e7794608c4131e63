package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;

/**
 * What an image's header says before any pixel is decoded: enough to know what decoding it costs.
 *
 * @param kind the container format, from content
 * @param width pixels per row as stored (before EXIF orientation)
 * @param height rows as stored
 * @param orientation EXIF orientation, 1–8
 * @param rasterBytesPerPixel heap bytes per pixel of the raster(s) the codec decodes into: the
 *     destination type's, plus the raw type's when the codec converts (CMYK JPEG), plus what the
 *     codec itself keeps meanwhile ({@link CodecMemory}: lossy WebP); 0 when the codec decodes
 *     straight into the RGBA array (8-bit RGB and RGBA PNG, {@code RgbaDestination})
 * @param encodedBytes size of the encoded input, held while it is decoded
 */
public record ImageHeader(
    ContentKind kind,
    int width,
    int height,
    int orientation,
    int rasterBytesPerPixel,
    long encodedBytes) {

  public long pixels() {
    return (long) width * height;
  }

  /** Width after orientation, as {@link ImageDecoder#decode} returns the image. */
  public int orientedWidth() {
    return Orientation.swapsDimensions(orientation) ? height : width;
  }

  /** Height after orientation. */
  public int orientedHeight() {
    return Orientation.swapsDimensions(orientation) ? width : height;
  }

  /**
   * Heap that {@link ImageDecoder} holds at its peak for this image. With N pixels: the encoded
   * input, plus either the codec's raster (R·N, 0 when decoded in place) and the RGBA copy made
   * from it (4N), or, when the orientation moves pixels, the RGBA copy and its re-oriented copy
   * (8N; the raster is free by then). Metadata adds nothing: only the orientation tag is read, in
   * place.
   */
  public long decodeBytes() {
    long n = pixels();
    long convert = n * rasterBytesPerPixel + 4 * n;
    long reorient = orientation >= 2 && orientation <= 8 ? 8 * n : 0;
    return encodedBytes + Math.max(convert, reorient);
  }
}
