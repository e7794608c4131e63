package io.cutflow.worker.image;

/**
 * Walks the chunks of a PNG held in memory without reading their data: each step reads a chunk's
 * 8-byte length and type and skips to the next. A chunk whose declared length runs past the end of
 * the bytes ends the walk, so a length field (up to 2 GiB) never becomes an allocation, and a
 * compressed chunk (zTXt, iTXt, iCCP) is never inflated.
 */
final class PngChunks {
  static final int IEND = type("IEND");
  static final int EXIF = type("eXIf");

  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

  private final byte[] data;
  private int next;
  private int type;
  private int offset;
  private int length;

  /**
   * A walker over {@code data}; it yields nothing unless {@code data} starts with the signature.
   */
  PngChunks(byte[] data) {
    this.data = data;
    this.next = startsWithSignature(data) ? SIGNATURE.length : data.length;
  }

  /** Advances to the next complete chunk; false at the end, after IEND, or at a truncated chunk. */
  boolean next() {
    if (next > data.length - 12) {
      return false;
    }
    long len = readInt(data, next) & 0xFFFFFFFFL;
    // data plus CRC must lie inside the file
    if (len > data.length - next - 12L) {
      next = data.length;
      return false;
    }
    type = readInt(data, next + 4);
    offset = next + 8;
    length = (int) len;
    next = type == IEND ? data.length : offset + length + 4;
    return true;
  }

  /** The current chunk's type as a big-endian int, e.g. {@link #EXIF}. */
  int type() {
    return type;
  }

  /** Where the current chunk's data starts in the array. */
  int offset() {
    return offset;
  }

  /** The current chunk's data length (it fits in the array). */
  int length() {
    return length;
  }

  static int type(String fourCc) {
    return fourCc.charAt(0) << 24
        | fourCc.charAt(1) << 16
        | fourCc.charAt(2) << 8
        | fourCc.charAt(3);
  }

  private static boolean startsWithSignature(byte[] data) {
    if (data.length < SIGNATURE.length) {
      return false;
    }
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (data[i] != SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  private static int readInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24
        | (b[at + 1] & 0xFF) << 16
        | (b[at + 2] & 0xFF) << 8
        | b[at + 3] & 0xFF;
  }
}
