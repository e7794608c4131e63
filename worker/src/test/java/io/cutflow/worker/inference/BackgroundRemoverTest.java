package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.InvalidImageException;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real model on images whose true mask is known. */
class BackgroundRemoverTest {
  private static BackgroundRemover remover;

  @BeforeAll
  static void load() throws Exception {
    remover = SharedRemover.get().remover();
  }

  private static byte[] alphaOf(byte[] png) throws Exception {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(BufferedImage.TYPE_4BYTE_ABGR, img.getType(), "cutout is 8-bit RGBA");
    byte[] abgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    byte[] alpha = new byte[img.getWidth() * img.getHeight()];
    for (int i = 0; i < alpha.length; i++) {
      alpha[i] = abgr[i * 4];
    }
    return alpha;
  }

  @Test
  void factoryWarmsOnTheWholeCutoutPathBeforeHandingOut() throws Exception {
    RemoverFactory.Loaded loaded = SharedRemover.get();
    assertTrue(loaded.session().isWarm(), "the session is marked warm");
    assertEquals(
        RemoverFactory.DEFAULT_WARMUP_RUNS,
        loaded.warmupMillis().size(),
        "one time per warm-up run");
    assertTrue(
        loaded.warmupMillis().stream().allMatch(ms -> ms > 0),
        "each run did work: " + loaded.warmupMillis());
    // the built-in warm-up image is a real JPEG that the decoder takes
    BackgroundRemover.Cutout cutout =
        remover.remove(WarmUpImage.jpeg(), "warm-up.jpg", CutoutOptions.DEFAULTS);
    assertEquals(800, cutout.width());
    assertEquals(600, cutout.height());
  }

  @Test
  void findsADrawnShapeAndKeepsTheImageSize() throws Exception {
    int w = 640, h = 480;
    byte[] jpeg = SyntheticImages.encode(SyntheticImages.disc(w, h), "jpg");
    BackgroundRemover.Cutout cutout = remover.remove(jpeg, "disc.jpg", CutoutOptions.DEFAULTS);
    assertEquals(w, cutout.width());
    assertEquals(h, cutout.height());
    MaskAgreement agreement =
        MaskAgreement.of(alphaOf(cutout.png()), SyntheticImages.discMask(w, h));
    assertTrue(agreement.iou() >= 0.95, "the model should find the disc: " + agreement);
    for (String stage :
        new String[] {"decode", "preprocess", "inference", "postprocess", "encode"}) {
      assertTrue(cutout.timings().get(stage) > 0, "timing recorded for " + stage);
    }
  }

  @Test
  void onlyMaskIsAGreyImageEqualToTheCutoutsAlpha() throws Exception {
    byte[] png = SyntheticImages.encode(SyntheticImages.disc(300, 200), "png");
    byte[] alpha = alphaOf(remover.remove(png, "disc.png", CutoutOptions.DEFAULTS).png());
    BackgroundRemover.Cutout mask =
        remover.remove(png, "disc.png", CutoutOptions.DEFAULTS.with(CutoutOptions.ONLY_MASK, true));
    BufferedImage grey = ImageIO.read(new ByteArrayInputStream(mask.png()));
    assertEquals(BufferedImage.TYPE_BYTE_GRAY, grey.getType());
    assertArrayEquals(alpha, ((DataBufferByte) grey.getRaster().getDataBuffer()).getData());
  }

  @Test
  void postProcessedMaskIsBinary() throws Exception {
    byte[] png = SyntheticImages.encode(SyntheticImages.disc(300, 200), "png");
    byte[] alpha =
        alphaOf(
            remover
                .remove(
                    png,
                    "disc.png",
                    CutoutOptions.DEFAULTS.with(CutoutOptions.POST_PROCESS_MASK, true))
                .png());
    long soft = 0;
    for (byte b : alpha) {
      int v = b & 0xFF;
      if (v != 0 && v != 255) {
        soft++;
      }
    }
    assertEquals(0, soft, "post-processed mask has only 0 and 255");
    assertTrue(MaskAgreement.of(alpha, SyntheticImages.discMask(300, 200)).iou() > 0.95);
  }

