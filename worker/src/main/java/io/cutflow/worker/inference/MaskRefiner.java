package io.cutflow.worker.inference;

/**
 * rembg's {@code post_process} ("post-process mask"): morphological opening with OpenCV's 3×3
 * elliptical kernel (a cross), Gaussian blur 5×5 σ=2 with reflect-101 borders, threshold at 127.
 *
 * <p>OpenCV blurs 8-bit images in 16-bit fixed point; this blurs in float and rounds once. The two
 * can differ by one grey level before thresholding, which moves a pixel only when the blurred value
 * sits exactly at 126.5–127.5: a handful of edge pixels at most.
 */
public final class MaskRefiner {
  private static final float[] GAUSS_5_SIGMA_2 = gaussianKernel(5, 2.0);

  private MaskRefiner() {}

  public static byte[] refine(byte[] mask, int width, int height) {
    byte[] opened = dilateCross(erodeCross(mask, width, height), width, height);
    return blurAndThreshold(opened, width, height);
  }

  /**
   * Heap {@link #refine} holds at its peak besides its input, for {@code pixels} pixels: the opened
   * mask (the eroded one is garbage once it exists), the float horizontal pass and the result.
   */
  static long peakBytes(long pixels) {
    return pixels + 4 * pixels + pixels;
  }

  // Pixels outside the image are ignored, as OpenCV's default morphology border value does.
  static byte[] erodeCross(byte[] in, int w, int h) {
    return cross(in, w, h, true);
  }

  static byte[] dilateCross(byte[] in, int w, int h) {
    return cross(in, w, h, false);
  }

  private static byte[] cross(byte[] in, int w, int h, boolean min) {
    byte[] out = new byte[in.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        int v = in[i] & 0xFF;
        if (x > 0) {
          v = pick(v, in[i - 1] & 0xFF, min);
        }
        if (x < w - 1) {
          v = pick(v, in[i + 1] & 0xFF, min);
        }
        if (y > 0) {
          v = pick(v, in[i - w] & 0xFF, min);
        }
        if (y < h - 1) {
          v = pick(v, in[i + w] & 0xFF, min);
        }
        out[i] = (byte) v;
      }
    }
    return out;
  }

  private static int pick(int a, int b, boolean min) {
    return min ? Math.min(a, b) : Math.max(a, b);
  }

  private static byte[] blurAndThreshold(byte[] in, int w, int h) {
    float[] k = GAUSS_5_SIGMA_2;
    int r = k.length / 2;
    float[] tmp = new float[in.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        float s = 0;
        for (int j = -r; j <= r; j++) {
          s += k[j + r] * (in[y * w + reflect101(x + j, w)] & 0xFF);
        }
        tmp[y * w + x] = s;
      }
    }
    // The vertical pass thresholds as it goes: rounding once, as before, without a second float
    // plane (4 bytes a pixel) for the blurred result.
    byte[] out = new byte[in.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        float s = 0;
        for (int j = -r; j <= r; j++) {
          s += k[j + r] * tmp[reflect101(y + j, h) * w + x];
        }
        out[y * w + x] = (byte) (Math.round(s) < 127 ? 0 : 255);
      }
    }
    return out;
  }

  /** OpenCV BORDER_REFLECT_101: gfedcb|abcdefgh|gfedcba. */
  static int reflect101(int i, int n) {
    if (n == 1) {
      return 0;
    }
    while (i < 0 || i >= n) {
      i = i < 0 ? -i : 2 * (n - 1) - i;
    }
    return i;
  }

  /** cv::getGaussianKernel(n, sigma): exp(-(i-c)²/(2σ²)), normalised to sum 1. */
  static float[] gaussianKernel(int n, double sigma) {
    double[] k = new double[n];
    double sum = 0;
    double c = (n - 1) / 2.0;
    for (int i = 0; i < n; i++) {
      k[i] = Math.exp(-(i - c) * (i - c) / (2 * sigma * sigma));
      sum += k[i];
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (k[i] / sum);
    }
    return out;
  }
}
