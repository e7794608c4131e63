package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A BMP that wraps a JPEG or PNG (compression 4 or 5) is refused before decoding: the codec decoded
 * the inner image at its own size, past the pixel limit, whatever the BMP header said.
 */
class BmpStructureTest {
  private static byte[] bmp(String compression) throws Exception {
    BufferedImage img = TestImages.quadrants(64, 48, BufferedImage.TYPE_3BYTE_BGR);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("bmp").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionType(compression);
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"BI_JPEG", "BI_PNG"})
  void aBmpWrappingAnotherImageIsRefused(String compression) throws Exception {
    byte[] wrapped = bmp(compression);
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class, () -> new ImageDecoder().decode(wrapped, "wrapped.bmp"));
    assertEquals(InvalidImageException.Reason.UNSUPPORTED_FORMAT, e.reason());
    String inner = compression.equals("BI_JPEG") ? "4 (an embedded JPEG" : "5 (an embedded PNG";
    assertEquals(
        "wrapped.bmp: a BMP with compression "
            + inner
            + ", for printers) is not decoded: its inner image is not the size its header gives;"
            + " send the inner image itself, or convert it to PNG or JPEG",
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"BI_RGB", "BI_BITFIELDS"})
  void ordinaryBmpsDecode(String compression) throws Exception {
    DecodedImage d = new ImageDecoder().decode(bmp(compression), "plain.bmp");
    assertEquals(64, d.width());
    assertEquals(48, d.height());
  }
}
