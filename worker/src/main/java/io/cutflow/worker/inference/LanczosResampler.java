package io.cutflow.worker.inference;

/**
 * Lanczos (a=3) resampling that reproduces Pillow's {@code Image.resize(size, LANCZOS)} on 8-bit
 * images bit for bit: the same support scaling when shrinking, the same coefficient rounding to
 * 22-bit fixed point, horizontal pass first over just the rows the vertical pass needs, and the
 * same clipping of the 8-bit intermediate. rembg resizes with Pillow on the way into the model and
 * on the way back out, so matching it here is what makes Cutflow's masks match rembg's.
 *
 * <p>Thread-safe and allocation-light: coefficient tables and each pass's ring of widened lines are
 * per call (they are small) and the only large allocations are the intermediate and output planes.
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

  /**
   * Horizontal pass over rows [firstRow, lastRow): each output column is a weighted sum of whole
   * source columns, like the vertical pass's rows ({@link SourceLines}), so the inner loop runs
   * down a column instead of over a handful of taps per pixel. Pillow's pixel-by-pixel loop spent
   * about 1 ns per tap here, its inner loop 7–9 taps long; this one, long and vectorised, brought
   * the mask's resize from 1024² back to 1000×667 from 10.5–11.2 to 4.6–5.4 ms and the photo's into
   * the model from 16.3–18.5 to 10.2–12.2 ms, both passes (a microbenchmark, docs/benchmarks.md,
   * "The resampler's horizontal pass by columns"). The same integer sums, so the same bytes.
   */
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
    SourceLines columns =
        new SourceLines(
            in, firstRow * width * inStride, inStride, width * inStride, rows, channels, c.ksize);
    int[] acc = new int[rows * channels];
    int outRow = outWidth * channels;
    for (int xx = 0; xx < outWidth; xx++) {
      columns.sum(c, xx, 0, acc);
      if (channels == 1) {
        for (int y = 0, o = xx; y < rows; y++, o += outRow) {
          out[o] = clip8(acc[y]);
        }
      } else {
        for (int y = 0, o = xx * 3, a = 0; y < rows; y++, o += outRow, a += 3) {
          out[o] = clip8(acc[a]);
          out[o + 1] = clip8(acc[a + 1]);
          out[o + 2] = clip8(acc[a + 2]);
        }
      }
    }
    return out;
  }

  /**
   * Vertical pass. {@code rowOffset} is the source row the input array starts at (the horizontal
   * pass may have produced only a band of rows), so bounds are shifted by it.
   *
   * <p>Each output row is a weighted sum of whole source rows ({@link SourceLines}): the resize of
   * a 1000×667 photo into the model took 15 ms instead of 22 (a microbenchmark, docs/benchmarks.md,
   * "The arena on by default"). Integer sums do not depend on their order, so this equals Pillow's
   * column-by-column loop exactly.
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
    int n = width * channels;
    int[] acc = new int[n];
    SourceLines rows = new SourceLines(in, 0, width * inStride, inStride, width, channels, c.ksize);
    for (int yy = 0; yy < outHeight; yy++) {
      rows.sum(c, yy, rowOffset, acc);
      int o = yy * n;
      for (int i = 0; i < n; i++) {
        out[o + i] = clip8(acc[i]);
      }
    }
    return out;
  }

  /**
   * The source lines (rows or columns) one pass sums, as ints, each widened from bytes once however
   * many output lines use it. An output line needs at most {@code ksize} consecutive source lines
   * and the windows only move forward, so a ring of {@code ksize} lines (slot = line mod ksize)
   * keeps every line its window needs (a line evicted anyway would only be widened again).
   */
  private static final class SourceLines {
    private final byte[] in;
    private final int first;
    private final int lineStep;
    private final int pixelStep;
    private final int pixels;
    private final int channels;
    private final int[][] slots;
    private final int[] held;

    /**
     * Line {@code i}'s pixel {@code p} starts at {@code first + i·lineStep + p·pixelStep}; each
     * line has {@code pixels} pixels of {@code channels} bytes.
     */
    SourceLines(
        byte[] in, int first, int lineStep, int pixelStep, int pixels, int channels, int ksize) {
      this.in = in;
      this.first = first;
      this.lineStep = lineStep;
      this.pixelStep = pixelStep;
      this.pixels = pixels;
      this.channels = channels;
      this.slots = new int[ksize][pixels * channels];
      this.held = new int[ksize];
      java.util.Arrays.fill(held, -1);
    }

    /** {@code acc} = Pillow's rounding half + output line {@code out}'s weighted source lines. */
    void sum(Coefficients c, int out, int lineOffset, int[] acc) {
      int min = c.bounds[out * 2] - lineOffset;
      int taps = c.bounds[out * 2 + 1];
      int kBase = out * c.ksize;
      java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
      for (int t = 0; t < taps; t++) {
        int k = c.kk[kBase + t];
        int[] line = get(min + t);
        for (int i = 0; i < acc.length; i++) {
          acc[i] += line[i] * k;
        }
      }
    }

    private int[] get(int i) {
      int slot = i % slots.length;
      int[] line = slots[slot];
      if (held[slot] != i) {
        held[slot] = i;
        int src = first + i * lineStep;
        if (channels == 1 && pixelStep == 1) {
          for (int p = 0; p < pixels; p++) {
            line[p] = in[src + p] & 0xFF;
          }
        } else if (channels == 1) {
          for (int p = 0; p < pixels; p++, src += pixelStep) {
            line[p] = in[src] & 0xFF;
          }
        } else {
          for (int p = 0, a = 0; p < pixels; p++, src += pixelStep, a += 3) {
            line[a] = in[src] & 0xFF;
            line[a + 1] = in[src + 1] & 0xFF;
            line[a + 2] = in[src + 2] & 0xFF;
          }
        }
      }
      return line;
    }
  }

  /**
   * Heap one pass holds besides its input and output, resampling {@code inLines} source lines (rows
   * for the vertical pass, columns for the horizontal one) to {@code outLines}, each of {@code
   * lineSamples} bytes: its ring of widened lines ({@link SourceLines}), one int line per tap of
   * the filter, and its int accumulator line.
   */
  static long ringBytes(long inLines, long outLines, long lineSamples) {
    return 4L * (Coefficients.taps((double) inLines / outLines) + 1) * lineSamples;
  }

  /**
   * Pillow's clip8: the 8-bit value of a fixed-point sum, 0..255 (branch-free, so it vectorises).
   */
  private static byte clip8(int v) {
    return (byte) (Math.min(Math.max(v, 0), (1 << PRECISION_BITS << 8) - 1) >> PRECISION_BITS);
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
