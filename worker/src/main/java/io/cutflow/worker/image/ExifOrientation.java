package io.cutflow.worker.image;

import java.nio.charset.StandardCharsets;

/**
 * Finds the EXIF orientation tag with bounded reads only: the container is walked by its own
 * structure ({@link JpegSegments}, {@link PngChunks}, {@link RiffChunks}) to the one block that
 * holds EXIF, and in that block's TIFF structure only IFD0's entries are scanned ({@link TiffIfd})
 * for tag 0x0112.
 *
 * <p>Why not a general metadata library: it reads every block of every kind (a PNG zTXt chunk of
 * 1.5 MB inflates to 1.5 GiB) and allocates a chunk's declared length before reading it (2 GiB for
 * a chunk that claims it), and even a 64 KB EXIF block can ask it to keep thousands of byte arrays.
 * Orientation needs none of that: the memory used here is a few local variables whatever the input.
 */
final class ExifOrientation {
  /** Tag 0x0112 was not found (the caller then assumes 1). */
  static final int ABSENT = 0;

  private static final int TAG_ORIENTATION = 0x0112;
  private static final byte[] EXIF_PREAMBLE = "Exif\0\0".getBytes(StandardCharsets.US_ASCII);

  private ExifOrientation() {}

  /** In a JPEG: the first APP1 "Exif" segment before the image data that has the tag. */
  static int jpeg(byte[] d) {
    JpegSegments segments = new JpegSegments(d);
    while (segments.next() && segments.marker() != JpegSegments.SOS) {
      if (segments.marker() == JpegSegments.APP1
          && startsWith(d, segments.offset(), segments.length(), EXIF_PREAMBLE)) {
        int v =
            tiff(
                d,
                segments.offset() + EXIF_PREAMBLE.length,
                segments.length() - EXIF_PREAMBLE.length);
        if (v != ABSENT) {
          return v;
        }
      }
    }
    return ABSENT; // none before the first scan: no metadata after it counts
  }

  /** In a PNG: the first eXIf chunk (wherever it is; some writers put it after the image data). */
  static int png(byte[] d) {
    PngChunks chunks = new PngChunks(d);
    while (chunks.next()) {
      if (chunks.type() == PngChunks.EXIF) {
        return tiffAfterOptionalPreamble(d, chunks.offset(), chunks.length());
      }
    }
    return ABSENT;
  }

  /** In a WebP (RIFF): the EXIF chunk of an extended file. */
  static int webp(byte[] d) {
    RiffChunks chunks = RiffChunks.webp(d);
    while (chunks.next()) {
      if (!chunks.complete() || chunks.dataEnd() > RiffChunks.riffEnd(d)) {
        return ABSENT; // declared beyond the file: stop without reading it
      }
      if (chunks.is(RiffChunks.EXIF)) {
        return tiffAfterOptionalPreamble(d, chunks.offset(), (int) chunks.length());
      }
    }
    return ABSENT;
  }

  /** A TIFF file: its own IFD0. */
  static int tiffFile(byte[] d) {
    return tiff(d, 0, d.length);
  }

  private static int tiffAfterOptionalPreamble(byte[] d, int offset, int length) {
    if (startsWith(d, offset, length, EXIF_PREAMBLE)) {
      return tiff(d, offset + EXIF_PREAMBLE.length, length - EXIF_PREAMBLE.length);
    }
    return tiff(d, offset, length);
  }

  /**
   * Tag 0x0112 of IFD0 of the TIFF structure at {@code d[offset, offset + length)}: its value when
   * 1–8, 1 when present with another value (as PIL treats it), {@link #ABSENT} otherwise.
   */
  static int tiff(byte[] d, int offset, int length) {
    TiffIfd ifd = TiffIfd.first(d, offset, length);
    if (ifd == null || !ifd.has(TAG_ORIENTATION)) {
      return ABSENT;
    }
    long value = ifd.value(TAG_ORIENTATION, 0); // 0 when of a type other than a whole number
    return value >= 1 && value <= 8 ? (int) value : 1;
  }

  private static boolean startsWith(byte[] d, int offset, int length, byte[] prefix) {
    if (length < prefix.length || offset + prefix.length > d.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (d[offset + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
