package io.cutflow.worker.inference;

/**
 * Lanczos (a=3) resampling that reproduces Pillow's {@code Image.resize(size, LANCZOS)} on 8-bit
 * images bit for bit: the same support scaling when shrinking, the same coefficient rounding to
 * 22-bit fixed point, horizontal pass first over just the rows the vertical pass needs, and the
 * same clipping of the 8-bit intermediate. rembg resizes with Pillow on the way into the model and
 * on the way back out, so matching it here is what makes Cutflow's masks match rembg's.
 *
 * <p>Thread-safe and allocation-light: coefficient tables and the vertical pass's ring of widened
 * rows are per call (they are small) and the only large allocations are the intermediate and output
 * planes.
 */
public final class LanczosResampler {
  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final double SUPPORT = 3.0;

  private LanczosResampler() {}

  /**
   * Resizes the RGB channels of an interleaved RGBA image; returns interleaved RGB (3 bytes/px).
   */
  public static byte[] resizeRgbFromRgba(
      byte[] rgba, int width, int height, int outWidth, int outHeight) {
    return resize(rgba, 4, 3, width, height, outWidth, outHeight);
  }

  /** Resizes a single-channel 8-bit image (a mask). */
  public static byte[] resizeGray(byte[] gray, int width, int height, int outWidth, int outHeight) {
    return resize(gray, 1, 1, width, height, outWidth, outHeight);
  }

  /**
   * @param inStride bytes per input pixel (4 for RGBA, 1 for gray)
   * @param channels channels to resample and to write per output pixel (3 for RGB, 1 for gray)
   */
  static byte[] resize(
      byte[] in, int inStride, int channels, int width, int height, int outWidth, int outHeight) {
    Coefficients horiz = Coefficients.lanczos(width, outWidth);
    Coefficients vert = Coefficients.lanczos(height, outHeight);
    boolean needHorizontal = outWidth != width;
    boolean needVertical = outHeight != height;

    if (!needHorizontal && !needVertical) {
      return copyChannels(in, inStride, channels, width * height);
    }
    if (!needHorizontal) {
      return vertical(in, inStride, channels, width, vert, 0, outHeight);
    }
    // Only rows [first, last) of the source feed the vertical pass: resample just those.
    int first = vert.bounds[0];
    int last = vert.bounds[(outHeight - 1) * 2] + vert.bounds[(outHeight - 1) * 2 + 1];
    if (!needVertical) {
      first = 0;
      last = height;
    }
    byte[] temp = horizontal(in, inStride, channels, width, first, last, horiz, outWidth);
    if (!needVertical) {
      return temp;
    }
    return vertical(temp, channels, channels, outWidth, vert, first, outHeight);
  }

  private static byte[] horizontal(
      byte[] in,
      int inStride,
      int channels,
      int width,
      int firstRow,
      int lastRow,
      Coefficients c,
      int outWidth) {
    int rows = lastRow - firstRow;
    byte[] out = new byte[rows * outWidth * channels];
    int ksize = c.ksize;
    int[] kk = c.kk;
    int[] bounds = c.bounds;
    int half = 1 << (PRECISION_BITS - 1);
    for (int y = 0; y < rows; y++) {
      int rowBase = (y + firstRow) * width * inStride;
      int outBase = y * outWidth * channels;
      for (int xx = 0; xx < outWidth; xx++) {
        int xmin = bounds[xx * 2];
        int xmax = bounds[xx * 2 + 1];
        int kBase = xx * ksize;
        int src = rowBase + xmin * inStride;
        if (channels == 1) {
          int s0 = half;
          for (int x = 0; x < xmax; x++) {
            s0 += (in[src + x * inStride] & 0xFF) * kk[kBase + x];
          }
          out[outBase + xx] = clip8(s0);
        } else {
          int s0 = half, s1 = half, s2 = half;
          for (int x = 0; x < xmax; x++) {
            int k = kk[kBase + x];
            int p = src + x * inStride;
            s0 += (in[p] & 0xFF) * k;
            s1 += (in[p + 1] & 0xFF) * k;
            s2 += (in[p + 2] & 0xFF) * k;
          }
          int o = outBase + xx * 3;
          out[o] = clip8(s0);
          out[o + 1] = clip8(s1);
          out[o + 2] = clip8(s2);
        }
      }
    }
    return out;
  }

  /**
   * Vertical pass. {@code rowOffset} is the source row the input array starts at (the horizontal
   * pass may have produced only a band of rows), so bounds are shifted by it.
   *
   * <p>Each output row is a weighted sum of whole source rows, accumulated row by row over int
   * copies of those rows ({@link SourceRows}), each widened from bytes once instead of once per
   * output row that uses it: the resize of a 1000×667 photo into the model took 15 ms instead of 22
   * (a microbenchmark, docs/benchmarks.md, "The arena on by default"); the two resizes were two
   * thirds of a worker's Java samples per photo. Integer sums do not depend on their order, so this
   * equals Pillow's column-by-column loop exactly.
   */
  private static byte[] vertical(
      byte[] in,
      int inStride,
      int channels,
      int width,
      Coefficients c,
      int rowOffset,
      int outHeight) {
    byte[] out = new byte[outHeight * width * channels];
    int ksize = c.ksize;
    int[] kk = c.kk;
    int[] bounds = c.bounds;
    int half = 1 << (PRECISION_BITS - 1);
    int n = width * channels;
    int[] acc = new int[n];
    SourceRows rows = new SourceRows(in, inStride, channels, width, ksize);
    for (int yy = 0; yy < outHeight; yy++) {
      int ymin = bounds[yy * 2] - rowOffset;
      int ymax = bounds[yy * 2 + 1];
      int kBase = yy * ksize;
      java.util.Arrays.fill(acc, half);
      for (int y = 0; y < ymax; y++) {
        int k = kk[kBase + y];
        int[] row = rows.get(ymin + y);
        for (int i = 0; i < n; i++) {
          acc[i] += row[i] * k;
        }
      }
      int o = yy * n;
      for (int i = 0; i < n; i++) {
        out[o + i] = clip8(acc[i]);
      }
    }
    return out;
  }

