package io.cutflow.worker.image;

/**
 * Walks the chunks of a WebP (RIFF) file held in memory, reading only their 8-byte headers. A chunk
 * whose data runs past the end is still yielded, marked not {@link #complete()}, and ends the walk:
 * its header says what the codec will try to decode even when the file is cut short, but its length
 * never becomes a read or an allocation.
 */
final class RiffChunks {
  static final int VP8 = fourCc("VP8 ");
  static final int ANMF = fourCc("ANMF");
  static final int EXIF = fourCc("EXIF");

  private final byte[] data;
  private final long end;
  private long next;
  private int fourCc;
  private int offset;
  private long length;

  private RiffChunks(byte[] data, long from, long end) {
    this.data = data;
    this.next = from;
    this.end = end;
  }

  /**
   * The top-level chunks of {@code data}, up to the end of the bytes (not the RIFF header's size,
   * see {@link #riffEnd}); none unless it starts with a RIFF WEBP header.
   */
  static RiffChunks webp(byte[] data) {
    boolean webp =
        data.length >= 12
            && data[0] == 'R'
            && data[1] == 'I'
            && data[2] == 'F'
            && data[3] == 'F'
            && data[8] == 'W'
            && data[9] == 'E'
            && data[10] == 'B'
            && data[11] == 'P';
    return new RiffChunks(data, webp ? 12 : data.length, data.length);
  }

  /** Where the RIFF header says the file ends: 8 bytes plus its size field. */
  static long riffEnd(byte[] data) {
    return 8 + u32le(data, 4);
  }

  /**
   * The chunks inside the current one's data, from {@code skip} bytes in: an ANMF frame's image
   * chunks follow its 16-byte frame header.
   */
  RiffChunks inside(int skip) {
    return new RiffChunks(data, offset + (long) skip, Math.min(end, offset + length));
  }

  /** Advances to the next chunk whose header lies within the walk; false at the end. */
  boolean next() {
    if (next + 8 > end) {
      return false;
    }
    int at = (int) next;
    fourCc =
        (data[at] & 0xFF) << 24
            | (data[at + 1] & 0xFF) << 16
            | (data[at + 2] & 0xFF) << 8
            | data[at + 3] & 0xFF;
    length = u32le(data, at + 4);
    offset = at + 8;
    // data is padded to an even size; an incomplete chunk is the last one
    next = complete() ? offset + length + (length & 1) : end;
    return true;
  }

  /** True when the current chunk is {@code type}, e.g. {@link #VP8}. */
  boolean is(int type) {
    return fourCc == type;
  }

  /** Where the current chunk's data starts in the array. */
  int offset() {
    return offset;
  }

  /** The current chunk's declared data length (see {@link #complete()}). */
  long length() {
    return length;
  }

  /** True when the current chunk's data lies within the walk. */
  boolean complete() {
    return offset + length <= end;
  }

  /** The end, in the array, of the current chunk's data. */
  long dataEnd() {
    return offset + length;
  }

  static int fourCc(String name) {
    return name.charAt(0) << 24 | name.charAt(1) << 16 | name.charAt(2) << 8 | name.charAt(3);
  }

  private static long u32le(byte[] d, int at) {
    return (d[at] & 0xFFL)
        | (d[at + 1] & 0xFFL) << 8
        | (d[at + 2] & 0xFFL) << 16
        | (d[at + 3] & 0xFFL) << 24;
  }
}
