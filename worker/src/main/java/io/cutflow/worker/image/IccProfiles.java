package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;
import java.nio.charset.StandardCharsets;

/**
 * An embedded ICC colour profile whose header claims more bytes than the file holds of it is
 * refused before the codec reads it. TwelveMonkeys allocates the size a profile's header gives
 * before it reads the profile: one 2 KB APP2 segment claiming 2 GiB ran {@code remove} out of
 * memory (losing the images after it) and killed a worker on every try. A profile's header gives
 * its own length, so in a sound file it is never more than the bytes that hold it.
 */
final class IccProfiles {
  private static final byte[] JPEG_MARK = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);
  private static final int ICCP = RiffChunks.fourCc("ICCP");

  private IccProfiles() {}

  static void check(ContentKind kind, byte[] d, String name) throws InvalidImageException {
    if (kind == ContentKind.JPEG) {
      jpeg(d, name);
    } else if (kind == ContentKind.WEBP) {
      RiffChunks chunks = RiffChunks.webp(d);
      while (chunks.next()) {
        long held = Math.min(chunks.length(), d.length - chunks.offset());
        if (chunks.is(ICCP) && held >= 4) {
          requireHeld(declared(d, chunks.offset()), held, kind, name);
        }
      }
    }
  }

  /** A JPEG's profile: its chunks' data (APP2 "ICC_PROFILE", numbered) before the first scan. */
  private static void jpeg(byte[] d, String name) throws InvalidImageException {
    long held = 0;
    long declared = -1;
    JpegSegments segments = new JpegSegments(d);
    while (segments.next() && segments.marker() != JpegSegments.SOS) {
      int at = segments.offset();
      int header = JPEG_MARK.length + 2; // the mark, then the chunk's number and the count
      if (segments.marker() != 0xE2 || segments.length() < header || !marked(d, at)) {
        continue;
      }
      held += segments.length() - header;
      if ((d[at + JPEG_MARK.length] & 0xFF) == 1 && segments.length() >= header + 4) {
        // the largest claim of any first chunk: whichever the codec takes, none may exceed it
        declared = Math.max(declared, declared(d, at + header));
      }
    }
    if (declared >= 0) {
      requireHeld(declared, held, ContentKind.JPEG, name);
    }
  }

  private static void requireHeld(long declared, long held, ContentKind kind, String name)
      throws InvalidImageException {
    if (declared > held) {
      throw new InvalidImageException(
          InvalidImageException.Reason.CORRUPT,
          name,
          "its embedded ICC colour profile claims "
              + declared
              + " bytes but the file holds "
              + held
              + " of it; re-export the image, or remove its colour profile",
          kind,
          null);
    }
  }

  /** The profile size a profile header at {@code at} gives (its first 4 bytes, big-endian). */
  private static long declared(byte[] d, int at) {
    return (d[at] & 0xFFL) << 24
        | (d[at + 1] & 0xFFL) << 16
        | (d[at + 2] & 0xFFL) << 8
        | d[at + 3] & 0xFFL;
  }

  private static boolean marked(byte[] d, int at) {
    for (int i = 0; i < JPEG_MARK.length; i++) {
      if (d[at + i] != JPEG_MARK[i]) {
        return false;
      }
    }
    return true;
  }
}