  @Test
  void backgroundColourFillsTheBackground() throws Exception {
    byte[] png = SyntheticImages.encode(SyntheticImages.disc(300, 200), "png");
    BackgroundRemover.Cutout c =
        remover.remove(
            png,
            "disc.png",
            CutoutOptions.DEFAULTS.with(CutoutOptions.BGCOLOR, java.util.List.of(0, 0, 255, 255)));
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(c.png()));
    int corner = img.getRGB(2, 2);
    assertEquals(
        0xFF0000FF,
        corner,
        "corner (background) is opaque blue, got " + Integer.toHexString(corner));
    int centre = img.getRGB(150, 100);
    // Pillow's paste blends alpha too (DIV255(255·(255−a) + a·a)), so a mask value of 254 stays
    // 254.
    assertTrue((centre >>> 24) >= 250, "centre (the disc) is opaque: " + (centre >>> 24));
    assertTrue(((centre >> 16) & 0xFF) > 150, "centre keeps the disc's red");
  }

  @Test
  void alphaMattingRunsBetweenMaskAndBackgroundColourAndIsTimed() throws Exception {
    byte[] png = SyntheticImages.encode(SyntheticImages.disc(300, 200), "png");
    CutoutOptions matting = CutoutOptions.DEFAULTS.with(CutoutOptions.ALPHA_MATTING, true);
    BackgroundRemover.Cutout c = remover.remove(png, "disc.png", matting);
    assertTrue(c.timings().get(StageTimings.MATTING) > 0, c.timings().toString());
    assertTrue(c.note() == null, c.note());
    byte[] alpha = alphaOf(c.png());
    assertTrue(MaskAgreement.of(alpha, SyntheticImages.discMask(300, 200)).iou() > 0.95);
    assertEquals(0, alpha[2 * 300 + 2], "a corner far from the disc is background");
    // matting's colours are not premultiplied: the disc's red survives where alpha is partial
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(c.png()));
    assertTrue(((img.getRGB(150, 100) >> 16) & 0xFF) > 150, "centre keeps the disc's red");
    // with a background colour, it is applied after matting: the corner becomes opaque blue
    BackgroundRemover.Cutout blue =
        remover.remove(
            png,
            "disc.png",
            matting.with(CutoutOptions.BGCOLOR, java.util.List.of(0, 0, 255, 255)));
    assertEquals(0xFF0000FF, ImageIO.read(new ByteArrayInputStream(blue.png())).getRGB(2, 2));
    // only-mask ignores matting (as rembg: the mask is returned before matting)
    BackgroundRemover.Cutout mask =
        remover.remove(png, "disc.png", matting.with(CutoutOptions.ONLY_MASK, true));
    assertEquals(0.0, mask.timings().get(StageTimings.MATTING));
  }

  @Test
  void badInputFailsWithATypedErrorNamingTheInput() {
    byte[] notAnImage = "hello, I am text".getBytes();
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class,
            () -> remover.remove(notAnImage, "notes.jpg", CutoutOptions.DEFAULTS));
    assertEquals(InvalidImageException.Reason.NOT_AN_IMAGE, e.reason());
    assertTrue(e.getMessage().contains("notes.jpg"), e.getMessage());
  }

  @Test
  void sameInputGivesTheSameBytes() throws Exception {
    // Re-delivered jobs must rewrite identical output.
    byte[] png = SyntheticImages.encode(SyntheticImages.disc(200, 150), "png");
    byte[] a = remover.remove(png, "a.png", CutoutOptions.DEFAULTS).png();
    byte[] b = remover.remove(png, "a.png", CutoutOptions.DEFAULTS).png();
    assertTrue(Arrays.equals(a, b));
  }
}
