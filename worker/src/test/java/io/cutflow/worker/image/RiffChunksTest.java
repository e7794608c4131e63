package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class RiffChunksTest {
  private static void chunk(ByteArrayOutputStream out, String fourCc, long declared, byte[] data) {
    out.writeBytes(fourCc.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.writeBytes(
        new byte[] {
          (byte) declared, (byte) (declared >> 8), (byte) (declared >> 16), (byte) (declared >> 24)
        });
    out.writeBytes(data);
  }

  private static ByteArrayOutputStream header() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    chunk(out, "RIFF", 1000, new byte[0]);
    out.writeBytes(new byte[] {'W', 'E', 'B', 'P'});
    return out;
  }

  @Test
  void stepsOverOddSizedChunksAndYieldsACutShortOneLast() {
    ByteArrayOutputStream out = header();
    chunk(out, "VP8X", 3, new byte[] {1, 2, 3, 0}); // odd size: one pad byte
    chunk(out, "EXIF", 4, new byte[] {9, 8, 7, 6});
    chunk(out, "VP8 ", 5000, new byte[10]); // cut short
    chunk(out, "ALPH", 0, new byte[0]); // inside the cut-short chunk's declared data
    byte[] webp = out.toByteArray();

    RiffChunks c = RiffChunks.webp(webp);
    assertTrue(c.next());
    assertTrue(c.is(RiffChunks.fourCc("VP8X")));
    assertEquals(3, c.length());
    assertTrue(c.next());
    assertTrue(c.is(RiffChunks.EXIF));
    assertEquals(9, webp[c.offset()]);
    assertTrue(c.complete());
    assertTrue(c.next());
    assertTrue(c.is(RiffChunks.VP8));
    assertFalse(c.complete());
    assertFalse(c.next());
    assertEquals(1008, RiffChunks.riffEnd(webp));
  }

  @Test
  void walksAFramesChunksAfterItsHeaderWithinTheFrame() {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.writeBytes(new byte[16]); // the frame header
    chunk(frame, "VP8L", 2, new byte[] {1, 2});
    ByteArrayOutputStream out = header();
    chunk(out, "ANMF", frame.size(), frame.toByteArray());
    chunk(out, "VP8 ", 2, new byte[] {1, 2}); // after the frame: not one of its chunks
    RiffChunks c = RiffChunks.webp(out.toByteArray());
    assertTrue(c.next());
    assertTrue(c.is(RiffChunks.ANMF));
    RiffChunks inFrame = c.inside(16);
    assertTrue(inFrame.next());
    assertTrue(inFrame.is(RiffChunks.fourCc("VP8L")));
    assertFalse(inFrame.next());
  }

  @Test
  void yieldsNothingWithoutARiffWebpHeader() {
    assertFalse(RiffChunks.webp(new byte[] {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'A', 'V', 'I'}).next());
    byte[] wave = header().toByteArray();
    wave[8] = 'W';
    wave[9] = 'A';
    wave[10] = 'V';
    wave[11] = 'E';
    assertFalse(RiffChunks.webp(wave).next());
  }
}
