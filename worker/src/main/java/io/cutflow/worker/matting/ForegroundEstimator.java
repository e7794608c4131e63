package io.cutflow.worker.matting;

/**
 * Foreground colours for an alpha matte by multilevel estimation (Germer et al. 2020), as
 * pymatting's {@code estimate_foreground_ml} with its defaults: per level, Gauss-Seidel sweeps of
 * the 2×2 system per pixel and channel that asks F·α + B·(1−α) = I, with neighbour smoothness
 * weighted by {@code regularization + gradientWeight·|Δα|}; levels of size round(w<sup>l/n</sup>) ×
 * round(h<sup>l/n</sup>) with nearest-neighbour resampling, starting from the mean colours of α
 * &gt; 0.9 and α &lt; 0.1; 10 sweeps while both sides are at most 32, else 2.
 *
 * <p>Bounded memory: the pyramid is built over the unknown band's box, not the whole image, and the
 * finest level (the box at full size) keeps F and B only for the unknown pixels; their known
 * neighbours keep the values the level started from (the next-coarser level's). Known pixels are
 * not estimated at all: their alpha is 0 or 1, so their colour is the image's (α = 1) or invisible
 * (α = 0). Away from the unknown pixels this differs from pymatting, which sweeps every pixel of
 * the whole image; inside them it is the same method on the same data.
 */
public final class ForegroundEstimator {
  public static final double REGULARIZATION = 1e-5;
  public static final int SMALL_ITERATIONS = 10;
  public static final int BIG_ITERATIONS = 2;
  public static final int SMALL_SIZE = 32;
  public static final double GRADIENT_WEIGHT = 1.0;

  private static final int[] DX = {-1, 1, 0, 0};
  private static final int[] DY = {0, 0, -1, 1};

  private final UnknownBand band;
  private final byte[] rgba;
  private final byte[] trimap;
  private final float[] alpha;

  /**
   * @param trimap the whole image's trimap ({@link Trimap})
   * @param alpha the solved alpha of each unknown pixel of {@code band} (clipped to 0..1)
   */
  public ForegroundEstimator(UnknownBand band, byte[] rgba, byte[] trimap, float[] alpha) {
    this.band = band;
    this.rgba = rgba;
    this.trimap = trimap;
    this.alpha = alpha;
  }

  /** Foreground RGB (0..1) of each unknown pixel, three floats per pixel in band order. */
  public float[] estimate() {
    int w0 = band.width;
    int h0 = band.height;
    float[] fMean = new float[3];
    float[] bMean = new float[3];
    meanColours(fMean, bMean);
    int levels = (int) Math.ceil(Math.log(Math.max(w0, h0)) / Math.log(2));
    float[] f = fMean.clone();
    float[] b = bMean.clone();
    int wp = 1;
    int hp = 1;
    for (int level = 0; level < levels; level++) {
      int w = (int) Math.rint(Math.pow(w0, (double) level / levels));
      int h = (int) Math.rint(Math.pow(h0, (double) level / levels));
      // one side at a time: the previous level's F is garbage before B is resized
      float[] fl = resize(f, wp, hp, w, h);
      f = null;
      float[] bl = resize(b, wp, hp, w, h);
      b = null;
      int iterations = w <= SMALL_SIZE && h <= SMALL_SIZE ? SMALL_ITERATIONS : BIG_ITERATIONS;
      sweepLevel(fl, bl, w, h, iterations);
      f = fl;
      b = bl;
      wp = w;
      hp = h;
    }
    return finest(
        f, b, wp, hp, w0 <= SMALL_SIZE && h0 <= SMALL_SIZE ? SMALL_ITERATIONS : BIG_ITERATIONS);
  }

  /** Box index → alpha: unknown pixels solved, known ones 0 or 1. */
  private double alphaAt(int b) {
    int id = band.ids[b];
    return id >= 0 ? alpha[id] : id == UnknownBand.KNOWN_FOREGROUND ? 1.0 : 0.0;
  }

  private double colour(int b, int c) {
    return (rgba[4 * band.imageIndex(b) + c] & 0xFF) / 255.0;
  }

  /** Mean colours of α &gt; 0.9 and α &lt; 0.1 over the whole image, as pymatting's. */
  private void meanColours(float[] fMean, float[] bMean) {
    double[] fs = new double[3];
    double[] bs = new double[3];
    long fn = 0;
    long bn = 0;
    int w = band.imageWidth;
    for (int i = 0, n = trimap.length; i < n; i++) {
      int t = trimap[i] & 0xFF;
      double a;
      if (t == Trimap.UNKNOWN) {
        int x = i % w - band.x0;
        int y = i / w - band.y0;
        a = alpha[band.ids[y * band.width + x]];
      } else {
        a = t == Trimap.FOREGROUND ? 1.0 : 0.0;
      }
      if (a > 0.9) {
        for (int c = 0; c < 3; c++) {
          fs[c] += (rgba[4 * i + c] & 0xFF) / 255.0;
        }
        fn++;
      }
      if (a < 0.1) {
        for (int c = 0; c < 3; c++) {
          bs[c] += (rgba[4 * i + c] & 0xFF) / 255.0;
        }
        bn++;
      }
    }
    for (int c = 0; c < 3; c++) {
      fMean[c] = (float) (fs[c] / (fn + 1e-5));
      bMean[c] = (float) (bs[c] / (bn + 1e-5));
    }
  }

  private static float[] resize(float[] src, int ws, int hs, int w, int h) {
    float[] dst = new float[w * h * 3];
    for (int y = 0; y < h; y++) {
      int ys = Math.min(hs - 1, (int) ((long) y * hs / h));
      for (int x = 0; x < w; x++) {
        int xs = Math.min(ws - 1, (int) ((long) x * ws / w));
        System.arraycopy(src, 3 * (ys * ws + xs), dst, 3 * (y * w + x), 3);
      }
    }
    return dst;
  }

