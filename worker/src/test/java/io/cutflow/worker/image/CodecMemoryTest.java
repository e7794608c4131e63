package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * A lossy WebP is admitted for what its decoder really keeps: a flat 7000x7000 one of 385 KB was
 * counted at 7 bytes a pixel and ran a 1 GB worker out of memory on every try.
 */
class CodecMemoryTest {
  private static final byte[] WEBP_LOSSLESS =
      Base64.getDecoder()
          .decode(
              "UklGRjYAAABXRUJQVlA4TCoAAAAvB8ABEB8gEEjaH3qN+RcQFPk/2vwH8KVAQds2TEmWZEm+DURE/8P6xAc=");

  /** A lossy key frame of w x h whose partitions are zero bytes: a valid, flat image. */
  static byte[] lossyWebp(int w, int h) {
    int macroblocks = ((w + 15) / 16) * ((h + 15) / 16);
    int first = 64 + macroblocks;
    byte[] frame = new byte[10 + first + macroblocks + 1024];
    int tag = 1 << 4 | first << 5; // key frame, version 0, shown, first partition's size
    frame[0] = (byte) tag;
    frame[1] = (byte) (tag >> 8);
    frame[2] = (byte) (tag >> 16);
    frame[3] = (byte) 0x9d;
    frame[4] = 0x01;
    frame[5] = 0x2a;
    frame[6] = (byte) w;
    frame[7] = (byte) (w >> 8);
    frame[8] = (byte) h;
    frame[9] = (byte) (h >> 8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int riffSize = 4 + 8 + frame.length + (frame.length & 1);
    out.writeBytes(new byte[] {'R', 'I', 'F', 'F'});
    out.writeBytes(le32(riffSize));
    out.writeBytes(new byte[] {'W', 'E', 'B', 'P', 'V', 'P', '8', ' '});
    out.writeBytes(le32(frame.length));
    out.writeBytes(frame);
    if ((frame.length & 1) != 0) {
      out.write(0);
    }
    return out.toByteArray();
  }

  private static byte[] le32(int v) {
    return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
  }

  @Test
  void lossyWebpIsCountedWithItsDecodersStateAndLosslessIsNot() throws Exception {
    assertTrue(CodecMemory.lossyWebp(lossyWebp(64, 48)));
    assertFalse(CodecMemory.lossyWebp(WEBP_LOSSLESS));
    try (ImageDecoder.Pending p = new ImageDecoder().open(lossyWebp(7000, 7000), "flat.webp")) {
      ImageHeader h = p.header();
      // measured: 26 bytes a pixel at the least heap that decodes it (raster 3, decoder 19, RGBA
      // 4); the count before took 7 and admitted it into a 1 GB heap
      assertTrue(h.decodeBytes() >= 26L * h.pixels(), "decodeBytes " + h.decodeBytes());
    }
    DecodedImage small = new ImageDecoder().decode(lossyWebp(64, 48), "small.webp");
    assertEquals(64, small.width());
    assertEquals(48, small.height());
  }

  @Test
  void aLossyWebpCutShortIsCountedAsLossy() {
    // the codec sizes its state by the frame header, which a file cut short still has
    byte[] whole = lossyWebp(7000, 7000);
    assertTrue(CodecMemory.lossyWebp(java.util.Arrays.copyOf(whole, 40)));
    assertFalse(CodecMemory.lossyWebp(java.util.Arrays.copyOf(WEBP_LOSSLESS, 30)));
  }

  @Test
  void aLossyWebpThatCannotFitIsRefusedBeforeDecoding() throws Exception {
    // the budget of a 1 GiB heap, as remove and workers have by default
    MemoryBudget budget = MemoryBudget.forHeap(1L << 30, 0);
    try (ImageDecoder.Pending p = new ImageDecoder().open(lossyWebp(7000, 7000), "flat.webp")) {
      InvalidImageException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              InvalidImageException.class,
              () -> budget.admit("flat.webp", p.header(), p.header().decodeBytes()));
      assertEquals(InvalidImageException.Reason.TOO_LARGE, e.reason());
    }
  }
}
