package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A JPEG built to exhaust the decoder: millions of empty segments (the codec keeps an object for
 * each while it reads the header, which ran workers out of heap) or thousands of scans (each a pass
 * over the whole image: minutes of CPU from a small file). Refused from a count, before the codec
 * sees the file; real JPEGs, progressive ones too, decode as before.
 */
class JpegStructureTest {
  private static byte[] jpeg(boolean progressive) {
    return TestImages.jpeg(
        TestImages.quadrants(64, 48, BufferedImage.TYPE_INT_RGB), 0.75f, progressive);
  }

  /** {@code jpeg} with {@code n} empty APP15 segments (FF EF 00 02) after its SOI. */
  private static byte[] withEmptySegments(byte[] jpeg, int n) {
    byte[] out = new byte[jpeg.length + 4 * n];
    out[0] = (byte) 0xFF;
    out[1] = (byte) 0xD8;
    for (int i = 0; i < n; i++) {
      int at = 2 + 4 * i;
      out[at] = (byte) 0xFF;
      out[at + 1] = (byte) 0xEF;
      out[at + 3] = 2;
    }
    System.arraycopy(jpeg, 2, out, 2 + 4 * n, jpeg.length - 2);
    return out;
  }

  /** Where the last scan (its SOS marker) of {@code jpeg} starts. */
  private static int lastScan(byte[] jpeg) {
    for (int i = jpeg.length - 2; i > 1; i--) {
      if (jpeg[i] == (byte) 0xFF && jpeg[i + 1] == (byte) 0xDA) {
        return i;
      }
    }
    throw new AssertionError("no scan");
  }

  /** {@code jpeg} with its last scan (SOS to EOI) written {@code extra} more times. */
  private static byte[] withRepeatedLastScan(byte[] jpeg, int extra) {
    int from = lastScan(jpeg);
    int to = jpeg.length - 2; // EOI
    byte[] scan = Arrays.copyOfRange(jpeg, from, to);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, to);
    for (int i = 0; i < extra; i++) {
      out.write(scan, 0, scan.length);
    }
    out.write(jpeg, to, 2);
    return out.toByteArray();
  }

  private static int scans(byte[] jpeg) {
    int n = 0;
    for (int i = 0; i < jpeg.length - 1; i++) {
      if (jpeg[i] == (byte) 0xFF && jpeg[i + 1] == (byte) 0xDA) {
        n++;
      }
    }
    return n;
  }

  @Test
  void millionsOfEmptySegmentsAreRefusedBeforeTheCodecKeepsThem() throws Exception {
    byte[] bomb = withEmptySegments(jpeg(false), 3_000_000); // 12 MB
    Bombs.Measured<InvalidImageException> refused =
        Bombs.allocation(
            () ->
                assertThrows(
                    InvalidImageException.class,
                    () -> new ImageDecoder().decode(bomb, "segments.jpg")));
    InvalidImageException e = refused.result();
    assertEquals(InvalidImageException.Reason.CORRUPT, e.reason());
    assertEquals(
        "segments.jpg: the JPEG has more than 10000 marker segments (encoders write a few dozen);"
            + " re-export the image",
        e.getMessage());
    // the codec kept hundreds of MB for these; the count allocates nothing per segment
    assertTrue(refused.allocatedBytes() < 8L << 20, "allocated " + refused.allocatedBytes());
  }

  @Test
  void thousandsOfScansAreRefusedBeforeAnyIsDecoded() throws Exception {
    byte[] progressive = jpeg(true);
    int own = scans(progressive);
    assertTrue(own > 1 && own < 20, "the JDK's progressive JPEG has " + own + " scans");
    byte[] bomb = withRepeatedLastScan(progressive, JpegStructure.MAX_SCANS + 1 - own);
    assertEquals(JpegStructure.MAX_SCANS + 1, scans(bomb));
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class, () -> new ImageDecoder().probe(bomb, "scans.jpg"));
    assertEquals(InvalidImageException.Reason.CORRUPT, e.reason());
    assertTrue(
        e.getMessage().startsWith("scans.jpg: the JPEG has more than 500 scans"), e.getMessage());
    // one scan fewer is not refused by the count (whatever the codec then makes of the copies)
    JpegStructure.check(withRepeatedLastScan(progressive, JpegStructure.MAX_SCANS - own), "ok.jpg");
  }

  @Test
  void realJpegsAndSegmentsUpToTheLimitDecodeAsBefore() throws Exception {
    ImageDecoder decoder = new ImageDecoder();
    for (boolean progressive : new boolean[] {false, true}) {
      DecodedImage d = decoder.decode(jpeg(progressive), "photo.jpg");
      assertEquals(64, d.width());
      assertEquals(48, d.height());
    }
    byte[] padded = withEmptySegments(jpeg(false), JpegStructure.MAX_SEGMENTS - 20);
    assertEquals(64, decoder.decode(padded, "padded.jpg").width());
  }
}