  /** For each level coordinate, the box coordinate of its nearest-neighbour sample. */
  private static int[] samples(int levelSize, int boxSize) {
    int[] s = new int[levelSize];
    for (int i = 0; i < levelSize; i++) {
      s[i] = Math.min(boxSize - 1, (int) ((long) i * boxSize / levelSize));
    }
    return s;
  }

  // The level's image and alpha are read through the sample tables, not copied: at the
  // second-finest level a copy would cost 16 bytes per sample.
  private void sweepLevel(float[] f, float[] b, int w, int h, int iterations) {
    int[] sx = samples(w, band.width);
    int[] sy = samples(h, band.height);
    double[] rhs = new double[6];
    for (int it = 0; it < iterations; it++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int i = y * w + x;
          int s = sy[y] * band.width + sx[x];
          double a0 = alphaAt(s);
          double a1 = 1.0 - a0;
          double a00 = a0 * a0;
          double a01 = a0 * a1;
          double a11 = a1 * a1;
          for (int c = 0; c < 3; c++) {
            double v = colour(s, c);
            rhs[c] = a0 * v;
            rhs[3 + c] = a1 * v;
          }
          for (int d = 0; d < 4; d++) {
            int x2 = Math.max(0, Math.min(w - 1, x + DX[d]));
            int y2 = Math.max(0, Math.min(h - 1, y + DY[d]));
            int j = y2 * w + x2;
            double da =
                REGULARIZATION
                    + GRADIENT_WEIGHT * Math.abs(a0 - alphaAt(sy[y2] * band.width + sx[x2]));
            a00 += da;
            a11 += da;
            for (int c = 0; c < 3; c++) {
              rhs[c] += da * f[3 * j + c];
              rhs[3 + c] += da * b[3 * j + c];
            }
          }
          solve(a00, a01, a11, rhs, f, b, 3 * i);
        }
      }
    }
  }

  /** The 2×2 solve of one pixel, clipped to 0..1, into f and b at {@code o}. */
  private static void solve(
      double a00, double a01, double a11, double[] rhs, float[] f, float[] b, int o) {
    double inv = 1.0 / (a00 * a11 - a01 * a01);
    double b00 = inv * a11;
    double b01 = inv * -a01;
    double b11 = inv * a00;
    for (int c = 0; c < 3; c++) {
      double fc = b00 * rhs[c] + b01 * rhs[3 + c];
      double bc = b01 * rhs[c] + b11 * rhs[3 + c];
      f[o + c] = (float) Math.max(0.0, Math.min(1.0, fc));
      b[o + c] = (float) Math.max(0.0, Math.min(1.0, bc));
    }
  }

  /** The full-size level over the unknown pixels only; returns their F. */
  private float[] finest(float[] fPrev, float[] bPrev, int wp, int hp, int iterations) {
    int w = band.width;
    int h = band.height;
    int n = band.size();
    float[] f = new float[3 * n];
    float[] b = new float[3 * n];
    for (int id = 0; id < n; id++) {
      int p = band.positions[id];
      int prev = coarse(p % w, p / w, w, h, wp, hp);
      System.arraycopy(fPrev, prev, f, 3 * id, 3);
      System.arraycopy(bPrev, prev, b, 3 * id, 3);
    }
    double[] rhs = new double[6];
    for (int it = 0; it < iterations; it++) {
      for (int id = 0; id < n; id++) {
        int p = band.positions[id];
        int x = p % w;
        int y = p / w;
        double a0 = alpha[id];
        double a1 = 1.0 - a0;
        double a00 = a0 * a0;
        double a01 = a0 * a1;
        double a11 = a1 * a1;
        for (int c = 0; c < 3; c++) {
          double v = colour(p, c);
          rhs[c] = a0 * v;
          rhs[3 + c] = a1 * v;
        }
        for (int d = 0; d < 4; d++) {
          int x2 = Math.max(0, Math.min(w - 1, x + DX[d]));
          int y2 = Math.max(0, Math.min(h - 1, y + DY[d]));
          int q = y2 * w + x2;
          double da = REGULARIZATION + GRADIENT_WEIGHT * Math.abs(a0 - alphaAt(q));
          a00 += da;
          a11 += da;
          int nid = band.ids[q];
          float[] fn = nid >= 0 ? f : fPrev;
          float[] bn = nid >= 0 ? b : bPrev;
          int o = nid >= 0 ? 3 * nid : coarse(x2, y2, w, h, wp, hp);
          for (int c = 0; c < 3; c++) {
            rhs[c] += da * fn[o + c];
            rhs[3 + c] += da * bn[o + c];
          }
        }
        solve(a00, a01, a11, rhs, f, b, 3 * id);
      }
    }
    return f;
  }

  /** Offset in the coarser level's arrays of the nearest sample for full-size pixel (x, y). */
  private static int coarse(int x, int y, int w, int h, int wp, int hp) {
    int xs = Math.min(wp - 1, (int) ((long) x * wp / w));
    int ys = Math.min(hp - 1, (int) ((long) y * hp / h));
    return 3 * (ys * wp + xs);
  }

  /** Heap bytes at the peak for a box of {@code boxPixels} and {@code unknown} pixels. */
  static long bytes(long boxPixels, long unknown) {
    // the second-finest level is a quarter of the box or a little more: F and B (3 floats each),
    // while the
    // level below it is still held (a sixteenth); then F and B of the unknowns
    return boxPixels * 24 / 3 + boxPixels * 24 / 12 + 24 * unknown;
  }
}
