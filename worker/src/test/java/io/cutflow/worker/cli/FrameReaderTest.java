package io.cutflow.worker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Whole RGB24 frames from a stream, however the stream hands out its bytes. */
class FrameReaderTest {

  /** A stream that hands out at most 5 bytes a read, as a pipe may. */
  private static InputStream trickle(byte[] bytes) {
    return new FilterInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, 5));
      }
    };
  }

  @Test
  void wholeFramesComeOutWholeAndTheEndBetweenFramesIsTheEnd() throws IOException {
    byte[] two = new byte[2 * 2 * 3 * 2]; // two 2×2 frames
    for (int i = 0; i < two.length; i++) {
      two[i] = (byte) i;
    }
    FrameReader reader = new FrameReader(trickle(two), 2, 2);
    byte[] frame = new byte[12];
    assertTrue(reader.next(frame));
    assertEquals(0, frame[0]);
    assertEquals(11, frame[11]);
    assertTrue(reader.next(frame));
    assertEquals(12, frame[0]);
    assertFalse(reader.next(frame));
    assertFalse(new FrameReader(trickle(new byte[0]), 2, 2).next(frame));
  }

  @Test
  void aStreamEndingInsideAFrameSaysSoWithTheCounts() throws IOException {
    FrameReader reader = new FrameReader(trickle(new byte[12 + 7]), 2, 2);
    byte[] frame = new byte[12];
    assertTrue(reader.next(frame));
    IOException e = assertThrows(IOException.class, () -> reader.next(frame));
    assertTrue(
        e.getMessage().startsWith("stdin ended inside frame 1: 7 of its 12 bytes (2×2×3)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("-pix_fmt rgb24"), e.getMessage());
  }

  @Test
  void rgbBecomesOpaqueRgba() {
    assertArrayEquals(
        new byte[] {1, 2, 3, (byte) 255, 4, 5, 6, (byte) 255},
        FrameReader.rgba(new byte[] {1, 2, 3, 4, 5, 6}));
  }
}