  /**
   * The source rows of the vertical pass as ints, each widened once however many output rows use
   * it. An output row needs at most {@code ksize} consecutive rows and the windows only move down,
   * so a ring of {@code ksize} rows (slot = row mod ksize) keeps every row its window needs (a row
   * evicted anyway would only be widened again).
   */
  private static final class SourceRows {
    private final byte[] in;
    private final int inStride;
    private final int channels;
    private final int width;
    private final int[][] slots;
    private final int[] held;

    SourceRows(byte[] in, int inStride, int channels, int width, int ksize) {
      this.in = in;
      this.inStride = inStride;
      this.channels = channels;
      this.width = width;
      this.slots = new int[ksize][width * channels];
      this.held = new int[ksize];
      java.util.Arrays.fill(held, -1);
    }

    int[] get(int y) {
      int slot = y % slots.length;
      int[] row = slots[slot];
      if (held[slot] != y) {
        held[slot] = y;
        int src = y * width * inStride;
        if (inStride == channels) {
          for (int i = 0; i < row.length; i++) {
            row[i] = in[src + i] & 0xFF;
          }
        } else {
          for (int x = 0, a = 0; x < width; x++) {
            int p = src + x * inStride;
            for (int ch = 0; ch < channels; ch++) {
              row[a++] = in[p + ch] & 0xFF;
            }
          }
        }
      }
      return row;
    }
  }

  /**
   * Heap the vertical pass from {@code inRows} to {@code outRows} rows of {@code samples} bytes
   * holds besides its input and output: its ring of widened rows ({@link SourceRows}), one int row
   * per tap of the filter.
   */
  static long verticalRingBytes(long inRows, long outRows, long samples) {
    return 4L * Coefficients.taps((double) inRows / outRows) * samples;
  }

  private static byte clip8(int v) {
    if (v >= (1 << PRECISION_BITS << 8)) {
      return (byte) 255;
    }
    if (v <= 0) {
      return 0;
    }
    return (byte) (v >> PRECISION_BITS);
  }

  private static byte[] copyChannels(byte[] in, int inStride, int channels, int pixels) {
    if (inStride == channels) {
      return in.clone();
    }
    byte[] out = new byte[pixels * channels];
    for (int i = 0; i < pixels; i++) {
      System.arraycopy(in, i * inStride, out, i * channels, channels);
    }
    return out;
  }

  static double lanczos(double x) {
    if (-SUPPORT <= x && x < SUPPORT) {
      return sinc(x) * sinc(x / 3);
    }
    return 0.0;
  }

  private static double sinc(double x) {
    if (x == 0.0) {
      return 1.0;
    }
    x = x * Math.PI;
    return Math.sin(x) / x;
  }

  /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis. */
  static final class Coefficients {
    final int ksize;

    /** Pairs (first source index, number of taps) per output index. */
    final int[] bounds;

    /** Fixed-point weights, {@code ksize} per output index. */
    final int[] kk;

    /** The same weights before fixed-point rounding (for tests). */
    final double[] weights;

    private Coefficients(int ksize, int[] bounds, int[] kk, double[] weights) {
      this.ksize = ksize;
      this.bounds = bounds;
      this.kk = kk;
      this.weights = weights;
    }

    /** Taps per output sample at {@code scale} = in / out: the support widens when shrinking. */
    static int taps(double scale) {
      return (int) Math.ceil(SUPPORT * Math.max(scale, 1.0)) * 2 + 1;
    }

    static Coefficients lanczos(int inSize, int outSize) {
      double scale = (double) inSize / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = SUPPORT * filterScale;
      int ksize = taps(scale);
      double[] weights = new double[outSize * ksize];
      int[] bounds = new int[outSize * 2];
      double ss = 1.0 / filterScale;
      for (int xx = 0; xx < outSize; xx++) {
        double center = (xx + 0.5) * scale;
        int xmin = (int) (center - support + 0.5);
        if (xmin < 0) {
          xmin = 0;
        }
        int xmax = (int) (center + support + 0.5);
        if (xmax > inSize) {
          xmax = inSize;
        }
        xmax -= xmin;
        int base = xx * ksize;
        double ww = 0.0;
        for (int x = 0; x < xmax; x++) {
          double w = LanczosResampler.lanczos((x + xmin - center + 0.5) * ss);
          weights[base + x] = w;
          ww += w;
        }
        if (ww != 0.0) {
          for (int x = 0; x < xmax; x++) {
            weights[base + x] /= ww;
          }
        }
        bounds[xx * 2] = xmin;
        bounds[xx * 2 + 1] = xmax;
      }
      int[] kk = new int[weights.length];
      for (int i = 0; i < weights.length; i++) {
        double w = weights[i] * (1 << PRECISION_BITS);
        kk[i] = (int) (weights[i] < 0 ? -0.5 + w : 0.5 + w);
      }
      return new Coefficients(ksize, bounds, kk, weights);
    }
  }
}
