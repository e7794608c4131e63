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
    if (d.length < 4 || (d[0] & 0xFF) != 0xFF || (d[1] & 0xFF) != 0xD8) {
      return;
    }
    int segments = 0;
    int scans = 0;
    int pos = 2;
    while (pos + 4 <= d.length) {
      if ((d[pos] & 0xFF) != 0xFF) {
        return; // not at a marker: the codec says what is wrong
      }
      int marker = d[pos + 1] & 0xFF;
      if (marker == 0xFF) {
        pos++; // fill byte
        continue;
      }
      if (marker == 0xD9) {
        return; // end of image: what follows (a preview, a trailer) is not decoded
      }
      if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD8) {
        pos += 2; // markers without a length
        continue;
      }
      int length = (d[pos + 2] & 0xFF) << 8 | d[pos + 3] & 0xFF; // includes its own two bytes
      if (length < 2 || pos + 2L + length > d.length) {
        return; // truncated: the codec says so
      }
      if (++segments > MAX_SEGMENTS) {
        throw refused(
            name,
            "the JPEG has more than "
                + MAX_SEGMENTS
                + " marker segments (encoders write a few dozen); re-export the image");
      }
      pos += 2 + length;
      if (marker == 0xDA) {
        if (++scans > MAX_SCANS) {
          throw refused(
              name,
              "the JPEG has more than "
                  + MAX_SCANS
                  + " scans, each a pass over the whole image (encoders write about 10);"
                  + " re-export the image");
        }
        pos = endOfScanData(d, pos);
      }
    }
  }

  /** Where the marker after a scan's entropy-coded data starts ({@code d.length} if none). */
  private static int endOfScanData(byte[] d, int from) {
    for (int i = from; i < d.length - 1; i++) {
      if (d[i] == (byte) 0xFF) {
        int next = d[i + 1] & 0xFF;
        // FF00 is a stuffed data byte, FFD0-FFD7 a restart marker, FFFF fill before a marker
        if (next != 0x00 && (next < 0xD0 || next > 0xD7) && next != 0xFF) {
          return i;
        }
      }
    }
    return d.length;
  }

  private static InvalidImageException refused(String name, String detail) {
    return new InvalidImageException(
        InvalidImageException.Reason.CORRUPT, name, detail, ContentKind.JPEG, null);
  }
}
