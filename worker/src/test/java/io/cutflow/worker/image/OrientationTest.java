package io.cutflow.worker.image;

import static io.cutflow.worker.image.TestImages.BL;
import static io.cutflow.worker.image.TestImages.BR;
import static io.cutflow.worker.image.TestImages.TL;
import static io.cutflow.worker.image.TestImages.TR;
import static io.cutflow.worker.image.TestImages.px;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.image.ContentKind;
import java.awt.Color;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OrientationTest {
  private static final int W = 64;
  private static final int H = 32;

  /**
   * Where the stored image's top-left and top-right quadrants end up after exif_transpose, as
   * {topLeftGoesTo, topRightGoesTo} in display corners "TL", "TR", "BL", "BR".
   */
  private static final String[][] EXPECTED = {
    null,
    {"TL", "TR"}, // 1 identity
    {"TR", "TL"}, // 2 mirror horizontal
    {"BR", "BL"}, // 3 rotate 180
    {"BL", "BR"}, // 4 mirror vertical
    {"TL", "BL"}, // 5 transpose
    {"TR", "BR"}, // 6 rotate 90 CW
    {"BR", "TR"}, // 7 transverse
    {"BL", "TL"}, // 8 rotate 90 CCW
  };

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void jpegWithExifOrientation(int orientation) throws Exception {
    byte[] jpeg =
        TestImages.withExifOrientation(
            TestImages.jpeg(TestImages.quadrants(W, H, BufferedImage.TYPE_3BYTE_BGR), 0.95f, false),
            orientation);
    assertEquals(orientation, Orientation.read(jpeg, ContentKind.JPEG));
    ImageDecoder decoder = new ImageDecoder();
    DecodedImage img = decoder.decode(jpeg, "oriented-" + orientation + ".jpg");
    boolean swap = orientation >= 5;
    assertEquals(swap ? H : W, img.width(), "width");
    assertEquals(swap ? W : H, img.height(), "height");
    ImageInfo info = decoder.probe(jpeg, "oriented.jpg");
    assertEquals(img.width(), info.width());
    assertEquals(img.height(), info.height());
    assertCorner(img, EXPECTED[orientation][0], TL);
    assertCorner(img, EXPECTED[orientation][1], TR);
  }

  @Test
  void oppositeQuadrantsFollow() throws Exception {
    // Orientation 6 (rotate 90 CW): bottom-left goes to top-left, bottom-right to top-right... of
    // the
    // rotated frame: BL -> TL, BR -> BL.
    byte[] jpeg =
        TestImages.withExifOrientation(
            TestImages.jpeg(TestImages.quadrants(W, H, BufferedImage.TYPE_3BYTE_BGR), 0.95f, false),
            6);
    DecodedImage img = new ImageDecoder().decode(jpeg, "six.jpg");
    assertCorner(img, "TL", BL);
    assertCorner(img, "BL", BR);
  }

  private static void assertCorner(DecodedImage img, String corner, Color expected) {
    int x = corner.charAt(1) == 'L' ? 3 : img.width() - 4;
    int y = corner.charAt(0) == 'T' ? 3 : img.height() - 4;
    int[] p = px(img, x, y);
    assertTrue(
        Math.abs(p[0] - expected.getRed()) <= 12
            && Math.abs(p[1] - expected.getGreen()) <= 12
            && Math.abs(p[2] - expected.getBlue()) <= 12,
        corner + " expected " + expected + " but was " + java.util.Arrays.toString(p));
  }

  /** 3x2 image, pixel value = index (in R), exact transforms against PIL's results. */
  @Test
  void exactTransformsOnTinyImage() {
    // Stored:  0 1 2
    //          3 4 5
    byte[] rgba = new byte[6 * 4];
    for (int i = 0; i < 6; i++) {
      rgba[i * 4] = (byte) i;
      rgba[i * 4 + 3] = (byte) 255;
    }
    assertSame(rgba, Orientation.apply(rgba, 3, 2, 1));
    assertArrayEquals(new int[] {2, 1, 0, 5, 4, 3}, reds(Orientation.apply(rgba, 3, 2, 2)));
    assertArrayEquals(new int[] {5, 4, 3, 2, 1, 0}, reds(Orientation.apply(rgba, 3, 2, 3)));
    assertArrayEquals(new int[] {3, 4, 5, 0, 1, 2}, reds(Orientation.apply(rgba, 3, 2, 4)));
    // 2x3 results:
    assertArrayEquals(
        new int[] {0, 3, 1, 4, 2, 5}, reds(Orientation.apply(rgba, 3, 2, 5))); // transpose
    assertArrayEquals(
        new int[] {3, 0, 4, 1, 5, 2}, reds(Orientation.apply(rgba, 3, 2, 6))); // 90 CW
    assertArrayEquals(
        new int[] {5, 2, 4, 1, 3, 0}, reds(Orientation.apply(rgba, 3, 2, 7))); // transverse
    assertArrayEquals(
        new int[] {2, 5, 1, 4, 0, 3}, reds(Orientation.apply(rgba, 3, 2, 8))); // 90 CCW
  }

  @Test
  void missingOrGarbageExifMeansNoRotation() {
    byte[] jpeg =
        TestImages.jpeg(TestImages.quadrants(W, H, BufferedImage.TYPE_3BYTE_BGR), 0.9f, false);
    assertEquals(1, Orientation.read(jpeg, ContentKind.JPEG));
    assertEquals(1, Orientation.read(TestImages.withExifOrientation(jpeg, 9), ContentKind.JPEG));
    assertEquals(
        1,
        Orientation.read(
            new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 2},
            ContentKind.JPEG));
  }

  private static int[] reds(byte[] rgba) {
    int[] r = new int[rgba.length / 4];
    for (int i = 0; i < r.length; i++) {
      r[i] = rgba[i * 4] & 0xFF;
      assertEquals(-1, rgba[i * 4 + 3]);
    }
    return r;
  }
}
