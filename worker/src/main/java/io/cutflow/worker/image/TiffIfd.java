package io.cutflow.worker.image;

/**
 * An IFD of a TIFF structure held in memory, a file's or an EXIF block's (classic or BigTIFF,
 * either byte order), from IFD0 along the chain ({@link #next}), read entry by entry: values are
 * read where they lie, one at a time, so a count field never becomes an allocation. Entries whose
 * values lie outside the structure read as absent.
 */
final class TiffIfd {
  private static final int BYTE = 1;
  private static final int SHORT = 3;
  private static final int LONG = 4;
  private static final int LONG8 = 16;

  private final byte[] d;

  /** Where the structure starts in {@code d}: its offsets count from here. */
  private final int base;

  /** The structure's length from {@link #base}. */
  private final long limit;

  private final boolean bigEndian;
  private final boolean big;
  private long entries;
  private long first;

  private TiffIfd(byte[] d, int base, long limit, boolean bigEndian, boolean big) {
    this.d = d;
    this.base = base;
    this.limit = limit;
    this.bigEndian = bigEndian;
    this.big = big;
  }

  /** IFD0 of the TIFF file {@code d}; null unless it is one whose IFD0 lies inside it. */
  static TiffIfd first(byte[] d) {
    return first(d, 0, d.length);
  }

  /**
   * IFD0 of the TIFF structure in {@code d[offset, offset + length)} (an EXIF block's); null unless
   * there is one whose IFD0 lies inside it.
   */
  static TiffIfd first(byte[] d, int offset, int length) {
    if (length < 8 || offset < 0 || offset + (long) length > d.length) {
      return null;
    }
    boolean bigEndian;
    if (d[offset] == 'M' && d[offset + 1] == 'M') {
      bigEndian = true;
    } else if (d[offset] == 'I' && d[offset + 1] == 'I') {
      bigEndian = false;
    } else {
      return null;
    }
    long version = new TiffIfd(d, offset, length, bigEndian, false).read(2, 2);
    boolean big = version == 43;
    if (version != 42 && !(big && length >= 16)) {
      return null;
    }
    TiffIfd ifd0 = new TiffIfd(d, offset, length, bigEndian, big);
    long at = big ? ifd0.read(8, 8) : ifd0.read(4, 4);
    int countSize = big ? 8 : 2;
    if (at < 8 || at > length - countSize) {
      return null;
    }
    ifd0.entries = ifd0.read(at, countSize);
    ifd0.first = at + countSize;
    return ifd0;
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
   * The tag's values: BYTE, SHORT, LONG or LONG8 ones lying inside the structure; null when absent
   * or of another type.
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
    if (size == 0 || count < 0 || count > limit / size) {
      return null;
    }
    long at = count * size <= inline ? field : read(field, inline);
    return at >= 0 && at + count * size <= limit ? new Values(at, count, size) : null;
  }

  /**
   * Bytes of values this IFD's entries hold outside themselves, counting only values that lie
   * inside the structure. In a sound file they do not overlap, so the sum is at most its length.
   */
  long valueBytes() {
    int entrySize = big ? 20 : 12;
    int inline = big ? 8 : 4;
    long sum = 0;
    for (long i = 0; i < entries; i++) {
      long e = first + i * entrySize;
      if (e + entrySize > limit) {
        break;
      }
      long count = read(e + 4, big ? 8 : 4);
      int size = anySize(read(e + 2, 2));
      if (count < 0 || size == 0 || count > limit / size || count * size <= inline) {
        continue;
      }
      long at = read(e + (big ? 12 : 8), inline);
      if (at >= 0 && at + count * size <= limit) {
        sum += count * size;
      }
    }
    return sum;
  }

  /** The IFD this one links to (its next-IFD offset), or null at the end or outside. */
  TiffIfd next() {
    int entrySize = big ? 20 : 12;
    int linkSize = big ? 8 : 4;
    long link = first + entries * entrySize;
    if (entries < 0 || entries > limit / entrySize || link + linkSize > limit) {
      return null;
    }
    long at = read(link, linkSize);
    int countSize = big ? 8 : 2;
    if (at < 8 || at > limit - countSize) {
      return null;
    }
    TiffIfd next = new TiffIfd(d, base, limit, bigEndian, big);
    next.entries = read(at, countSize);
    next.first = at + countSize;
    return next;
  }

  /** How many entries the IFD declares. */
  long entries() {
    return entries;
  }

  /** Where the entry of {@code tag} starts; -1 when IFD0 has none inside the structure. */
  private long entry(int tag) {
    int entrySize = big ? 20 : 12;
    for (long i = 0; i < entries; i++) {
      long e = first + i * entrySize;
      if (e + entrySize > limit) {
        return -1;
      }
      if (read(e, 2) == tag) {
        return e;
      }
    }
    return -1;
  }

  /** Bytes per value of any TIFF type (BYTE to IFD8); 0 for one TIFF does not define. */
  private static int anySize(long type) {
    return switch ((int) type) {
      case 1, 2, 6, 7 -> 1; // BYTE, ASCII, SBYTE, UNDEFINED
      case 3, 8 -> 2; // SHORT, SSHORT
      case 4, 9, 11, 13 -> 4; // LONG, SLONG, FLOAT, IFD
      case 5, 10, 12, 16, 17, 18 -> 8; // RATIONAL, SRATIONAL, DOUBLE, LONG8, SLONG8, IFD8
      default -> 0;
    };
  }

  /** Bytes per value of the unsigned integer types (BYTE, SHORT, LONG, LONG8); 0 for the others. */
  private static int size(long type) {
    return type == BYTE || type == SHORT || type == LONG || type == LONG8 ? anySize(type) : 0;
  }

  /** {@code bytes} bytes at {@code at} from the structure's start, as an unsigned number. */
  private long read(long at, int bytes) {
    long v = 0;
    for (int k = 0; k < bytes; k++) {
      v = v << 8 | d[base + (int) at + (bigEndian ? k : bytes - 1 - k)] & 0xFFL;
    }
    return v;
  }
}
