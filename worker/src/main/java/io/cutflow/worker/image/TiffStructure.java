package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;

/**
 * A JPEG-compressed TIFF (compression 7) whose strips or tiles are not the size its header gives is
 * refused before the codec sees it. The codec decodes each strip's JPEG at that JPEG's own size
 * into the area the header lays out and leaves the rest blank: a 60 KB TIFF declaring 7000x7000
 * around a 480x360 JPEG came out as a 49-megapixel cutout, mostly empty. libtiff (rembg's decoder,
 * through PIL) refuses a strip larger than its area, and warns of a smaller one. Each strip's JPEG
 * is also held to {@link JpegStructure}'s segment and scan counts, as a JPEG file is. And a TIFF
 * whose tags share their values past the file's size is refused ({@link #checkTagValues}).
 *
 * <p>The strip check reads IFD0, the image decoded; the tag-value check every IFD's entries along
 * the chain. Both read headers only, with bounded reads; a file whose structure is broken is left
 * for the codec to name.
 */
final class TiffStructure {
  private static final int IMAGE_WIDTH = 256;
  private static final int IMAGE_LENGTH = 257;
  private static final int COMPRESSION = 259;
  private static final int STRIP_OFFSETS = 273;
  private static final int ROWS_PER_STRIP = 278;
  private static final int STRIP_BYTE_COUNTS = 279;
  private static final int PLANAR_CONFIGURATION = 284;
  private static final int TILE_WIDTH = 322;
  private static final int TILE_LENGTH = 323;
  private static final int TILE_OFFSETS = 324;
  private static final int TILE_BYTE_COUNTS = 325;

  /** What tag values may come to beyond the file's length (small arrays shared by IFDs). */
  private static final long SLACK = 1 << 20;

  /** Compression 7: each strip or tile a JPEG stream ("new-style" JPEG, TIFF Technical Note 2). */
  private static final int JPEG = 7;

  private TiffStructure() {}

  static void check(byte[] d, String name) throws InvalidImageException {
    checkTagValues(d, name);
    TiffIfd ifd = TiffIfd.first(d);
    if (ifd == null
        || ifd.value(COMPRESSION, 1) != JPEG
        || ifd.value(PLANAR_CONFIGURATION, 1) != 1) {
      return; // separate planes have sizes of their own (subsampled chroma): left to the codec
    }
    long width = ifd.value(IMAGE_WIDTH, 0);
    long height = ifd.value(IMAGE_LENGTH, 0);
    if (width <= 0 || height <= 0) {
      return;
    }
    boolean tiled = ifd.has(TILE_WIDTH);
    long segmentWidth = tiled ? ifd.value(TILE_WIDTH, 0) : width;
    long rows =
        tiled ? ifd.value(TILE_LENGTH, 0) : Math.min(height, ifd.value(ROWS_PER_STRIP, height));
    if (segmentWidth <= 0 || rows <= 0) {
      return;
    }
    long across = (width + segmentWidth - 1) / segmentWidth;
    long down = (height + rows - 1) / rows;
    if (across > Integer.MAX_VALUE || down > Integer.MAX_VALUE) {
      return; // the pixel limit refuses such a size
    }
    long segments = tiled ? across * down : down;
    TiffIfd.Values offsets = ifd.values(tiled ? TILE_OFFSETS : STRIP_OFFSETS);
    TiffIfd.Values counts = ifd.values(tiled ? TILE_BYTE_COUNTS : STRIP_BYTE_COUNTS);
    if (offsets == null || counts == null) {
      return;
    }
    long n = Math.min(segments, Math.min(offsets.count(), counts.count()));
    long walked = 0;
    long previous = -1;
    for (long i = 0; i < n; i++) {
      long from = offsets.get(i);
      long end = from + counts.get(i);
      if (from < 0 || end > d.length || end <= from) {
        return; // outside the file: the codec says so
      }
      if (from == previous) {
        continue; // one strip's data used again (a writer's blank strips): checked already
      }
      previous = from;
      walked += end - from;
      if (walked > 2L * d.length) {
        return; // strips that overlap: a walk of each would cost more than the codec's reads
      }
      JpegStructure.check(d, (int) from, (int) end, name);
      int[] frame = JpegStructure.frameSize(d, (int) from, (int) end);
      if (frame == null) {
        continue;
      }
      long expectedRows = tiled ? rows : Math.min(rows, height - i * rows);
      boolean last = !tiled && i == segments - 1;
      // libtiff's allowance: a last strip encoded at full strip height, its extra rows unused
      boolean tallLastStrip = last && frame[0] == segmentWidth && frame[1] > expectedRows;
      if ((frame[0] != segmentWidth || frame[1] != expectedRows) && !tallLastStrip) {
        throw new InvalidImageException(
            InvalidImageException.Reason.CORRUPT,
            name,
            "the TIFF's JPEG "
                + (tiled ? "tile " : "strip ")
                + (i + 1)
                + " is "
                + frame[0]
                + "x"
                + frame[1]
                + " where the "
                + width
                + "x"
                + height
                + " image lays out "
                + segmentWidth
                + "x"
                + expectedRows
                + "; the file is damaged or its header is wrong: re-export the image",
            ContentKind.TIFF,
            null);
      }
    }
  }

  /**
   * Refuses tags whose values, summed over every IFD, come to more than the file: entries that
   * share one block of data. The codec reads each entry's values into its own array (LONGs as
   * longs, twice their size), so 4,000 tags of 200,000 LONGs over one block, 852 KB, asked for 6.4
   * GB and killed a worker on every try.
   */
  private static void checkTagValues(byte[] d, String name) throws InvalidImageException {
    long total = 0;
    long entries = 0;
    // every entry is 12 bytes or more: past that many, the chain loops
    for (TiffIfd ifd = TiffIfd.first(d);
        ifd != null && entries <= d.length / 12;
        ifd = ifd.next()) {
      entries += Math.max(1, ifd.entries());
      total += ifd.valueBytes();
      if (total > d.length + SLACK) {
        throw new InvalidImageException(
            InvalidImageException.Reason.CORRUPT,
            name,
            "its TIFF tags refer to "
                + total
                + " bytes of values in a file of "
                + d.length
                + " bytes: tags that share their data, each read again; re-export the image",
            ContentKind.TIFF,
            null);
      }
    }
  }
}
