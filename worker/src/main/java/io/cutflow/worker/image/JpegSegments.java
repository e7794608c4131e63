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
  private final int end;
  private int next;
  private int marker;
  private int offset;
  private int length;

  /** A walker over {@code data}; it yields nothing unless {@code data} starts with SOI. */
  JpegSegments(byte[] data) {
    this(data, 0, data.length);
  }

  /**
   * A walker over the JPEG stream in {@code data[from, end)} (a TIFF strip's); it yields nothing
   * unless the stream starts with SOI.
   */
  JpegSegments(byte[] data, int from, int end) {
    this.data = data;
    this.end = end;
    boolean soi = end - from >= 4 && (data[from] & 0xFF) == 0xFF && (data[from + 1] & 0xFF) == 0xD8;
    this.next = soi ? from + 2 : end;
  }

  /** Advances to the next complete segment; false at EOI, at a non-marker or a truncated one. */
  boolean next() {
    if (marker == SOS) {
      next = endOfScanData(next);
    }
    marker = -1;
    while (next + 4 <= end) {
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
      if (declared < 2 || next + 2L + declared > end) {
        break; // truncated
      }
      marker = m;
      offset = next + 4;
      length = declared - 2;
      next = offset + length;
      return true;
    }
    next = end;
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

  /** Where the marker after a scan's entropy-coded data starts ({@code end} if none). */
  private int endOfScanData(int from) {
    for (int i = from; i < end - 1; i++) {
      if (data[i] == (byte) 0xFF) {
        int after = data[i + 1] & 0xFF;
        // FF00 is a stuffed data byte, FFD0-FFD7 a restart marker, FFFF fill before a marker
        if (after != 0x00 && (after < 0xD0 || after > 0xD7) && after != 0xFF) {
          return i;
        }
      }
    }
    return end;
  }
}
