package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /** A 16x16 GIF whose first frame follows {@code extensions} (whole extension blocks). */
  private static byte[] afterExtensions(byte[] extensions) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("GIF89a".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.writeBytes(new byte[] {16, 0, 16, 0, 0, 0, 0});
    out.writeBytes(extensions);
    out.writeBytes(new byte[] {0x2C, 0, 0, 0, 0, 16, 0, 16, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3B});
    return out.toByteArray();
  }

  /** One comment of {@code blocks} full sub-blocks. */
  private static byte[] commented(int blocks) {
    ByteArrayOutputStream comment = new ByteArrayOutputStream();
    comment.writeBytes(new byte[] {0x21, (byte) 0xFE});
    byte[] block = new byte[256];
    block[0] = (byte) 255;
    for (int i = 0; i < blocks; i++) {
      comment.writeBytes(block);
    }
    comment.write(0);
    return afterExtensions(comment.toByteArray());
  }

  /** {@code n} comments of one byte each. */
  private static byte[] manyComments(int n) {
    ByteArrayOutputStream comments = new ByteArrayOutputStream();
    for (int i = 0; i < n; i++) {
      comments.writeBytes(new byte[] {0x21, (byte) 0xFE, 1, 'c', 0});
    }
    return afterExtensions(comments.toByteArray());
  }

  @Test
  void aCommentTheCodecWouldTakeMinutesToJoinIsRefused() throws Exception {
    // 12,000 sub-blocks (3 MB): the JDK's reader copies what it has joined for each next one
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class, () -> decoder.decode(commented(12_000), "comment.gif"));
    assertEquals(InvalidImageException.Reason.CORRUPT, e.reason());
    assertTrue(
        e.getMessage().contains("3060000 bytes of comments or application data"), e.getMessage());
    // 1,000 of them (255 KB) cost it a moment: left to the codec, which decodes the frame
    assertEquals(16, decoder.decode(commented(1_000), "small-comment.gif").width());
  }

  @Test
  void moreExtensionBlocksThanAnyEncoderWritesAreRefused() throws Exception {
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class,
            () -> decoder.decode(manyComments(GifStructure.MAX_EXTENSIONS + 1), "comments.gif"));
    assertEquals(InvalidImageException.Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("more than 10000 extension blocks"), e.getMessage());
    assertEquals(16, decoder.decode(manyComments(100), "few-comments.gif").width());
  }
}
