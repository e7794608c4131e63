package io.cutflow.worker.matting;

import java.util.Random;

/** Small test images for matting: RGBA bytes, trimaps, and a composite with a known alpha. */
final class MattingImages {
  private MattingImages() {}

  static byte[] randomRgba(int w, int h, long seed) {
    Random r = new Random(seed);
    byte[] rgba = new byte[4 * w * h];
    r.nextBytes(rgba);
    return rgba;
  }

  /** Flat areas (singular window covariances: ε matters), a hard edge and a gentle ramp. */
  static byte[] structuredRgba(int w, int h) {
    byte[] rgba = new byte[4 * w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = 4 * (y * w + x);
        boolean left = x < w / 2;
        rgba[p] = (byte) (left ? 200 : 30);
        rgba[p + 1] = (byte) (left ? 40 : 30 + 3 * y);
        rgba[p + 2] = (byte) (y < h / 2 ? 90 : 90 + x);
        rgba[p + 3] = (byte) 255;
      }
    }
    return rgba;
  }

  /** A trimap with about a third of each kind, in blobs, never all known. */
  static byte[] randomTrimap(int w, int h, long seed) {
    Random r = new Random(seed);
    byte[] t = new byte[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int k = ((x / 2) * 7 + (y / 2) * 13 + r.nextInt(3)) % 3;
        t[y * w + x] =
            (byte) (k == 0 ? Trimap.BACKGROUND : k == 1 ? Trimap.FOREGROUND : Trimap.UNKNOWN);
      }
    }
    t[(h / 2) * w + w / 2] = (byte) Trimap.UNKNOWN;
    return t;
  }

  static byte[] allUnknown(int w, int h) {
    byte[] t = new byte[w * h];
    java.util.Arrays.fill(t, (byte) Trimap.UNKNOWN);
    return t;
  }

  /**
   * A textured foreground over a textured background with a feathered, hair-like alpha: a disc
   * whose edge carries thin strands, feathered over a few pixels. {@code alpha} receives the true
   * alpha (0..1); returns the RGBA composite (8-bit, opaque).
   */
  static byte[] hairyComposite(int w, int h, double[] alpha, long seed) {
    Random noise = new Random(seed);
    byte[] rgba = new byte[4 * w * h];
    double cx = w / 2.0;
    double cy = h / 2.0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double r = Math.hypot(x - cx, y - cy);
        double strands = 3.0 * Math.sin(Math.atan2(y - cy, x - cx) * 11);
        double a = Math.max(0, Math.min(1, (h * 0.34 + strands - r) / 6.0 + 0.5));
        alpha[y * w + x] = a;
        double[] fg = {
          0.75 + 0.2 * Math.sin(x / 3.0),
          0.35 + 0.2 * Math.cos(y / 4.0),
          0.2 + 0.1 * Math.sin((x + y) / 5.0)
        };
        double[] bg = {
          0.15 + 0.1 * Math.cos(x / 7.0),
          0.45 + 0.25 * Math.sin(y / 6.0),
          0.8 - 0.2 * Math.sin((x - y) / 9.0)
        };
        int p = 4 * (y * w + x);
        for (int c = 0; c < 3; c++) {
          double v = a * fg[c] + (1 - a) * bg[c];
          rgba[p + c] =
              (byte) Math.max(0, Math.min(255, Math.round(v * 255 + noise.nextGaussian())));
        }
        rgba[p + 3] = (byte) 255;
      }
    }
    return rgba;
  }
}
