package io.cutflow.worker.image;

import io.cutflow.common.image.ContentKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EXIF orientation (tag 0x0112, values 1–8): reading it and applying it to RGBA pixels the way
 * PIL's {@code ImageOps.exif_transpose} does (which rembg calls before anything else).
 *
 * <table>
 *   <caption>EXIF value → transform (PIL name)</caption>
 *   <tr><td>1</td><td>none</td></tr>
 *   <tr><td>2</td><td>mirror left-right (FLIP_LEFT_RIGHT)</td></tr>
 *   <tr><td>3</td><td>rotate 180° (ROTATE_180)</td></tr>
 *   <tr><td>4</td><td>mirror top-bottom (FLIP_TOP_BOTTOM)</td></tr>
 *   <tr><td>5</td><td>transpose about the main diagonal (TRANSPOSE)</td></tr>
 *   <tr><td>6</td><td>rotate 90° clockwise (ROTATE_270)</td></tr>
 *   <tr><td>7</td><td>transpose about the anti-diagonal (TRANSVERSE)</td></tr>
 *   <tr><td>8</td><td>rotate 90° counter-clockwise (ROTATE_90)</td></tr>
 * </table>
 */
public final class Orientation {
  private static final Logger log = LoggerFactory.getLogger(Orientation.class);

  private Orientation() {}

  /** Whether the orientation swaps width and height (5–8). */
  public static boolean swapsDimensions(int orientation) {
    return orientation >= 5 && orientation <= 8;
  }

  /**
   * The EXIF orientation of an encoded image (JPEG APP1, PNG eXIf, TIFF IFD0, WebP EXIF), 1 if
   * absent, out of range or unreadable. Never throws, and reads only the bytes that lead to the
   * tag: no other metadata is parsed, nothing is inflated (see {@link ExifOrientation}).
   */
  public static int read(byte[] data, ContentKind kind) {
    int v;
    try {
      v =
          switch (kind) {
            case JPEG -> ExifOrientation.jpeg(data);
            case PNG -> ExifOrientation.png(data);
            case TIFF -> ExifOrientation.tiffFile(data);
            case WEBP -> ExifOrientation.webp(data);
            default -> ExifOrientation.ABSENT;
          };
    } catch (RuntimeException e) {
      // The walkers check their bounds; this is the backstop that keeps "never throws" true.
      log.debug("could not read EXIF orientation, assuming 1: {}", e.toString());
      return 1;
    }
    return v == ExifOrientation.ABSENT ? 1 : v;
  }

  /**
   * Applies an EXIF orientation to interleaved RGBA pixels. Returns {@code rgba} itself for 1 (or
   * any value outside 2–8), otherwise a new array; the result is {@code height x width} for 5–8.
   */
  public static byte[] apply(byte[] rgba, int width, int height, int orientation) {
    if (orientation < 2 || orientation > 8) {
      return rgba;
    }
    final int w = width;
    final int h = height;
    // Source pixel index = base + x' * dx + y' * dy for output pixel (x', y').
    int base;
    int dx;
    int dy;
    switch (orientation) {
      case 2:
        base = w - 1;
        dx = -1;
        dy = w;
        break;
      case 3:
        base = (h - 1) * w + w - 1;
        dx = -1;
        dy = -w;
        break;
      case 4:
        base = (h - 1) * w;
        dx = 1;
        dy = -w;
        break;
      case 5:
        base = 0;
        dx = w;
        dy = 1;
        break;
      case 6:
        base = (h - 1) * w;
        dx = -w;
        dy = 1;
        break;
      case 7:
        base = (h - 1) * w + w - 1;
        dx = -w;
        dy = -1;
        break;
      case 8:
        base = w - 1;
        dx = w;
        dy = -1;
        break;
      default:
        throw new AssertionError(orientation);
    }
    int outW = swapsDimensions(orientation) ? h : w;
    int outH = swapsDimensions(orientation) ? w : h;
    byte[] out = new byte[rgba.length];
    int o = 0;
    for (int y = 0; y < outH; y++) {
      int s = base + y * dy;
      for (int x = 0; x < outW; x++, s += dx) {
        int si = s << 2;
        out[o] = rgba[si];
        out[o + 1] = rgba[si + 1];
        out[o + 2] = rgba[si + 2];
        out[o + 3] = rgba[si + 3];
        o += 4;
      }
    }
    return out;
  }
}
