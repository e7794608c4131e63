package io.cutflow.standalone.fault;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Inputs that must cost one failed result each and never a worker: a zTXt decompression bomb, a PNG
 * whose header asks for 99.8 megapixels, a truncated JPEG and a non-image. The two bombs take
 * seconds to deflate, so they are cached under {@code target/poison/}.
 */
public final class PoisonInputs {
  /** What the zTXt chunk inflates to: 1.5 GiB of zeros. */
  static final long ZTXT_INFLATED_BYTES = 3L << 29;

  /** Side of the all-zero RGB PNG: 9990² = 99.8 MP, just under the default 100 MP pixel limit. */
  static final int HUGE_SIDE = 9990;

  /** One poison input: the file name it is submitted under and its bytes. */
  public record Poison(String name, byte[] bytes) {}

  private PoisonInputs() {}

  /** The four poison inputs; {@code photo} (a JPEG) is cut short for the truncated one. */
  public static List<Poison> all(Path cacheDir, byte[] photo) {
    return List.of(
        new Poison("ztxt-bomb.png", cached(cacheDir.resolve("ztxt-bomb.png"), true)),
        new Poison("huge-9990.png", cached(cacheDir.resolve("huge-9990.png"), false)),
        new Poison("truncated.jpg", truncatedJpeg(photo)),
        new Poison("not-an-image.jpg", notAnImage()));
  }

  /**
   * The cache directory of a module run from Maven or from a bench script: {@code target/poison}.
   */
  public static Path defaultCacheDir() {
    return Path.of("target", "poison");
  }

  private static byte[] cached(Path file, boolean ztxt) {
    try {
      if (Files.isRegularFile(file)) {
        return Files.readAllBytes(file);
      }
      byte[] bytes = ztxt ? ztxtBomb() : hugePng();
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      Files.write(tmp, bytes);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build or cache " + file, e);
    }
  }

  /** A valid 64×48 RGB PNG with one zTXt chunk whose text inflates to 1.5 GiB of zeros. */
  static byte[] ztxtBomb() {
    int w = 64;
    int h = 48;
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    text.writeBytes("Comment".getBytes(StandardCharsets.ISO_8859_1));
    text.write(0); // keyword terminator
    text.write(0); // compression method: zlib
    text.writeBytes(deflateZeros(ZTXT_INFLATED_BYTES));
    byte[] raw = new byte[h * (1 + w * 3)];
    for (int y = 0; y < h; y++) {
      Arrays.fill(raw, y * (1 + w * 3) + 1, (y + 1) * (1 + w * 3), (byte) (40 + y * 4));
    }
    return png(w, h, text.toByteArray(), deflate(raw));
  }

  /** A 9990×9990 8-bit RGB PNG of zeros: about 300 KB encoded, 300 MB of pixels decoded. */
  static byte[] hugePng() {
    return png(HUGE_SIDE, HUGE_SIDE, null, deflateZeros((long) HUGE_SIDE * (1 + HUGE_SIDE * 3)));
  }

  /** The first 55% of a JPEG: a known format whose data ends early. */
  static byte[] truncatedJpeg(byte[] jpeg) {
    return Arrays.copyOf(jpeg, jpeg.length * 55 / 100);
  }

  /** Random bytes under a .jpg name: no image format at all. */
  static byte[] notAnImage() {
    byte[] junk = new byte[6000];
    new Random(11).nextBytes(junk);
    junk[0] = 'x'; // never a magic number by chance
    return junk;
  }

  private static byte[] png(int w, int h, byte[] ztxt, byte[] idat) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    try (DataOutputStream d = new DataOutputStream(ihdr)) {
      d.writeInt(w);
      d.writeInt(h);
      d.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit RGB, deflate, adaptive filter, no interlace
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    chunk(out, "IHDR", ihdr.toByteArray());
    if (ztxt != null) {
      chunk(out, "zTXt", ztxt);
    }
    chunk(out, "IDAT", idat);
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    try (DataOutputStream d = new DataOutputStream(out)) {
      d.writeInt(data.length);
      d.write(t);
      d.write(data);
      d.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  /** A zlib stream of {@code n} zero bytes, fed in 1 MiB pieces. */
  private static byte[] deflateZeros(long n) {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
    byte[] piece = new byte[1 << 20];
    byte[] buf = new byte[1 << 16];
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long left = n;
    while (left > 0) {
      int len = (int) Math.min(piece.length, left);
      d.setInput(piece, 0, len);
      left -= len;
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
}
