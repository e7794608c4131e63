package io.cutflow.worker.image;

/**
 * Walks the marker segments of a JPEG held in memory, reading only their 4-byte headers: fill bytes
 * and the markers without a length (SOI, RSTn, TEM) are stepped over, a scan's entropy-coded data
 * is skipped to the marker after it, and the walk ends at EOI, at a byte that is not a marker, or
 * at a segment whose declared length runs past the end of the bytes. So a length field never
 * becomes an allocation, and a corrupt file ends the walk rather than the caller.
 */
final class JpegSegments {
  /** Start of scan: its header is a segment, its entropy-coded data follows it. */
  static final int SOS = 0xDA;

  static final int APP1 = 0xE1;

  private static final int EOI = 0xD9;

  private final byte[] data;
  private int next;
  private int marker;
  private int offset;
  private int length;

  /** A walker over {@code data}; it yields nothing unless {@code data} starts with SOI. */
  JpegSegments(byte[] data) {
    this.data = data;
    boolean soi = data.length >= 4 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8;
    this.next = soi ? 2 : data.length;
  }

  /** Advances to the next complete segment; false at EOI, at a non-marker or a truncated one. */
  boolean next() {
    if (marker == SOS) {
      next = endOfScanData(next);
    }
    marker = -1;
    while (next + 4 <= data.length) {
      if ((data[next] & 0xFF) != 0xFF) {
        break; // not at a marker: corrupt
      }
      int m = data[next + 1] & 0xFF;
      if (m == 0xFF) {
        next++; // fill byte
        continue;
      }
      if (m == EOI) {
        break; // what follows the image (a preview, a trailer) is not part of it
      }
      if (m == 0x01 || m >= 0xD0 && m <= 0xD8) {
        next += 2; // markers without a length
        continue;
      }
      int declared = (data[next + 2] & 0xFF) << 8 | data[next + 3] & 0xFF; // with its 2 bytes
      if (declared < 2 || next + 2L + declared > data.length) {
        break; // truncated
      }
      marker = m;
      offset = next + 4;
      length = declared - 2;
      next = offset + length;
      return true;
    }
    next = data.length;
    return false;
  }

  /** The current segment's marker, e.g. {@link #SOS} or {@link #APP1}. */
  int marker() {
    return marker;
  }

  /** Where the current segment's data (after its length field) starts in the array. */
  int offset() {
    return offset;
  }

  /** The current segment's data length, without the length field (it fits in the array). */
  int length() {
    return length;
  }

  /** Where the marker after a scan's entropy-coded data starts ({@code data.length} if none). */
  private int endOfScanData(int from) {
    for (int i = from; i < data.length - 1; i++) {
      if (data[i] == (byte) 0xFF) {
        int after = data[i + 1] & 0xFF;
        // FF00 is a stuffed data byte, FFD0-FFD7 a restart marker, FFFF fill before a marker
        if (after != 0x00 && (after < 0xD0 || after > 0xD7) && after != 0xFF) {
          return i;
        }
      }
    }
    return data.length;
  }
}
