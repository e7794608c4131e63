package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A GIF whose first frame's data ends before its pixels do is truncated, not a whole image: the
 * codec filled the rest without a warning (41 bytes made a 49-megapixel cutout) and called a GIF
 * cut short corrupt.
 */
class GifStructureTest {
  private final ImageDecoder decoder = new ImageDecoder();

  /** A GIF89a with a 16×16 screen, no colour tables and one W×H frame of {@code lzw} bytes. */
  private static byte[] gif(int w, int h, byte[] lzw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("GIF89a".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.writeBytes(new byte[] {16, 0, 16, 0, 0, 0, 0});
    out.writeBytes(new byte[] {0x21, (byte) 0xFE, 2, 'h', 'i', 0}); // a comment first
    out.writeBytes(
        new byte[] {0x2C, 0, 0, 0, 0, (byte) w, (byte) (w >> 8), (byte) h, (byte) (h >> 8), 0});
    out.write(2); // LZW minimum code size
    out.write(lzw.length);
    out.writeBytes(lzw);
    out.write(0);
    out.write(0x3B);
    return out.toByteArray();
  }

  private InvalidImageException truncated(byte[] gif, String name) {
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> decoder.decode(gif, name));
    assertEquals(InvalidImageException.Reason.TRUNCATED, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void aFrameWhoseDataCannotHoldItsPixelsIsTruncated() {
    // clear, 0, end as 3-bit codes: one pixel's worth for 49 million
    byte[] gif = gif(7000, 7000, new byte[] {0x44, 0x01});
    assertEquals(
        "offset.gif: the gif data ends early (its first frame of 49000000 pixels has 2 bytes of"
            + " image data, fewer than any encoding of them takes (4486)), the file is truncated;"
            + " upload the complete file",
        truncated(gif, "offset.gif").getMessage());
  }

  @Test
  void aGifCutShortIsTruncatedNotCorrupt() throws Exception {
    byte[] whole = TestImages.write(TestImages.busy(64, 48), "gif");
    assertEquals(64, decoder.decode(whole, "whole.gif").width());
    truncated(Arrays.copyOf(whole, whole.length * 6 / 10), "cut.gif");
  }

  @Test
  void aSmallFrameOfFewBytesIsWhole() throws Exception {
    // the same 2 bytes are a whole 4x4 frame's worth (16 pixels): decoded, not refused
    DecodedImage d = decoder.decode(gif(4, 4, new byte[] {0x44, 0x01}), "small.gif");
    assertEquals(4, d.width());
  }
}
