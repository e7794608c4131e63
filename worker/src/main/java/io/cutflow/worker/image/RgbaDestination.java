package io.cutflow.worker.image;

import java.awt.Point;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.WritableRaster;
import java.util.Iterator;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;

/**
 * Decoding straight into the RGBA array {@link DecodedImage} holds, for 8-bit RGB and RGBA PNGs:
 * the codec writes its samples into a raster over that array, so no codec raster (3 or 4 bytes a
 * pixel) and no converted copy exist beside it — a 24 MP RGBA PNG decodes in 96 MB of heap instead
 * of 192 MB. The bytes are the ones {@link RgbaConverter} would make from the codec's own raster:
 * the PNG decoder never converts colour, and an RGB image's alpha is set to 255.
 *
 * <p>Only where the codec's default destination has the raw layout's bands (an RGB PNG with a tRNS
 * colour decodes to RGBA by default, so it keeps the general path).
 */
final class RgbaDestination {
  private RgbaDestination() {}

  /**
   * Whether {@code reader} (PNG, header read) can decode into an RGBA destination: 8-bit
   * interleaved RGB (3 bands) or RGBA (4 bands), whose default destination has as many bands.
   */
  static boolean applies(ImageReader reader) {
    try {
      ImageTypeSpecifier raw = reader.getRawImageType(0);
      Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
      if (raw == null || types == null || !types.hasNext()) {
        return false;
      }
      SampleModel sm = raw.getSampleModel(1, 1);
      int bands = sm.getNumBands();
      return sm instanceof PixelInterleavedSampleModel
          && sm.getDataType() == DataBuffer.TYPE_BYTE
          && (bands == 3 || bands == 4)
          && raw.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_RGB
          && raw.getColorModel().hasAlpha() == (bands == 4)
          && types.next().getSampleModel(1, 1).getNumBands() == bands;
    } catch (Exception | StackOverflowError e) {
      return false; // the general path will say what is wrong
    }
  }

  /**
   * Reads image 0 into a new RGBA array of {@code w}×{@code h}; call only where {@link #applies}.
   */
  static RgbaConverter.Result read(ImageReader reader, int w, int h) throws java.io.IOException {
    byte[] rgba = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 4)];
    boolean alpha = reader.getRawImageType(0).getSampleModel(1, 1).getNumBands() == 4;
    WritableRaster raster =
        Raster.createInterleavedRaster(
            new DataBufferByte(rgba, rgba.length),
            w,
            h,
            4 * w,
            4,
            new int[] {0, 1, 2, 3},
            new Point(0, 0));
    ComponentColorModel cm =
        new ComponentColorModel(
            ColorSpace.getInstance(ColorSpace.CS_sRGB),
            true,
            false,
            Transparency.TRANSLUCENT,
            DataBuffer.TYPE_BYTE);
    ImageReadParam param = reader.getDefaultReadParam();
    param.setDestination(new BufferedImage(cm, raster, false, null));
    if (!alpha) {
      param.setDestinationBands(new int[] {0, 1, 2});
    }
    reader.read(0, param);
    if (!alpha) {
      for (int i = 3; i < rgba.length; i += 4) {
        rgba[i] = (byte) 0xFF;
      }
    }
    return new RgbaConverter.Result(rgba, alpha);
  }
}
