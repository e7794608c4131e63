package io.cutflow.standalone.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.standalone.infra.TestPhotos;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.InvalidImageException;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.InflaterInputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The poison inputs are what they claim: checked by parsing them, streaming the bomb. */
class PoisonInputsTest {
  // one cache for the class: the bombs take seconds to deflate
  @TempDir static Path cache;

  @Test
  void ztxtBombIsASmallValidPngWhoseTextInflatesToOnePointFiveGib() throws Exception {
    byte[] png = PoisonInputs.all(cache, new byte[100]).get(0).bytes();
    assertTrue(png.length < 2_000_000, "encoded size " + png.length);
    assertEquals(64, header(png)[0]);
    assertEquals(48, header(png)[1]);
    // the image itself decodes when metadata is ignored
    assertEquals(64, ImageIO.read(new ByteArrayInputStream(png)).getWidth());
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(png, 8, png.length - 8));
    long inflated = -1;
    while (in.available() > 0) {
      int len = in.readInt();
      byte[] type = in.readNBytes(4);
      byte[] data = in.readNBytes(len);
      in.readInt(); // crc
      if (new String(type, StandardCharsets.US_ASCII).equals("zTXt")) {
        int nul = 0;
        while (data[nul] != 0) {
          nul++;
        }
        assertEquals(0, data[nul + 1], "compression method");
        try (InflaterInputStream z =
            new InflaterInputStream(
                new ByteArrayInputStream(data, nul + 2, data.length - nul - 2))) {
          byte[] buf = new byte[1 << 20];
          inflated = 0;
          for (int n; (n = z.read(buf)) > 0; ) {
            inflated += n;
          }
        }
      }
    }
    assertEquals(PoisonInputs.ZTXT_INFLATED_BYTES, inflated);
    // cached: a second call reads the same bytes back
    assertTrue(Files.isRegularFile(cache.resolve("ztxt-bomb.png")));
    assertTrue(Arrays.equals(png, PoisonInputs.all(cache, new byte[100]).get(0).bytes()));
  }

  @Test
  void hugePngHeaderAsksFor99Point8MegapixelsInUnderHalfAMegabyte() throws Exception {
    byte[] png = PoisonInputs.all(cache, new byte[100]).get(1).bytes();
    assertTrue(png.length < 500_000, "encoded size " + png.length);
    assertEquals(9990, header(png)[0]);
    assertEquals(9990, header(png)[1]);
  }

  @Test
  void truncatedJpegKeepsTheStartAndNonImageHasNoMagicNumber() {
    byte[] jpeg = new byte[1000];
    jpeg[0] = (byte) 0xFF;
    jpeg[1] = (byte) 0xD8;
    var all = PoisonInputs.all(cache, jpeg);
    assertEquals(550, all.get(2).bytes().length);
    assertEquals((byte) 0xD8, all.get(2).bytes()[1]);
    assertEquals('x', all.get(3).bytes()[0]);
  }

  @Test
  void theDecoderRefusesTheTruncatedPhotoAndTheNonImageByName() throws Exception {
    Path photos = TestPhotos.dir();
    Assumptions.assumeTrue(photos != null, "shared/testdata/photos not found");
    var all = PoisonInputs.all(cache, Files.readAllBytes(photos.resolve("car-1.jpg")));
    ImageDecoder decoder = new ImageDecoder();
    InvalidImageException truncated =
        assertThrows(
            InvalidImageException.class, () -> decoder.decode(all.get(2).bytes(), "truncated.jpg"));
    assertEquals(InvalidImageException.Reason.TRUNCATED, truncated.reason());
    InvalidImageException junk =
        assertThrows(
            InvalidImageException.class,
            () -> decoder.decode(all.get(3).bytes(), "not-an-image.jpg"));
    assertEquals(InvalidImageException.Reason.NOT_AN_IMAGE, junk.reason());
  }

  private static int[] header(byte[] png) throws Exception {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
      ImageReader r = ImageIO.getImageReaders(in).next();
      r.setInput(in, true, true);
      try {
        return new int[] {r.getWidth(0), r.getHeight(0)};
      } finally {
        r.dispose();
      }
    }
  }
}
