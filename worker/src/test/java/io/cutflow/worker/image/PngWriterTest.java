package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngWriterTest {
  private final PngWriter writer = new PngWriter();

  private static byte[] cutout(int w, int h) {
    byte[] rgba = new byte[w * h * 4];
    Random rnd = new Random(1);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 4;
        double dx = (x - w / 2.0) / (w * 0.35);
        double dy = (y - h / 2.0) / (h * 0.4);
        int a = Math.max(0, Math.min(255, (int) ((1.1 - Math.sqrt(dx * dx + dy * dy)) * 1000)));
        rgba[i] = (byte) (x * 7 + rnd.nextInt(9));
        rgba[i + 1] = (byte) (y * 3 + rnd.nextInt(9));
        rgba[i + 2] = (byte) (x ^ y);
        rgba[i + 3] = (byte) a;
      }
    }
    return rgba;
  }

  @Test
  void rgbaRoundTripThroughImageIo() throws Exception {
    int w = 173;
    int h = 91;
    byte[] rgba = cutout(w, h);
    byte[] png = writer.encodeRgba(w, h, rgba);
    assertEquals(6, png[25], "colour type 6");
    assertEquals(8, png[24], "bit depth 8");
    BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(w, back.getWidth());
    assertEquals(h, back.getHeight());
    byte[] actual = new byte[rgba.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = back.getRGB(x, y);
        int i = (y * w + x) * 4;
        actual[i] = (byte) (v >> 16);
        actual[i + 1] = (byte) (v >> 8);
        actual[i + 2] = (byte) v;
        actual[i + 3] = (byte) (v >>> 24);
      }
    }
    assertArrayEquals(rgba, actual);
    // And through our own decoder.
    DecodedImage d = new ImageDecoder().decode(png, "cutout.png");
    assertArrayEquals(rgba, d.rgba());
    assertEquals(true, d.hasAlpha());
  }

  @Test
  void grayRoundTripThroughImageIo() throws Exception {
    int w = 130;
    int h = 77;
    byte[] gray = new byte[w * h];
    new Random(2).nextBytes(gray);
    for (int i = 0; i < w * 10; i++) {
      gray[i] = (byte) (i % 256);
    }
    byte[] png = writer.encodeGray(w, h, gray);
    assertEquals(0, png[25], "colour type 0");
    BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(BufferedImage.TYPE_BYTE_GRAY, back.getType());
    byte[] actual = new byte[w * h];
    back.getRaster().getDataElements(0, 0, w, h, actual);
    assertArrayEquals(gray, actual);
  }

  @Test
  void largeImageSpansSeveralIdatChunksAndIsDeterministic() throws Exception {
    int w = 700;
    int h = 500;
    byte[] rgba = new byte[w * h * 4];
    new Random(3).nextBytes(rgba); // incompressible: > 256 KiB of IDAT
    byte[] png = writer.encodeRgba(w, h, rgba);
    assertArrayEquals(png, writer.encodeRgba(w, h, rgba));
    DecodedImage d = new ImageDecoder().decode(png, "noise.png");
    assertArrayEquals(rgba, d.rgba());
  }

  /** What the memory budget counts for encoding holds even for pixels deflate cannot shrink. */
  @Test
  void peakBytesBoundsTheOutputTwiceForIncompressiblePixels() {
    Random random = new Random(5);
    for (int[] whc : new int[][] {{700, 500, 4}, {1500, 900, 1}, {1, 3000, 4}, {3000, 1, 1}}) {
      int w = whc[0];
      int h = whc[1];
      int channels = whc[2];
      byte[] pixels = new byte[w * h * channels];
      random.nextBytes(pixels);
      byte[] png =
          channels == 4 ? writer.encodeRgba(w, h, pixels) : writer.encodeGray(w, h, pixels);
      long counted = PngWriter.peakBytes(w, h, channels);
      assertTrue(png.length > pixels.length, "incompressible: " + png.length);
      assertTrue(
          2L * png.length + (long) w * channels + 1 <= counted,
          w + "x" + h + "x" + channels + ": 2 x " + png.length + " over " + counted);
      assertTrue(counted < 2.01 * pixels.length + 300_000, "and not far over: " + counted);
    }
  }

  @Test
  void rejectsWrongLengths() {
    assertThrows(IllegalArgumentException.class, () -> writer.encodeRgba(2, 2, new byte[15]));
    assertThrows(IllegalArgumentException.class, () -> writer.encodeGray(2, 2, new byte[5]));
    assertThrows(IllegalArgumentException.class, () -> writer.encodeGray(0, 2, new byte[0]));
  }
}
