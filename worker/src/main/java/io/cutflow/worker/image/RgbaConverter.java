package io.cutflow.worker.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.DataBufferUShort;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.SampleModel;
import java.awt.image.SinglePixelPackedSampleModel;
import java.awt.image.WritableRaster;

/**
 * BufferedImage → interleaved 8-bit RGBA, reading raster data buffers directly for the layouts
 * codecs produce (interleaved byte/ushort RGB, RGBA, gray, gray+alpha in any band order; packed int
 * RGB/ARGB; indexed), with {@link BufferedImage#getRGB} only as the fallback.
 *
 * <p>Like PIL, sample values are taken as they are: gray is replicated to R=G=B (no linear-gray
 * gamma conversion, which {@code getRGB} would apply), 16-bit samples keep their high byte,
 * embedded ICC profiles are not applied. Images without alpha get alpha 255.
 */
final class RgbaConverter {
  private RgbaConverter() {}

  /**
   * The converted pixels and whether the source had alpha (an alpha channel or transparent palette
   * entries).
   */
  record Result(byte[] rgba, boolean hasAlpha) {}

  static Result convert(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 4)];
    ColorModel cm = img.getColorModel();
    WritableRaster raster = img.getRaster();
    Boolean alpha = null;
    if (cm instanceof IndexColorModel icm) {
      alpha = indexed(raster, icm, w, h, out);
    } else if (cm instanceof ComponentColorModel) {
      alpha = component(raster, cm, w, h, out);
    } else if (cm instanceof DirectColorModel dcm) {
      alpha = packedInt(raster, dcm, w, h, out);
    }
    if (alpha == null) {
      alpha = generic(img, w, h, out);
    }
    return new Result(out, alpha);
  }

  /** Interleaved byte or ushort samples, RGB(A) or gray(+alpha). Returns null if not applicable. */
  private static Boolean component(WritableRaster raster, ColorModel cm, int w, int h, byte[] out) {
    SampleModel sm = raster.getSampleModel();
    DataBuffer db = raster.getDataBuffer();
    int csType = cm.getColorSpace().getType();
    if (!(sm instanceof ComponentSampleModel csm)
        || cm.isAlphaPremultiplied()
        || db.getNumBanks() != 1
        || (csType != ColorSpace.TYPE_RGB && csType != ColorSpace.TYPE_GRAY)) {
      return null;
    }
    int nc = cm.getNumColorComponents();
    boolean hasAlpha = cm.hasAlpha();
    int bands = sm.getNumBands();
    if ((nc != 3 && nc != 1) || bands != nc + (hasAlpha ? 1 : 0)) {
      return null;
    }
    int bits =
        db.getDataType() == DataBuffer.TYPE_BYTE
            ? 8
            : db.getDataType() == DataBuffer.TYPE_USHORT ? 16 : -1;
    for (int i = 0; i < bands; i++) {
      if (cm.getComponentSize(i) != bits || csm.getBankIndices()[i] != 0) {
        return null;
      }
    }
    int[] bo = csm.getBandOffsets();
    int ps = csm.getPixelStride();
    int scan = csm.getScanlineStride();
    // Not csm.getOffset(): that adds bandOffsets[0].
    int origin =
        db.getOffset()
            - raster.getSampleModelTranslateY() * scan
            - raster.getSampleModelTranslateX() * ps;
    int r = bo[0];
    int g = nc == 3 ? bo[1] : bo[0];
    int b = nc == 3 ? bo[2] : bo[0];
    int a = hasAlpha ? bo[nc] : -1;
    if (bits == 8) {
      byte[] src = ((DataBufferByte) db).getData();
      int o = 0;
      for (int y = 0; y < h; y++) {
        int p = origin + y * scan;
        if (hasAlpha) {
          for (int x = 0; x < w; x++, p += ps, o += 4) {
            out[o] = src[p + r];
            out[o + 1] = src[p + g];
            out[o + 2] = src[p + b];
            out[o + 3] = src[p + a];
          }
        } else {
          for (int x = 0; x < w; x++, p += ps, o += 4) {
            out[o] = src[p + r];
            out[o + 1] = src[p + g];
            out[o + 2] = src[p + b];
            out[o + 3] = (byte) 0xFF;
          }
        }
      }
    } else if (bits == 16 && db instanceof DataBufferUShort) {
      short[] src = ((DataBufferUShort) db).getData();
      int o = 0;
      for (int y = 0; y < h; y++) {
        int p = origin + y * scan;
        for (int x = 0; x < w; x++, p += ps, o += 4) {
          out[o] = (byte) (src[p + r] >> 8);
          out[o + 1] = (byte) (src[p + g] >> 8);
          out[o + 2] = (byte) (src[p + b] >> 8);
          out[o + 3] = hasAlpha ? (byte) (src[p + a] >> 8) : (byte) 0xFF;
        }
      }
    } else {
      return null;
    }
    return hasAlpha;
  }

  /** Packed int pixels (TYPE_INT_RGB, TYPE_INT_ARGB, TYPE_INT_BGR, ...) with 8-bit masks. */
  private static Boolean packedInt(
      WritableRaster raster, DirectColorModel cm, int w, int h, byte[] out) {
    SampleModel sm = raster.getSampleModel();
    DataBuffer db = raster.getDataBuffer();
    if (!(sm instanceof SinglePixelPackedSampleModel sppsm)
        || !(db instanceof DataBufferInt)
        || cm.isAlphaPremultiplied()
        || db.getNumBanks() != 1) {
      return null;
    }
    int rs = shiftOf(cm.getRedMask());
    int gs = shiftOf(cm.getGreenMask());
    int bs = shiftOf(cm.getBlueMask());
    boolean hasAlpha = cm.hasAlpha();
    int as = hasAlpha ? shiftOf(cm.getAlphaMask()) : 0;
    if (rs < 0 || gs < 0 || bs < 0 || as < 0) {
      return null;
    }
    int[] src = ((DataBufferInt) db).getData();
    int scan = sppsm.getScanlineStride();
    int origin =
        db.getOffset()
            - raster.getSampleModelTranslateY() * scan
            - raster.getSampleModelTranslateX();
    int o = 0;
    for (int y = 0; y < h; y++) {
      int p = origin + y * scan;
      for (int x = 0; x < w; x++, o += 4) {
        int v = src[p + x];
        out[o] = (byte) (v >>> rs);
        out[o + 1] = (byte) (v >>> gs);
        out[o + 2] = (byte) (v >>> bs);
        out[o + 3] = hasAlpha ? (byte) (v >>> as) : (byte) 0xFF;
      }
    }
    return hasAlpha;
  }

  /** Shift of an 8-bit contiguous mask, or -1 if the mask is not 8 contiguous bits. */
  private static int shiftOf(int mask) {
    int s = Integer.numberOfTrailingZeros(mask);
    return s <= 24 && mask == (0xFF << s) ? s : -1;
  }

  /** Palette images (PNG palette with tRNS, GIF, BMP ≤ 8 bit), any index bit depth. */
  private static Boolean indexed(
      WritableRaster raster, IndexColorModel icm, int w, int h, byte[] out) {
    int pixelSize = icm.getPixelSize();
    if (pixelSize > 16) {
      return null;
    }
    int[] lut = new int[Math.max(256, 1 << pixelSize)];
    java.util.Arrays.fill(lut, 0xFF000000);
    int[] rgbs = new int[icm.getMapSize()];
    icm.getRGBs(rgbs);
    System.arraycopy(rgbs, 0, lut, 0, Math.min(rgbs.length, lut.length));
    int[] row = new int[w];
    int mask = lut.length - 1;
    int o = 0;
    for (int y = 0; y < h; y++) {
      raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
      for (int x = 0; x < w; x++, o += 4) {
        int v = lut[row[x] & mask];
        out[o] = (byte) (v >>> 16);
        out[o + 1] = (byte) (v >>> 8);
        out[o + 2] = (byte) v;
        out[o + 3] = (byte) (v >>> 24);
      }
    }
    return icm.getTransparency() != java.awt.Transparency.OPAQUE;
  }

  private static boolean generic(BufferedImage img, int w, int h, byte[] out) {
    boolean hasAlpha = img.getColorModel().hasAlpha();
    int[] row = new int[w];
    int o = 0;
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++, o += 4) {
        int v = row[x];
        out[o] = (byte) (v >>> 16);
        out[o + 1] = (byte) (v >>> 8);
        out[o + 2] = (byte) v;
        out[o + 3] = hasAlpha ? (byte) (v >>> 24) : (byte) 0xFF;
      }
    }
    return hasAlpha;
  }
}
