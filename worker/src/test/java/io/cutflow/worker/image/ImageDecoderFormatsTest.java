package io.cutflow.worker.image;

import static io.cutflow.worker.image.TestImages.BL;
import static io.cutflow.worker.image.TestImages.BR;
import static io.cutflow.worker.image.TestImages.TL;
import static io.cutflow.worker.image.TestImages.TR;
import static io.cutflow.worker.image.TestImages.px;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ImageDecoderFormatsTest {
  private static final int W = 64;
  private static final int H = 48;

  /** 8x8 lossless WebP (cwebp -lossless -exact): quadrants red, green / blue, transparent. */
  private static final String WEBP_LOSSLESS =
      "UklGRjYAAABXRUJQVlA4TCoAAAAvB8ABEB8gEEjaH3qN+RcQFPk/2vwH8KVAQds2TEmWZEm+DURE/8P6xAc=";

  /** 16x16 lossy WebP (cwebp -q 95): left half (200,40,40), right half (40,40,200). */
  private static final String WEBP_LOSSY =
      "UklGRkQAAABXRUJQVlA4IDgAAAAQAgCdASoQABAAAIAIJaACdLoB+AH4gAPIAP79sP//4AX//vgT+xP80//Yn//9ieV8/sT/oqAAAA==";

  private final ImageDecoder decoder = new ImageDecoder();

  private DecodedImage decode(byte[] data, String name) throws InvalidImageException {
    return decoder.decode(data, name);
  }

  private static void assertColor(Color expected, int[] actual, int tolerance, String where) {
    assertTrue(
        Math.abs(expected.getRed() - actual[0]) <= tolerance
            && Math.abs(expected.getGreen() - actual[1]) <= tolerance
            && Math.abs(expected.getBlue() - actual[2]) <= tolerance,
        where
            + ": expected "
            + expected
            + " ±"
            + tolerance
            + " but was "
            + java.util.Arrays.toString(actual));
  }

  /** Checks the centre of each quadrant, and that alpha is opaque. */
  private static void assertQuadrants(DecodedImage img, int tolerance) {
    int w = img.width();
    int h = img.height();
    assertColor(TL, px(img, w / 4, h / 4), tolerance, "top-left");
    assertColor(TR, px(img, 3 * w / 4, h / 4), tolerance, "top-right");
    assertColor(BL, px(img, w / 4, 3 * h / 4), tolerance, "bottom-left");
    assertColor(BR, px(img, 3 * w / 4, 3 * h / 4), tolerance, "bottom-right");
    assertEquals(255, px(img, w / 4, h / 4)[3]);
  }

  private static void assertSize(DecodedImage img, int w, int h, String format) {
    assertEquals(w, img.width(), "width");
    assertEquals(h, img.height(), "height");
    assertEquals(format, img.format(), "format");
    assertEquals(w * h * 4, img.rgba().length);
  }

  @Test
  void jpegBaseline() throws Exception {
    byte[] data =
        TestImages.jpeg(TestImages.quadrants(W, H, BufferedImage.TYPE_3BYTE_BGR), 0.95f, false);
    DecodedImage img = decode(data, "baseline.jpg");
    assertSize(img, W, H, "jpeg");
    assertFalse(img.hasAlpha());
    assertQuadrants(img, 12);
  }

  @Test
  void jpegProgressive() throws Exception {
    byte[] data =
        TestImages.jpeg(TestImages.quadrants(W, H, BufferedImage.TYPE_3BYTE_BGR), 0.95f, true);
    DecodedImage img = decode(data, "progressive.jpg");
    assertSize(img, W, H, "jpeg");
    assertQuadrants(img, 12);
  }

  @Test
  void jpegGrayscale() throws Exception {
    BufferedImage gray = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster r = gray.getRaster();
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        r.setSample(x, y, 0, x < W / 2 ? 40 : 200);
      }
    }
    DecodedImage img = decode(TestImages.jpeg(gray, 0.95f, false), "gray.jpg");
    assertSize(img, W, H, "jpeg");
    int[] left = px(img, W / 4, H / 2);
    int[] right = px(img, 3 * W / 4, H / 2);
    // Gray is replicated as-is (no linear-gray gamma conversion).
    assertColor(new Color(40, 40, 40), left, 4, "left");
    assertColor(new Color(200, 200, 200), right, 4, "right");
    assertEquals(left[0], left[1]);
    assertEquals(left[0], left[2]);
  }

  @Test
  void jpegCmyk() throws Exception {
    // 4-band raster + Adobe APP14 (transform 0) = a CMYK JPEG, stored inverted like Photoshop's.
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, W, H, 4, null);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        // left: no ink (white); right: full cyan only.
        raster.setPixel(
            x, y, x < W / 2 ? new int[] {255, 255, 255, 255} : new int[] {0, 255, 255, 255});
      }
    }
    byte[] data = TestImages.cmykJpeg(raster);
    DecodedImage img = decode(data, "cmyk.jpg");
    assertSize(img, W, H, "jpeg");
    assertFalse(img.hasAlpha());
    int[] white = px(img, W / 4, H / 2);
    int[] cyan = px(img, 3 * W / 4, H / 2);
    assertTrue(
        white[0] > 230 && white[1] > 230 && white[2] > 230 && white[3] == 255,
        "no-ink side is white: " + java.util.Arrays.toString(white));
    assertTrue(
        cyan[0] < 80 && cyan[1] > 120 && cyan[2] > 180 && cyan[3] == 255,
        "cyan side: " + java.util.Arrays.toString(cyan));
  }

  @Test
  void pngRgb() throws Exception {
    DecodedImage img =
        decode(
            TestImages.write(TestImages.quadrants(W, H, BufferedImage.TYPE_3BYTE_BGR), "png"),
            "rgb.png");
    assertSize(img, W, H, "png");
    assertFalse(img.hasAlpha());
    assertQuadrants(img, 0);
  }

  @Test
  void pngRgbaExact() throws Exception {
    BufferedImage argb = new BufferedImage(W, H, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        argb.setRGB(x, y, (x * 4) << 24 | (y * 5) << 16 | (x + y) << 8 | 77);
      }
    }
    DecodedImage img = decode(TestImages.write(argb, "png"), "rgba.png");
    assertSize(img, W, H, "png");
    assertTrue(img.hasAlpha());
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        assertEquals(
            java.util.List.of(y * 5, x + y, 77, x * 4),
            java.util.Arrays.stream(px(img, x, y)).boxed().toList(),
            "pixel " + x + "," + y);
      }
    }
  }

  @Test
  void pngPaletteWithTransparency() throws Exception {
    byte[] r = {(byte) 255, 0, 0, 10};
    byte[] g = {0, (byte) 255, 0, 20};
    byte[] b = {0, 0, (byte) 255, 30};
    byte[] a = {(byte) 255, (byte) 255, (byte) 128, 0};
    IndexColorModel icm = new IndexColorModel(2, 4, r, g, b, a);
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_BINARY, icm);
    WritableRaster raster = img.getRaster();
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        raster.setSample(x, y, 0, (x < W / 2 ? 0 : 1) + (y < H / 2 ? 0 : 2));
      }
    }
    byte[] data = TestImages.write(img, "png");
    assertEquals(3, data[25], "colour type 3 (palette)");
    DecodedImage d = decode(data, "palette.png");
    assertSize(d, W, H, "png");
    assertTrue(d.hasAlpha());
    assertEquals(
        java.util.List.of(255, 0, 0, 255), java.util.Arrays.stream(px(d, 1, 1)).boxed().toList());
    assertEquals(
        java.util.List.of(0, 255, 0, 255),
        java.util.Arrays.stream(px(d, W - 1, 0)).boxed().toList());
    assertEquals(
        java.util.List.of(0, 0, 255, 128),
        java.util.Arrays.stream(px(d, 0, H - 1)).boxed().toList());
    assertEquals(0, px(d, W - 1, H - 1)[3]);
  }

  @Test
  void pngGray() throws Exception {
    BufferedImage gray = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        gray.getRaster().setSample(x, y, 0, x * 4);
      }
    }
    byte[] data = TestImages.write(gray, "png");
    assertEquals(0, data[25], "colour type 0 (gray)");
    DecodedImage d = decode(data, "gray.png");
    assertSize(d, W, H, "png");
    assertFalse(d.hasAlpha());
    for (int x = 0; x < W; x++) {
      assertEquals(
          java.util.List.of(x * 4, x * 4, x * 4, 255),
          java.util.Arrays.stream(px(d, x, 7)).boxed().toList());
    }
  }

  @Test
  void pngGrayAlpha() throws Exception {
    ComponentColorModel cm =
        new ComponentColorModel(
            ColorSpace.getInstance(ColorSpace.CS_GRAY),
            true,
            false,
            Transparency.TRANSLUCENT,
            DataBuffer.TYPE_BYTE);
    WritableRaster raster = cm.createCompatibleWritableRaster(W, H);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        raster.setPixel(x, y, new int[] {x * 3, y * 5});
      }
    }
    byte[] data = TestImages.write(new BufferedImage(cm, raster, false, null), "png");
    assertEquals(4, data[25], "colour type 4 (gray+alpha)");
    DecodedImage d = decode(data, "gray-alpha.png");
    assertSize(d, W, H, "png");
    assertTrue(d.hasAlpha());
    assertEquals(
        java.util.List.of(30, 30, 30, 100),
        java.util.Arrays.stream(px(d, 10, 20)).boxed().toList());
  }

  @Test
  void png16BitTakesHighByte() throws Exception {
    ComponentColorModel cm =
        new ComponentColorModel(
            ColorSpace.getInstance(ColorSpace.CS_sRGB),
            false,
            false,
            Transparency.OPAQUE,
            DataBuffer.TYPE_USHORT);
    WritableRaster raster = cm.createCompatibleWritableRaster(W, H);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        raster.setPixel(x, y, new int[] {0x12FF, 0xAB01, x << 8 | 0x80});
      }
    }
    byte[] data = TestImages.write(new BufferedImage(cm, raster, false, null), "png");
    assertEquals(16, data[24], "bit depth 16");
    DecodedImage d = decode(data, "deep.png");
    assertSize(d, W, H, "png");
    assertEquals(
        java.util.List.of(0x12, 0xAB, 9, 255),
        java.util.Arrays.stream(px(d, 9, 3)).boxed().toList());

    BufferedImage gray16 = new BufferedImage(W, H, BufferedImage.TYPE_USHORT_GRAY);
    gray16.getRaster().setSample(5, 5, 0, 0xC3A0);
    DecodedImage g = decode(TestImages.write(gray16, "png"), "deep-gray.png");
    assertEquals(
        java.util.List.of(0xC3, 0xC3, 0xC3, 255),
        java.util.Arrays.stream(px(g, 5, 5)).boxed().toList());
    assertEquals(0, px(g, 6, 5)[0]);
  }

  @Test
  void bmp() throws Exception {
    DecodedImage d =
        decode(
            TestImages.write(TestImages.quadrants(W, H, BufferedImage.TYPE_3BYTE_BGR), "bmp"),
            "x.bmp");
    assertSize(d, W, H, "bmp");
    assertQuadrants(d, 0);
  }

  @Test
  void gif() throws Exception {
    // Palette of exactly the four quadrant colours plus a transparent entry.
    Color[] c = {TL, TR, BL, BR, Color.WHITE};
    byte[] r = new byte[5];
    byte[] g = new byte[5];
    byte[] b = new byte[5];
    for (int i = 0; i < 5; i++) {
      r[i] = (byte) c[i].getRed();
      g[i] = (byte) c[i].getGreen();
      b[i] = (byte) c[i].getBlue();
    }
    IndexColorModel icm = new IndexColorModel(8, 5, r, g, b, 4);
    BufferedImage img = TestImages.quadrants(W, H, BufferedImage.TYPE_BYTE_INDEXED, icm);
    img.getRaster().setSample(0, 0, 0, 4);
    DecodedImage d = decode(TestImages.write(img, "gif"), "x.gif");
    assertSize(d, W, H, "gif");
    assertQuadrants(d, 0);
    assertTrue(d.hasAlpha());
    assertEquals(0, px(d, 0, 0)[3]);
  }

  @Test
  void tiff() throws Exception {
    DecodedImage d =
        decode(
            TestImages.write(TestImages.quadrants(W, H, BufferedImage.TYPE_INT_RGB), "tiff"),
            "x.tiff");
    assertSize(d, W, H, "tiff");
    assertQuadrants(d, 0);
  }

  @Test
  void webpLossless() throws Exception {
    DecodedImage d = decode(Base64.getDecoder().decode(WEBP_LOSSLESS), "x.webp");
    assertSize(d, 8, 8, "webp");
    assertTrue(d.hasAlpha());
    assertEquals(
        java.util.List.of(255, 0, 0, 255), java.util.Arrays.stream(px(d, 1, 1)).boxed().toList());
    assertEquals(
        java.util.List.of(0, 255, 0, 255), java.util.Arrays.stream(px(d, 6, 1)).boxed().toList());
    assertEquals(
        java.util.List.of(0, 0, 255, 255), java.util.Arrays.stream(px(d, 1, 6)).boxed().toList());
    assertEquals(0, px(d, 6, 6)[3]);
  }

  @Test
  void webpLossy() throws Exception {
    DecodedImage d = decode(Base64.getDecoder().decode(WEBP_LOSSY), "x.webp");
    assertSize(d, 16, 16, "webp");
    assertColor(new Color(200, 40, 40), px(d, 3, 8), 16, "left");
    assertColor(new Color(40, 40, 200), px(d, 12, 8), 16, "right");
  }

  @Test
  void pngNamedJpgDecodesAsPng() throws Exception {
    byte[] data = TestImages.write(TestImages.quadrants(W, H, BufferedImage.TYPE_3BYTE_BGR), "png");
    DecodedImage d = decode(data, "actually-a-png.jpg");
    assertSize(d, W, H, "png");
    assertQuadrants(d, 0);
    assertEquals(new ImageInfo("png", W, H), decoder.probe(data, "actually-a-png.jpg"));
  }

  @Test
  void probeReadsHeaderOnly() throws Exception {
    // A header claiming 6000x4000 (24 MP, under the default limit) with a pixel-less IDAT: probe
    // succeeds.
    byte[] data = TestImages.pngWithHeader(6000, 4000, 2, TestImages.zlib(new byte[0]));
    assertEquals(new ImageInfo("png", 6000, 4000), decoder.probe(data, "big.png"));
  }
}
