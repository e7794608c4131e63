package io.cutflow.worker.inference;

/**
 * How closely two alpha masks agree: IoU of their foregrounds (alpha &gt; 127) and mean absolute
 * alpha difference. The quality bar against rembg's own output is IoU ≥ 0.98 and mean ≤ 2/255.
 */
public record MaskAgreement(double iou, double meanAbsDiff, long pixels) {

  /** Compares two masks of equal size, one byte per pixel. */
  public static MaskAgreement of(byte[] a, byte[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "masks differ in size: " + a.length + " vs " + b.length + " pixels");
    }
    long inter = 0;
    long union = 0;
    long diff = 0;
    for (int i = 0; i < a.length; i++) {
      int x = a[i] & 0xFF;
      int y = b[i] & 0xFF;
      boolean fx = x > 127;
      boolean fy = y > 127;
      if (fx && fy) {
        inter++;
      }
      if (fx || fy) {
        union++;
      }
      diff += Math.abs(x - y);
    }
    double iou = union == 0 ? 1.0 : (double) inter / union;
    return new MaskAgreement(iou, (double) diff / a.length, a.length);
  }

  /** The alpha channel of interleaved RGBA bytes. */
  public static byte[] alphaOf(byte[] rgba) {
    byte[] alpha = new byte[rgba.length / 4];
    for (int i = 0; i < alpha.length; i++) {
      alpha[i] = rgba[i * 4 + 3];
    }
    return alpha;
  }

  /**
   * The alpha channel of any decoded image, one byte per pixel (255 throughout where it has none).
   */
  public static byte[] alphaOf(java.awt.image.BufferedImage img) {
    byte[] a = new byte[img.getWidth() * img.getHeight()];
    for (int y = 0, i = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++, i++) {
        a[i] = (byte) (img.getRGB(x, y) >>> 24);
      }
    }
    return a;
  }

  public boolean meets(double minIou, double maxMeanAbs) {
    return iou >= minIou && meanAbsDiff <= maxMeanAbs;
  }

  @Override
  public String toString() {
    return String.format("IoU(alpha>127)=%.4f mean|Δalpha|=%.3f/255", iou, meanAbsDiff);
  }
}
