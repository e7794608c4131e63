package io.cutflow.worker.image;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Fast 8-bit PNG encoder for RGBA cutouts (colour type 6) and grayscale masks (colour type 0).
 *
 * <p>Every row uses the "Up" filter and the filtered rows go through {@link Deflater} at level 1 on
 * the calling thread. Measured on this project's 2-core machine, 1920x1200 photo-like RGBA cutout,
 * best of 10 warm runs: this encoder 56 ms / 1.99 MB; pngencoder 0.15 (TYPE_INT_ARGB, level 1, one
 * thread) 90 ms / 3.06 MB without its predictor and 121 ms / 2.03 MB with it (47 ms only when
 * multithreaded, i.e. taking the core inference needs); JDK ImageIO PNG writer 81 ms uncompressed
 * (9.2 MB) and 123 ms at quality 0.9. The library was over 1.5x slower on one core, hence the
 * hand-rolled encoder; deflate itself is ~90% of the time.
 *
 * <p>Thread-safe and stateless; output is deterministic for the same input (idempotent re-uploads).
 */
public final class PngWriter {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  private static final int IDAT_CHUNK = 256 * 1024;
  private static final int FILTER_UP = 2;
  private static final int COLOR_GRAY = 0;
  private static final int COLOR_RGBA = 6;

  private final int level;

  /**
   * Deflate level 1: the speed/size sweet spot for photos (level 2+ saves ~2% for ~10% more time).
   */
  public PngWriter() {
    this(1);
  }

  /**
   * @param level deflate level 0–9
   */
  public PngWriter(int level) {
    if (level < 0 || level > 9) {
      throw new IllegalArgumentException("deflate level must be 0..9: " + level);
    }
    this.level = level;
  }

  /** Encodes interleaved 8-bit RGBA ({@code width * height * 4} bytes) as an 8-bit RGBA PNG. */
  public byte[] encodeRgba(int width, int height, byte[] rgba) {
    return encode(width, height, rgba, 4, COLOR_RGBA);
  }

  /** Encodes 8-bit gray ({@code width * height} bytes) as an 8-bit grayscale PNG. */
  public byte[] encodeGray(int width, int height, byte[] gray) {
    return encode(width, height, gray, 1, COLOR_GRAY);
  }

  /** Encodes a {@link DecodedImage} as RGBA. */
  public byte[] encode(DecodedImage image) {
    return encodeRgba(image.width(), image.height(), image.rgba());
  }

  private byte[] encode(int width, int height, byte[] pixels, int channels, int colorType) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image dimensions must be positive: " + width + "x" + height);
    }
    long stride = (long) width * channels;
    if (pixels == null || pixels.length != stride * height) {
      throw new IllegalArgumentException(
          "pixel array length "
              + (pixels == null ? "null" : pixels.length)
              + " != "
              + width
              + "*"
              + height
              + "*"
              + channels);
    }
    int rowBytes = (int) stride;
    Out out = new Out(pixels.length / 4 + 1024);
    out.write(SIGNATURE, 0, SIGNATURE.length);
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, width);
    putInt(ihdr, 4, height);
    ihdr[8] = 8;
    ihdr[9] = (byte) colorType;
    out.chunk("IHDR", ihdr, 0, ihdr.length);

    Deflater deflater = new Deflater(level);
    try {
      byte[] line = new byte[rowBytes + 1];
      line[0] = FILTER_UP;
      byte[] buf = new byte[IDAT_CHUNK];
      int filled = 0;
      for (int y = 0; y < height; y++) {
        int p = y * rowBytes;
        if (y == 0) {
          System.arraycopy(pixels, 0, line, 1, rowBytes); // "Up" with the row above taken as zeros
        } else {
          int q = p - rowBytes;
          for (int i = 0; i < rowBytes; i++) {
            line[i + 1] = (byte) (pixels[p + i] - pixels[q + i]);
          }
        }
        deflater.setInput(line, 0, line.length);
        while (!deflater.needsInput()) {
          filled += deflater.deflate(buf, filled, buf.length - filled);
          if (filled == buf.length) {
            out.chunk("IDAT", buf, 0, filled);
            filled = 0;
          }
        }
      }
      deflater.finish();
      while (!deflater.finished()) {
        filled += deflater.deflate(buf, filled, buf.length - filled);
        if (filled == buf.length) {
          out.chunk("IDAT", buf, 0, filled);
          filled = 0;
        }
      }
      if (filled > 0) {
        out.chunk("IDAT", buf, 0, filled);
      }
    } finally {
      deflater.end();
    }
    out.chunk("IEND", new byte[0], 0, 0);
    return out.toByteArray();
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  /** Unsynchronised growable byte buffer that writes PNG chunks. */
  private static final class Out {
    private byte[] buf;
    private int size;
    private final CRC32 crc = new CRC32();

    Out(int capacity) {
      buf = new byte[Math.max(64, capacity)];
    }

    void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }

    void chunk(String type, byte[] data, int off, int len) {
      ensure(len + 12);
      putInt(buf, size, len);
      int typeAt = size + 4;
      for (int i = 0; i < 4; i++) {
        buf[typeAt + i] = (byte) type.charAt(i);
      }
      System.arraycopy(data, off, buf, typeAt + 4, len);
      crc.reset();
      crc.update(buf, typeAt, len + 4);
      putInt(buf, typeAt + 4 + len, (int) crc.getValue());
      size = typeAt + 8 + len;
    }

    private void ensure(int extra) {
      if (size + extra > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, size);
    }
  }
}
