package io.cutflow.worker.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.zip.Deflater;

/**
 * Hostile inputs whose metadata, not their pixels, would cost memory: a PNG text chunk that
 * inflates to 1.5 GiB, chunks that declare 2 GiB of data they do not have. Each is a small file.
 */
public final class Bombs {
  /** What the zTXt bomb inflates to. */
  public static final long ZTXT_INFLATED_BYTES = 1536L << 20;

  private static byte[] ztxtPayload;

  private Bombs() {}

  /**
   * A 64x48 PNG of the given colour type (2 = RGB, 3 = palette, 6 = RGBA) with one zTXt chunk
   * holding 1.5 GiB of zeros, deflated (about 1.5 MB), before its IDAT.
   */
  public static byte[] ztxtPng(int colorType) {
    return ztxtPng(colorType, null);
  }

  /** As {@link #ztxtPng(int)}, with an eXIf chunk after the bomb (null: none). */
  public static byte[] ztxtPng(int colorType, byte[] exifTiff) {
    ByteArrayOutputStream out = pngStart(64, 48, colorType);
    TestImages.chunk(out, "zTXt", ztxtPayload());
    if (exifTiff != null) {
      TestImages.chunk(out, "eXIf", exifTiff);
    }
    return pngEnd(out, 64, 48, colorType);
  }

  /**
   * A PNG header (64x48 RGB) followed by an eXIf chunk that declares {@code 0x7FFFFFF0} bytes but
   * holds 64: the file ends there.
   */
  public static byte[] pngWithHugeDeclaredExif() {
    ByteArrayOutputStream out = pngStart(64, 48, 2);
    byte[] len = new byte[4];
    TestImages.putInt(len, 0, 0x7FFFFFF0);
    out.writeBytes(len);
    out.writeBytes("eXIf".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(new byte[64]);
    return out.toByteArray();
  }

  /**
   * The 8x8 lossless WebP of {@code ImageDecoderFormatsTest} as an extended (VP8X) file with a
   * chunk of the given FourCC ("EXIF", "XMP ", "ICCP") that declares {@code 0x7FFFFFF0} bytes.
   */
  public static byte[] webpWithHugeChunk(byte[] simpleWebp, String fourCc) {
    return webp(simpleWebp, fourCc, null);
  }

  /** The same extended WebP with an ICCP chunk holding {@code profile}. */
  public static byte[] webpWithIcc(byte[] simpleWebp, byte[] profile) {
    return webp(simpleWebp, "ICCP", profile);
  }

  /** The same extended WebP with an EXIF chunk holding {@code exifTiff}. */
  public static byte[] webpWithExif(byte[] simpleWebp, byte[] exifTiff) {
    return webp(simpleWebp, "EXIF", exifTiff);
  }

  private static byte[] webp(byte[] simple, String fourCc, byte[] payload) {
    ByteArrayOutputStream w = new ByteArrayOutputStream();
    w.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
    le32(w, 0); // patched below
    w.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
    w.writeBytes("VP8X".getBytes(StandardCharsets.US_ASCII));
    le32(w, 10);
    int flags = fourCc.equals("ICCP") ? 0x20 : fourCc.equals("EXIF") ? 0x08 : 0x04;
    w.writeBytes(new byte[] {(byte) flags, 0, 0, 0, 7, 0, 0, 7, 0, 0}); // canvas 8x8 (minus one)
    w.writeBytes(java.util.Arrays.copyOfRange(simple, 12, simple.length)); // the VP8L chunk
    w.writeBytes(fourCc.getBytes(StandardCharsets.US_ASCII));
    if (payload == null) {
      le32(w, 0x7FFFFFF0);
      w.writeBytes(new byte[64]);
    } else {
      le32(w, payload.length);
      w.writeBytes(payload);
      if (payload.length % 2 == 1) {
        w.write(0);
      }
    }
    byte[] d = w.toByteArray();
    int riff = d.length - 8;
    d[4] = (byte) riff;
    d[5] = (byte) (riff >>> 8);
    d[6] = (byte) (riff >>> 16);
    d[7] = (byte) (riff >>> 24);
    return d;
  }

  /**
   * A {@code width x height} 8-bit grey PNG of zeros: 100 megapixels in about 100 KB, built row by
   * row without holding the raw image.
   */
  public static byte[] greyPng(int width, int height) {
    ByteArrayOutputStream out = pngStart(width, height, 0);
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
    byte[] row = new byte[1 + width]; // filter byte 0, then the samples
    byte[] buf = new byte[1 << 16];
    for (int y = 0; y < height; y++) {
      d.setInput(row);
      while (!d.needsInput()) {
        idat.write(buf, 0, d.deflate(buf));
      }
    }
    d.finish();
    while (!d.finished()) {
      idat.write(buf, 0, d.deflate(buf));
    }
    d.end();
    TestImages.chunk(out, "IDAT", idat.toByteArray());
    TestImages.chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /**
   * A 1x1 grey TIFF whose IFD0 also holds Orientation 6 and XMP, IPTC and ICC entries that each
   * declare {@code 0x7FFFFFF0} bytes at offset 8 of a 300-byte file.
   */
  public static byte[] tiffWithHugeTags() {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    t.writeBytes(new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8});
    int[][] entries = { // tag, type, count, value (sorted by tag, as TIFF wants)
      {256, 3, 1, 1}, {257, 3, 1, 1}, {258, 3, 1, 8}, {259, 3, 1, 1}, {262, 3, 1, 1},
      {273, 4, 1, 200}, {274, 3, 1, 6}, {277, 3, 1, 1}, {278, 3, 1, 1}, {279, 4, 1, 1},
      {700, 7, 0x7FFFFFF0, 8}, {33723, 7, 0x7FFFFFF0, 8}, {34675, 7, 0x7FFFFFF0, 8}
    };
    t.write(0);
    t.write(entries.length);
    for (int[] e : entries) {
      byte[] b = new byte[12];
      b[0] = (byte) (e[0] >>> 8);
      b[1] = (byte) e[0];
      b[3] = (byte) e[1];
      TestImages.putInt(b, 4, e[2]);
      if (e[1] == 3) {
        b[8] = (byte) (e[3] >>> 8);
        b[9] = (byte) e[3];
      } else {
        TestImages.putInt(b, 8, e[3]);
      }
      t.writeBytes(b);
    }
    t.writeBytes(new byte[4]); // no next IFD
    while (t.size() < 200) {
      t.write(0);
    }
    t.write(128); // the one pixel
    t.writeBytes(new byte[99]);
    return t.toByteArray();
  }

  /** A big-endian TIFF structure whose IFD0 holds only Orientation = {@code orientation}. */
  public static byte[] exifTiff(int orientation) {
    return new byte[] {
      'M',
      'M',
      0,
      42,
      0,
      0,
      0,
      8, // header, IFD0 at 8
      0,
      1, // one entry
      0x01,
      0x12,
      0,
      3,
      0,
      0,
      0,
      1,
      0,
      (byte) orientation,
      0,
      0, // Orientation, SHORT, 1
      0,
      0,
      0,
      0 // no next IFD
    };
  }

  /** Bytes the calling thread allocates while running {@code work}, and its result. */
  public static <T> Measured<T> allocation(Callable<T> work) throws Exception {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    T result = work.call();
    return new Measured<>(result, mx.getCurrentThreadAllocatedBytes() - before);
  }

  /** A result and the bytes allocated to get it. */
  public record Measured<T>(T result, long allocatedBytes) {}

  private static ByteArrayOutputStream pngStart(int w, int h, int colorType) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    byte[] ihdr = new byte[13];
    TestImages.putInt(ihdr, 0, w);
    TestImages.putInt(ihdr, 4, h);
    ihdr[8] = 8;
    ihdr[9] = (byte) colorType;
    TestImages.chunk(out, "IHDR", ihdr);
    if (colorType == 3) {
      TestImages.chunk(out, "PLTE", new byte[] {0, 0, 0, (byte) 200, 30, 30});
    }
    return out;
  }

