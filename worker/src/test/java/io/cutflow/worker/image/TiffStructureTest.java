package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A JPEG-compressed TIFF is decoded only when each strip's or tile's JPEG is the size the header
 * lays out: the codec decoded a 480x360 strip into a declared 7000x7000 image and left the rest
 * blank, a 49-megapixel cutout from 60 KB.
 */
class TiffStructureTest {
  private static final int RGB = BufferedImage.TYPE_3BYTE_BGR;

  /** A little-endian TIFF (BigTIFF when {@code big}) of 8-bit RGB, JPEG strips or tiles. */
  private static byte[] tiff(
      boolean big, int width, int height, int rows, int tileWidth, List<byte[]> segments) {
    boolean tiled = tileWidth > 0;
    List<long[]> entries = new ArrayList<>(); // tag, type, count, value or blob index (as -1 - i)
    List<byte[]> blobs = new ArrayList<>();
    entries.add(new long[] {256, 4, 1, width});
    entries.add(new long[] {257, 4, 1, height});
    entries.add(new long[] {258, 3, 1, 8});
    entries.add(new long[] {259, 3, 1, 7});
    entries.add(new long[] {262, 3, 1, 2});
    entries.add(new long[] {277, 3, 1, 3});
    ByteBuffer offsets = ByteBuffer.allocate(4 * segments.size()).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer counts = ByteBuffer.allocate(4 * segments.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] s : segments) {
      counts.putInt(s.length);
    }
    if (tiled) {
      entries.add(new long[] {322, 4, 1, tileWidth});
      entries.add(new long[] {323, 4, 1, rows});
    } else {
      entries.add(new long[] {278, 4, 1, rows});
    }
    int entrySize = big ? 20 : 12;
    int ifdSize = (big ? 8 : 2) + entrySize * (entries.size() + 2) + (big ? 8 : 4);
    long at = (big ? 16 : 8) + ifdSize;
    at += 2L * 4 * segments.size(); // the offsets and counts arrays, then the segments
    for (byte[] s : segments) {
      offsets.putInt((int) at);
      at += s.length;
    }
    blobs.add(offsets.array());
    blobs.add(counts.array());
    entries.add(new long[] {tiled ? 324 : 273, 4, segments.size(), -1});
    entries.add(new long[] {tiled ? 325 : 279, 4, segments.size(), -2});
    entries.sort((a, b) -> Long.compare(a[0], b[0]));

