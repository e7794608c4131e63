package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;

/**
 * A JPEG's marker segments and scans, counted with bounded reads before the codec sees the file,
 * and refused past what any encoder writes. The codec keeps an object for every segment while it
 * reads the header, before any memory lease is asked for: 15 million empty APP15 segments (60 MB,
 * under the byte limit) ran a worker's heap out, killing it on every retry. And it decodes each
 * scan of a progressive JPEG over the whole image: 10,000 scans in 670 KB held a worker for more
 * than 3 minutes of CPU on one 36-megapixel image. Encoders write a few dozen segments and about 10
 * scans (libjpeg's progressive script: 10 for colour, 6 for grey).
 *
 * <p>Only counting: a JPEG that ends early or breaks its structure is left for the codec to name.
 */
final class JpegStructure {
  /** Marker segments (APPn, COM, DQT, DHT, SOF, SOS…) in the image before its end. */
  static final int MAX_SEGMENTS = 10_000;

  /** Scans (SOS segments): each is a pass over the whole image. */
  static final int MAX_SCANS = 500;

  private JpegStructure() {}

  /** Refuses {@code d} (a JPEG) with too many segments or scans; anything else passes. */
  static void check(byte[] d, String name) throws InvalidImageException {
    check(d, 0, d.length, name);
  }

  /** {@link #check(byte[], String)} for the JPEG stream in {@code d[from, end)}. */
  static void check(byte[] d, int from, int end, String name) throws InvalidImageException {
    int segments = 0;
    int scans = 0;
    // ends early where the codec will say what is wrong
    JpegSegments walk = new JpegSegments(d, from, end);
    while (walk.next()) {
      if (++segments > MAX_SEGMENTS) {
        throw refused(
            name,
            "the JPEG has more than "
                + MAX_SEGMENTS
                + " marker segments (encoders write a few dozen); re-export the image");
      }
      if (walk.marker() == JpegSegments.SOS && ++scans > MAX_SCANS) {
        throw refused(
            name,
            "the JPEG has more than "
                + MAX_SCANS
                + " scans, each a pass over the whole image (encoders write about 10);"
                + " re-export the image");
      }
    }
  }

  /**
   * The width and height of the first frame header (SOFn) of the JPEG stream in {@code d[from,
   * end)}, before its first scan; null when there is none, or it gives its height later (DNL).
   */
  static int[] frameSize(byte[] d, int from, int end) {
    JpegSegments walk = new JpegSegments(d, from, end);
    while (walk.next() && walk.marker() != JpegSegments.SOS) {
      int m = walk.marker();
      // SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range
      if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC && walk.length() >= 5) {
        int at = walk.offset(); // precision, then height and width
        int height = (d[at + 1] & 0xFF) << 8 | d[at + 2] & 0xFF;
        int width = (d[at + 3] & 0xFF) << 8 | d[at + 4] & 0xFF;
        return height == 0 ? null : new int[] {width, height};
      }
    }
    return null;
  }

  private static InvalidImageException refused(String name, String detail) {
    return new InvalidImageException(
        InvalidImageException.Reason.CORRUPT, name, detail, ContentKind.JPEG, null);
  }
}