  private static byte[] pngEnd(ByteArrayOutputStream out, int w, int h, int colorType) {
    int bpp = colorType == 2 ? 3 : colorType == 6 ? 4 : 1;
    byte[] raw = new byte[h * (1 + w * bpp)];
    TestImages.chunk(out, "IDAT", TestImages.zlib(raw));
    TestImages.chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /** The zTXt chunk's data: keyword, compression method 0, 1.5 GiB of zeros deflated. */
  private static synchronized byte[] ztxtPayload() {
    if (ztxtPayload == null) {
      // Deflating 1.5 GiB takes seconds: build once per checkout, under target/.
      Path cached = Path.of("target", "test-bombs", "ztxt-1536MiB.bin");
      try {
        if (Files.isRegularFile(cached)) {
          ztxtPayload = Files.readAllBytes(cached);
        } else {
          ztxtPayload = buildZtxtPayload();
          Files.createDirectories(cached.getParent());
          Path tmp = Files.createTempFile(cached.getParent(), "ztxt", ".tmp");
          Files.write(tmp, ztxtPayload);
          Files.move(tmp, cached, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ztxtPayload;
  }

  private static byte[] buildZtxtPayload() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(2 << 20);
    out.writeBytes("Comment".getBytes(StandardCharsets.US_ASCII));
    out.write(0); // keyword terminator
    out.write(0); // compression method: deflate
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
    byte[] zeros = new byte[1 << 20];
    byte[] buf = new byte[1 << 16];
    for (long left = ZTXT_INFLATED_BYTES; left > 0; left -= zeros.length) {
      d.setInput(zeros);
      while (!d.needsInput()) {
        out.write(buf, 0, d.deflate(buf));
      }
    }
    d.finish();
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  private static void le32(ByteArrayOutputStream o, int v) {
    o.write(v);
    o.write(v >>> 8);
    o.write(v >>> 16);
    o.write(v >>> 24);
  }
}
