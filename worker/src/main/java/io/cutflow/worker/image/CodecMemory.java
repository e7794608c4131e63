package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;

/**
 * Heap a codec keeps per pixel while it decodes, beyond the raster it decodes into, where that is
 * large enough to matter. TwelveMonkeys' lossy WebP (VP8) decoder keeps an object for every 16x16
 * macroblock, with its sub-blocks' coefficients, for the whole frame: a flat 7000x7000 lossy WebP
 * of 385 KB passed admission at 7 bytes a pixel and then ran a 1 GB worker out of memory on every
 * try. Measured: the least {@code -Xmx} that decodes a 12 and a 24 MP frame was 312 and 612 MiB, 26
 * bytes a pixel, 19 of them the decoder's own.
 */
final class CodecMemory {
  /** Lossy WebP's decoder state, bytes per pixel (19 measured, rounded up). */
  static final int LOSSY_WEBP = 20;

  private CodecMemory() {}

  /** Bytes per pixel the codec for {@code data} keeps besides its raster (0 for most). */
  static int extraBytesPerPixel(ContentKind kind, byte[] data) {
    return kind == ContentKind.WEBP && lossyWebp(data) ? LOSSY_WEBP : 0;
  }

  /**
   * True when the WebP holds a lossy ({@code VP8 }) frame: at the top level, or in its first
   * animation frame. Chunk headers only, bounded by the file.
   */
  static boolean lossyWebp(byte[] d) {
    RiffChunks chunks = RiffChunks.webp(d);
    while (chunks.next()) {
      // a chunk cut short still counts: the codec sizes its state by the frame header
      if (chunks.is(RiffChunks.VP8)) {
        return true;
      }
      if (chunks.is(RiffChunks.ANMF)) {
        RiffChunks frame = chunks.inside(16); // the frame's header, then its image's chunks
        while (frame.next()) {
          if (frame.is(RiffChunks.VP8)) {
            return true;
          }
        }
        return false;
      }
    }
    return false;
  }
}
