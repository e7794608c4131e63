package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Decoding 8-bit RGB/RGBA PNGs straight into the RGBA array gives the same bytes as decoding into
 * the codec's own raster and converting ({@link RgbaConverter}, the general path), and is taken
 * only for the layouts it handles.
 */
class RgbaDestinationTest {
  private final ImageDecoder decoder = new ImageDecoder();

  /** The general path: the codec's default destination, then the converter. */
  private static byte[] general(byte[] png) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    return RgbaConverter.convert(img).rgba();
  }

  private void assertDirectAndSame(byte[] png, boolean alpha) throws Exception {
    try (ImageDecoder.Pending p = decoder.open(png, "t.png")) {
      assertEquals(0, p.header().rasterBytesPerPixel(), "decoded in place");
      // what the lease counts for decoding: the input and the RGBA array, no codec raster
      assertEquals(png.length + 4 * p.header().pixels(), p.header().decodeBytes());
    }
    DecodedImage d = decoder.decode(png, "t.png");
    assertEquals(alpha, d.hasAlpha());
    assertArrayEquals(general(png), d.rgba());
  }

  private static BufferedImage randomArgb(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR);
    Random rnd = new Random(seed);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, rnd.nextInt());
      }
    }
    return img;
  }

  @Test
  void rgbaPngMatchesTheGeneralPath() throws Exception {
    assertDirectAndSame(TestImages.write(randomArgb(97, 61, 1), "png"), true);
  }

  @Test
  void rgbPngMatchesTheGeneralPathWithOpaqueAlpha() throws Exception {
    byte[] png = TestImages.write(TestImages.busy(120, 77), "png");
    assertDirectAndSame(png, false);
    byte[] rgba = decoder.decode(png, "t.png").rgba();
    for (int i = 3; i < rgba.length; i += 4) {
      assertEquals((byte) 0xFF, rgba[i]);
    }
  }

  @Test
  void interlacedPngMatchesTheGeneralPath() throws Exception {
    byte[] png =
        TestImages.writeWithParam(new IIOImage(randomArgb(53, 40, 2), null, null), "png", 1f, true);
    assertDirectAndSame(png, true);
  }

  @Test
  void otherLayoutsKeepTheGeneralPath() throws Exception {
    List<byte[]> others = new ArrayList<>();
    others.add(TestImages.write(TestImages.quadrants(16, 16, BufferedImage.TYPE_BYTE_GRAY), "png"));
    others.add(
        TestImages.write(TestImages.quadrants(16, 16, BufferedImage.TYPE_USHORT_GRAY), "png"));
    others.add(
        TestImages.write(TestImages.quadrants(16, 16, BufferedImage.TYPE_BYTE_INDEXED), "png"));
    for (byte[] png : others) {
      try (ImageDecoder.Pending p = decoder.open(png, "t.png")) {
        assertTrue(p.header().rasterBytesPerPixel() > 0, "not decoded in place");
      }
      assertArrayEquals(general(png), decoder.decode(png, "t.png").rgba());
    }
  }

  /** An RGB PNG with a tRNS colour: whatever the codec makes of it, both paths agree. */
  @Test
  void rgbPngWithATransparentColourAgreesWithTheGeneralPath() throws Exception {
    int w = 8;
    int h = 4;
    byte[] raw = new byte[(3 * w + 1) * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = y * (3 * w + 1) + 1 + 3 * x;
        raw[p] = (byte) (x * 30);
        raw[p + 1] = (byte) (y * 60);
        raw[p + 2] = (byte) 7;
      }
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    byte[] ihdr = new byte[13];
    TestImages.putInt(ihdr, 0, w);
    TestImages.putInt(ihdr, 4, h);
    ihdr[8] = 8;
    ihdr[9] = 2;
    TestImages.chunk(out, "IHDR", ihdr);
    // pixel (0, 0) is transparent: R 0, G 0, B 7 as 16-bit samples
    TestImages.chunk(out, "tRNS", new byte[] {0, 0, 0, 0, 0, 7});
    TestImages.chunk(out, "IDAT", TestImages.zlib(raw));
    TestImages.chunk(out, "IEND", new byte[0]);
    byte[] png = out.toByteArray();
    DecodedImage d = decoder.decode(png, "trns.png");
    assertArrayEquals(general(png), d.rgba());
  }

  @Test
  void truncatedPngIsStillRefused() {
    byte[] png = TestImages.write(randomArgb(64, 64, 3), "png");
    byte[] cut = java.util.Arrays.copyOf(png, png.length / 2);
    InvalidImageException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidImageException.class, () -> decoder.decode(cut, "cut.png"));
    assertFalse(e.getMessage().isEmpty());
  }

  /** Real photos: the shared 24 MP RGBA PNG, and every shared JPEG re-encoded as an RGB PNG. */
  @Test
  void realPhotosMatchTheGeneralPath() throws Exception {
    Path data = sharedTestdata();
    org.junit.jupiter.api.Assumptions.assumeTrue(data != null, "shared/testdata not found");
    Path big = data.resolve("photos-extra/food-1.png");
    if (Files.exists(big)) {
      assertDirectAndSame(Files.readAllBytes(big), true);
    }
    try (Stream<Path> photos = Files.list(data.resolve("photos"))) {
      for (Path p : photos.sorted().limit(4).toList()) {
        BufferedImage img = ImageIO.read(p.toFile());
        assertDirectAndSame(TestImages.write(img, "png"), false);
      }
    }
  }

  static Path sharedTestdata() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      for (Path c :
          List.of(dir.resolve("shared/testdata"), dir.resolveSibling("shared/testdata"))) {
        if (Files.isDirectory(c)) {
          return c;
        }
      }
    }
    return null;
  }
}
