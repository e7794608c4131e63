package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cutflow.common.image.ContentKind;
import io.cutflow.worker.image.InvalidImageException.Reason;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageDecoderBadInputTest {
  private final ImageDecoder decoder = new ImageDecoder();

  private InvalidImageException refused(byte[] data, String name, Reason reason) {
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> decoder.decode(data, name));
    assertEquals(reason, e.reason(), e.getMessage());
    assertEquals(name, e.input());
    assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
    return e;
  }

  @Test
  void emptyInput() {
    InvalidImageException e = refused(new byte[0], "nothing.jpg", Reason.EMPTY);
    assertEquals("empty_input", e.reason().code());
    assertThrows(InvalidImageException.class, () -> decoder.decode(null, "null.jpg"));
  }

  @Test
  void truncatedJpeg() {
    byte[] jpeg = TestImages.jpeg(TestImages.busy(256, 256), 0.9f, false);
    byte[] half = Arrays.copyOf(jpeg, jpeg.length / 2);
    InvalidImageException e = refused(half, "half.jpg", Reason.TRUNCATED);
    assertEquals("image_truncated", e.reason().code());
  }

  @Test
  void truncatedProgressiveJpeg() {
    byte[] jpeg = TestImages.jpeg(TestImages.busy(256, 256), 0.9f, true);
    refused(Arrays.copyOf(jpeg, jpeg.length / 2), "half-progressive.jpg", Reason.TRUNCATED);
  }

  @Test
  void truncatedPng() {
    byte[] png = TestImages.write(TestImages.busy(128, 128), "png");
    refused(Arrays.copyOf(png, png.length / 2), "half.png", Reason.TRUNCATED);
    refused(Arrays.copyOf(png, 20), "header-only.png", Reason.TRUNCATED);
  }

  @Test
  void truncatedBmpSaysWhatEndedNotNull() {
    // the BMP codec's EOFException has no message: it used to read "ends early (null)"
    byte[] bmp = TestImages.write(TestImages.busy(64, 48), "bmp");
    InvalidImageException e =
        refused(Arrays.copyOf(bmp, bmp.length * 6 / 10), "short.bmp", Reason.TRUNCATED);
    assertEquals(
        "short.bmp: the bmp data ends early (EOFException), the file is truncated; upload the"
            + " complete file",
        e.getMessage());
  }

  @Test
  void randomBytesNamedJpg() {
    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    InvalidImageException e = refused(noise, "photo.jpg", Reason.NOT_AN_IMAGE);
    assertEquals("not_an_image", e.reason().code());
  }

  @Test
  void textFile() {
    byte[] text = "name,size\ncat.jpg,1234\n".getBytes(StandardCharsets.UTF_8);
    InvalidImageException e = refused(text, "upload.png", Reason.NOT_AN_IMAGE);
    assertEquals(ContentKind.TEXT, e.detected());
    assertTrue(e.getMessage().contains("text/plain"), e.getMessage());
  }

  @Test
  void htmlAndPdf() {
    refused(
        "<!DOCTYPE html><html><body>404</body></html>".getBytes(StandardCharsets.UTF_8),
        "a.jpg",
        Reason.NOT_AN_IMAGE);
    refused(
        "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj".getBytes(StandardCharsets.ISO_8859_1),
        "b.jpg",
        Reason.NOT_AN_IMAGE);
  }

  @Test
  void unsupportedImageFormat() {
    byte[] heic = {
      0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e',
      'i', 'c'
    };
    InvalidImageException e = refused(heic, "IMG_0001.HEIC", Reason.UNSUPPORTED_FORMAT);
    assertEquals("unsupported_format", e.reason().code());
    assertTrue(e.getMessage().contains("image/heif"), e.getMessage());
  }

  @Test
  void pngHeaderClaimingTenGigapixelsFailsFast() {
    byte[] bomb = TestImages.pngWithHeader(100_000, 100_000, 6, TestImages.zlib(new byte[1024]));
    long t0 = System.nanoTime();
    InvalidImageException e = refused(bomb, "girl.jpg", Reason.TOO_LARGE);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 1000, "took " + ms + " ms");
    assertEquals(
        "girl.jpg: image is 100000x100000 (10000000000 pixels), over the limit of 50000000 pixels;"
            + " resize it or raise cutflow.image.max-pixels",
        e.getMessage());
    assertEquals("image_too_large", e.reason().code());
    InvalidImageException p =
        assertThrows(InvalidImageException.class, () -> decoder.probe(bomb, "girl.jpg"));
    assertEquals(Reason.TOO_LARGE, p.reason());
  }

  @Test
  void pixelAndByteLimitsAreConfigurable() {
    byte[] png =
        TestImages.write(TestImages.quadrants(64, 48, BufferedImage.TYPE_3BYTE_BGR), "png");
    ImageDecoder small = new ImageDecoder(new ImageLimits(64 * 48 - 1, 1 << 20));
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> small.decode(png, "x.png"));
    assertEquals(Reason.TOO_LARGE, e.reason());
    ImageDecoder fewBytes = new ImageDecoder(new ImageLimits(1_000_000, 100));
    e = assertThrows(InvalidImageException.class, () -> fewBytes.decode(png, "x.png"));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertTrue(e.getMessage().contains("cutflow.image.max-bytes"), e.getMessage());
  }

  @Test
  void corruptPngData() {
    byte[] garbage = new byte[600];
    new Random(3).nextBytes(garbage);
    byte[] png = TestImages.pngWithHeader(16, 16, 2, garbage); // IDAT that is not zlib
    InvalidImageException e = refused(png, "bad.png", Reason.CORRUPT);
    assertEquals("image_corrupt", e.reason().code());
    assertNotNull(e.getCause());
  }

  /**
   * Mutated and cut real files: the decoder returns an image or an InvalidImageException, nothing
   * else.
   */
  @Test
  void fuzzedInputsNeverEscapeAsOtherExceptions() {
    byte[][] seeds = {
      TestImages.jpeg(TestImages.busy(48, 40), 0.8f, false),
      TestImages.jpeg(TestImages.busy(48, 40), 0.8f, true),
      TestImages.write(TestImages.busy(48, 40), "png"),
      TestImages.write(TestImages.quadrants(48, 40, BufferedImage.TYPE_BYTE_INDEXED), "gif"),
      TestImages.write(TestImages.busy(48, 40), "bmp"),
      TestImages.write(TestImages.busy(48, 40), "tiff"),
    };
    Random rnd = new Random(12345);
    int decoded = 0;
    int refused = 0;
    for (byte[] seed : seeds) {
      for (int i = 0; i < 150; i++) {
        byte[] data = seed.clone();
        int flips = 1 + rnd.nextInt(8);
        for (int f = 0; f < flips; f++) {
          int pos = rnd.nextInt(data.length);
          data[pos] = (byte) rnd.nextInt(256);
        }
        if (rnd.nextInt(4) == 0) {
          data = Arrays.copyOf(data, 1 + rnd.nextInt(data.length));
        }
        try {
          DecodedImage img = decoder.decode(data, "fuzz-" + i);
          assertEquals((long) img.width() * img.height() * 4, img.rgba().length);
          decoded++;
        } catch (InvalidImageException e) {
          assertNotNull(e.reason());
          refused++;
        } catch (Throwable t) {
          fail("escaped: " + t, t);
        }
      }
    }
    assertTrue(refused > 0 && decoded > 0, "decoded " + decoded + ", refused " + refused);
  }
}
