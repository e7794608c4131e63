package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JpegSegmentsTest {
  private static List<Integer> markers(byte[] jpeg) {
    List<Integer> seen = new ArrayList<>();
    JpegSegments walk = new JpegSegments(jpeg);
    while (walk.next()) {
      seen.add(walk.marker());
    }
    return seen;
  }

  private static ByteArrayOutputStream soi() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8});
    return out;
  }

  private static void segment(ByteArrayOutputStream out, int marker, byte... data) {
    int length = data.length + 2;
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) marker, (byte) (length >> 8), (byte) length});
    out.writeBytes(data);
  }

  @Test
  void yieldsSegmentsSkippingFillStandaloneMarkersAndScanData() {
    ByteArrayOutputStream out = soi();
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF}); // fill before a marker
    segment(out, 0xE1, (byte) 'a', (byte) 'b', (byte) 'c');
    out.writeBytes(new byte[] {(byte) 0xFF, 0x01}); // TEM, no length
    segment(out, 0xDA, (byte) 1, (byte) 2);
    // entropy-coded data: a stuffed FF00, a restart marker, then the next segment
    out.writeBytes(new byte[] {0x12, (byte) 0xFF, 0x00, 0x34, (byte) 0xFF, (byte) 0xD3, 0x56});
    segment(out, 0xDB, (byte) 9);
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD9}); // EOI
    segment(out, 0xE2, (byte) 7); // a trailer after the image is not part of it
    byte[] jpeg = out.toByteArray();

    assertEquals(List.of(0xE1, 0xDA, 0xDB), markers(jpeg));
    JpegSegments walk = new JpegSegments(jpeg);
    walk.next();
    assertEquals(3, walk.length());
    assertEquals('a', jpeg[walk.offset()]);
  }

  @Test
  void endsAtATruncatedSegmentOrAByteThatIsNoMarker() {
    ByteArrayOutputStream out = soi();
    segment(out, 0xE0, (byte) 1);
    out.writeBytes(
        new byte[] {(byte) 0xFF, (byte) 0xE1, 0x7F, (byte) 0xFF, 1, 2}); // 32 KiB declared
    assertEquals(List.of(0xE0), markers(out.toByteArray()));

    ByteArrayOutputStream garbage = soi();
    segment(garbage, 0xE0, (byte) 1);
    garbage.writeBytes(new byte[] {0x00, 0x11, 0x22, 0x33});
    segment(garbage, 0xE1, (byte) 1);
    assertEquals(List.of(0xE0), markers(garbage.toByteArray()));
  }

  @Test
  void yieldsNothingWithoutStartOfImage() {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    segment(png, 0xE1, (byte) 1, (byte) 2);
    assertFalse(new JpegSegments(png.toByteArray()).next());
    assertFalse(new JpegSegments(new byte[0]).next());
  }
}
