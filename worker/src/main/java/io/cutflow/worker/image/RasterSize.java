package io.cutflow.worker.image;

import java.awt.image.DataBuffer;
import java.awt.image.SampleModel;
import java.util.Iterator;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;

/** Heap bytes per pixel of what a codec decodes into, from its image types (header only). */
final class RasterSize {
  /**
   * When the codec does not say: 4 samples of 16 bits, the most any supported format decodes to.
   */
  static final int WORST = 8;

  private RasterSize() {}

  /**
   * Bytes per pixel of the destination the default read decodes into (the first image type), plus
   * the raw type's when it differs: a codec that converts colour (CMYK or YCCK JPEG to RGB) holds
   * both rasters at once.
   */
  static int bytesPerPixel(ImageReader reader) {
    try {
      Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
      ImageTypeSpecifier destination = types != null && types.hasNext() ? types.next() : null;
      if (destination == null) {
        return WORST;
      }
      int bytes = of(destination);
      ImageTypeSpecifier raw = reader.getRawImageType(0);
      if (raw != null && !raw.equals(destination)) {
        bytes += of(raw);
      }
      return bytes;
    } catch (Exception | StackOverflowError e) {
      return WORST; // the decode itself will say what is wrong
    }
  }

  /** Data elements per pixel times their size: 3 for 8-bit RGB, 4 for packed int, 8 for RGBA16. */
  private static int of(ImageTypeSpecifier type) {
    SampleModel sm = type.getSampleModel(1, 1);
    int bits = sm.getNumDataElements() * DataBuffer.getDataTypeSize(sm.getDataType());
    return Math.max(1, (bits + 7) / 8);
  }
}
