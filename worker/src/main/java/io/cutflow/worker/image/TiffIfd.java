package io.cutflow.worker.image;

/**
 * The first IFD of a TIFF file held in memory (classic or BigTIFF, either byte order), read entry
 * by entry: values are read where they lie, one at a time, so a count field never becomes an
 * allocation. Entries whose values lie outside the bytes read as absent.
 */
final class TiffIfd {
  private static final int SHORT = 3;
  private static final int LONG = 4;
  private static final int LONG8 = 16;

  private final byte[] d;
  private final boolean bigEndian;
  private final boolean big;
  private final long entries;
  private final long first;

  private TiffIfd(byte[] d, boolean bigEndian, boolean big, long entries, long first) {
    this.d = d;
    this.bigEndian = bigEndian;
    this.big = big;
    this.entries = entries;
    this.first = first;
  }

  /** IFD0 of {@code d}; null unless it is a TIFF whose IFD0 lies inside the bytes. */
  static TiffIfd first(byte[] d) {
    if (d.length < 16) {
      return null;
    }
    boolean bigEndian;
    if (d[0] == 'M' && d[1] == 'M') {
      bigEndian = true;
    } else if (d[0] == 'I' && d[1] == 'I') {
      bigEndian = false;
    } else {
      return null;
    }
    TiffIfd header = new TiffIfd(d, bigEndian, false, 0, 0);
    long version = header.read(2, 2);
    boolean big = version == 43;
    if (version != 42 && !big) {
      return null;
    }
    long ifd = big ? header.read(8, 8) : header.read(4, 4);
    int countSize = big ? 8 : 2;
    if (ifd < 8 || ifd > d.length - countSize) {
      return null;
    }
    long entries = header.read(ifd, countSize);
    return new TiffIfd(d, bigEndian, big, entries, ifd + countSize);
  }

  /** The values of a tag, read where they lie. */
  final class Values {
    private final long at;
    private final long count;
    private final int size;

    private Values(long at, long count, int size) {
      this.at = at;
      this.count = count;
      this.size = size;
    }

    long count() {
      return count;
    }

    /** Value {@code i} (below {@link #count}) as an unsigned number. */
    long get(long i) {
      return read(at + i * size, size);
    }
  }

  boolean has(int tag) {
    return entry(tag) >= 0;
  }

  /** The tag's first value, or {@code absent}. */
  long value(int tag, long absent) {
    Values v = values(tag);
    return v == null || v.count() == 0 ? absent : v.get(0);
  }

  /**
   * The tag's values: SHORT, LONG or LONG8 ones lying inside the bytes; null when absent or else.
   */
  Values values(int tag) {
    long e = entry(tag);
    if (e < 0) {
      return null;
    }
    int size = size(read(e + 2, 2));
    long count = read(e + 4, big ? 8 : 4);
    int inline = big ? 8 : 4;
    long field = e + (big ? 12 : 8);
    if (size == 0 || count < 0 || count > d.length / size) {
      return null;
    }
    long at = count * size <= inline ? field : read(field, inline);
    return at >= 0 && at + count * size <= d.length ? new Values(at, count, size) : null;
  }

  /** Where the entry of {@code tag} starts; -1 when IFD0 has none inside the bytes. */
  private long entry(int tag) {
    int entrySize = big ? 20 : 12;
    for (long i = 0; i < entries; i++) {
      long e = first + i * entrySize;
      if (e + entrySize > d.length) {
        return -1;
      }
      if (read(e, 2) == tag) {
        return e;
      }
    }
    return -1;
  }

  private static int size(long type) {
    return type == SHORT ? 2 : type == LONG ? 4 : type == LONG8 ? 8 : 0;
  }

  private long read(long at, int bytes) {
    long v = 0;
    for (int k = 0; k < bytes; k++) {
      long b = d[(int) at + (bigEndian ? k : bytes - 1 - k)] & 0xFFL;
      v = v << 8 | b;
    }
    return v;
  }
}