    ByteBuffer out = ByteBuffer.allocate((int) at).order(ByteOrder.LITTLE_ENDIAN);
    out.put((byte) 'I').put((byte) 'I');
    if (big) {
      out.putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(16);
      out.putLong(entries.size());
    } else {
      out.putShort((short) 42).putInt(8);
      out.putShort((short) entries.size());
    }
    long blobAt = (big ? 16 : 8) + ifdSize;
    for (long[] e : entries) {
      out.putShort((short) e[0]).putShort((short) e[1]);
      long value = e[3];
      if (value < 0) {
        value = blobAt + (-1 - value) * 4L * segments.size();
        if (e[2] == 1) {
          value =
              ByteBuffer.wrap(blobs.get((int) (-1 - e[3]))).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }
      }
      if (big) {
        out.putLong(e[2]).putLong(value);
      } else {
        out.putInt((int) e[2]);
        if (e[1] == 3) {
          out.putShort((short) value).putShort((short) 0);
        } else {
          out.putInt((int) value);
        }
      }
    }
    if (big) {
      out.putLong(0);
    } else {
      out.putInt(0);
    }
    for (byte[] b : blobs) {
      out.put(b);
    }
    for (byte[] s : segments) {
      out.put(s);
    }
    return out.array();
  }

  private static byte[] jpeg(int w, int h) {
    return TestImages.jpeg(TestImages.busy(w, h), 0.9f, false);
  }

  private static InvalidImageException refused(byte[] tiff) {
    return assertThrows(
        InvalidImageException.class, () -> new ImageDecoder().decode(tiff, "x.tiff"));
  }

  @Test
  void stripsAndTilesOfTheirLaidOutSizeDecode() throws Exception {
    // 48x40 in strips of 16 rows: 16, 16 and 8; the last one also at full strip height
    for (int last : new int[] {8, 16}) {
      byte[] tiff = tiff(false, 48, 40, 16, 0, List.of(jpeg(48, 16), jpeg(48, 16), jpeg(48, last)));
      DecodedImage d = new ImageDecoder().decode(tiff, "strips.tiff");
      assertEquals(48, d.width());
      assertEquals(40, d.height());
    }
    // 48x40 in 32x32 tiles: 2 across, 2 down, each tile full size
    byte[] tiled =
        tiff(
            false, 48, 40, 32, 32, List.of(jpeg(32, 32), jpeg(32, 32), jpeg(32, 32), jpeg(32, 32)));
    assertEquals(40, new ImageDecoder().decode(tiled, "tiles.tiff").height());
  }

  @Test
  void aStripSmallerThanItsAreaIsRefused() {
    for (boolean big : new boolean[] {false, true}) {
      InvalidImageException e = refused(tiff(big, 7000, 7000, 7000, 0, List.of(jpeg(48, 40))));
      assertEquals(InvalidImageException.Reason.CORRUPT, e.reason());
      assertTrue(
          e.getMessage()
              .contains("JPEG strip 1 is 48x40 where the 7000x7000 image lays out 7000x7000"),
          e.getMessage());
    }
    InvalidImageException middle =
        refused(tiff(false, 48, 40, 16, 0, List.of(jpeg(48, 16), jpeg(48, 12), jpeg(48, 8))));
    assertTrue(middle.getMessage().contains("strip 2 is 48x12"), middle.getMessage());
  }

  @Test
  void aStripOrTileLargerThanItsAreaIsRefused() {
    InvalidImageException e = refused(tiff(false, 64, 64, 64, 0, List.of(jpeg(200, 150))));
    assertTrue(e.getMessage().contains("strip 1 is 200x150 where the 64x64 image"), e.getMessage());
    InvalidImageException tile = refused(tiff(false, 32, 32, 32, 32, List.of(jpeg(40, 32))));
    assertTrue(tile.getMessage().contains("JPEG tile 1 is 40x32"), tile.getMessage());
  }

  @Test
  void aStripsJpegIsHeldToTheSegmentCountOfAJpegFile() {
    byte[] photo = jpeg(48, 40);
    ByteArrayOutputStream flood = new ByteArrayOutputStream();
    flood.write(photo, 0, 2); // SOI, then empty APP15 segments, then the rest of the JPEG
    for (int i = 0; i <= JpegStructure.MAX_SEGMENTS; i++) {
      flood.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xEF, 0, 2});
    }
    flood.write(photo, 2, photo.length - 2);
    InvalidImageException e = refused(tiff(false, 48, 40, 40, 0, List.of(flood.toByteArray())));
    assertTrue(e.getMessage().contains("more than 10000 marker segments"), e.getMessage());
  }

  /**
   * A w x h 8-bit grey uncompressed little-endian TIFF with {@code extra} entries (tag, type,
   * count, offset in {@code blob}) whose values lie in {@code blob}, after the pixels.
   */
  private static byte[] greyTiff(int w, int h, List<long[]> extra, byte[] blob) {
    int blobAt = 8 + w * h;
    List<long[]> entries = new ArrayList<>();
    entries.add(new long[] {256, 4, 1, w});
    entries.add(new long[] {257, 4, 1, h});
    entries.add(new long[] {258, 3, 1, 8});
    entries.add(new long[] {259, 3, 1, 1});
    entries.add(new long[] {262, 3, 1, 1});
    entries.add(new long[] {273, 4, 1, 8});
    entries.add(new long[] {277, 3, 1, 1});
    entries.add(new long[] {278, 4, 1, h});
    entries.add(new long[] {279, 4, 1, (long) w * h});
    for (long[] e : extra) {
      entries.add(new long[] {e[0], e[1], e[2], blobAt + e[3]});
    }
    entries.sort((a, b) -> Long.compare(a[0], b[0]));
    int ifdAt = blobAt + blob.length;
    ByteBuffer out =
        ByteBuffer.allocate(ifdAt + 2 + 12 * entries.size() + 4).order(ByteOrder.LITTLE_ENDIAN);
    out.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifdAt);
    for (int i = 0; i < w * h; i++) {
      out.put((byte) (i * 7));
    }
    out.put(blob);
    out.putShort((short) entries.size());
    for (long[] e : entries) {
      out.putShort((short) e[0]).putShort((short) e[1]).putInt((int) e[2]);
      if (e[1] == 3 && e[2] == 1) {
        out.putShort((short) e[3]).putShort((short) 0);
      } else {
        out.putInt((int) e[3]);
      }
    }
    out.putInt(0);
    return out.array();
  }

  @Test
  void tagsThatShareTheirValuesPastTheFilesSizeAreRefused() throws Exception {
    // 1,000 private tags of 10,000 LONGs each over one 40 KB block: 40 MB read from 50 KB
    List<long[]> shared = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      shared.add(new long[] {40_000 + i, 4, 10_000, 0});
    }
    byte[] tiff = greyTiff(8, 8, shared, new byte[40_000]);
    InvalidImageException e = refused(tiff);
    assertTrue(e.getMessage().contains("tags that share their data"), e.getMessage());
    // the same block under one tag is a plain, if odd, file
    byte[] once =
        greyTiff(8, 8, List.<long[]>of(new long[] {40_000, 4, 10_000, 0}), new byte[40_000]);
    assertEquals(8, new ImageDecoder().decode(once, "once.tiff").width());
  }

  @Test
  void aBrokenColourProfileTheCodecIgnoresIsNotCalledTruncated() throws Exception {
    // tag 34675 (ICC profile) whose header claims 2 GiB of the 2 KB it has: the codec warns
    // "Ignoring broken/incompatible ICC profile: Truncated ICC..." and decodes the image
    ByteBuffer header = ByteBuffer.allocate(2132).putInt(0x7FFFFF00); // a plausible ICC header
    header.put("lcms".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(0x02100000);
    header.put("mntrRGB XYZ ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    header.position(36);
    header.put("acsp".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    byte[] icc = header.array();
    byte[] tiff = greyTiff(8, 8, List.<long[]>of(new long[] {34675, 7, icc.length, 0}), icc);
    assertEquals(8, new ImageDecoder().decode(tiff, "icc.tiff").height());
  }
}
