package io.cutflow.worker.matting;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The closed-form matting Laplacian (Levin, Lischinski &amp; Weiss 2008) restricted to the unknown
 * pixels, applied without storing it. For a 3×3 window k with colour mean μ and covariance Σ, and M
 * = (Σ + ε/9·I)⁻¹, the window adds to L<sub>ij</sub> (i, j in k): δ<sub>ij</sub> − (1 + (I<sub>i
 * </sub>−μ)ᵀ M (I<sub>j</sub>−μ)) / 9. Applying it to x within the window is therefore {@code x_i −
 * (s + c_iᵀ M v) / 9} with s = Σx<sub>j</sub> and v = Σ c<sub>j</sub> x<sub>j</sub>: nine doubles
 * per window (μ and M) instead of 81 matrix entries.
 *
 * <p>As pymatting's {@code cf_laplacian}: ε = 1e-7 added to the summed covariance before dividing
 * by the window's 9 pixels, windows only where they fit inside the image, and windows whose pixels
 * are all known skipped (they touch no unknown pixel, so no row of the system). Colours are the
 * image's 8-bit RGB over 255.
 *
 * <p>Rows are the unknown pixels of an {@link UnknownBand}; known pixels are fixed (foreground 1,
 * background 0), so the system is L<sub>UU</sub> x = −L<sub>UK</sub> x<sub>K</sub>. Applying is
 * parallel over stripes of window rows: windows in stripes two apart never write the same row, so
 * even stripes run at once, then odd ones, without locks.
 */
public final class MattingLaplacian {
  public static final double EPSILON = 1e-7;
  private static final int AREA = 9;
  private static final int DOUBLES_PER_WINDOW = 9;

  private final UnknownBand band;
  private final byte[] rgba;

  /** Box index of each window's centre, in row order. */
  private final int[] centres;

  /** Per window: μ (3), then M's m00 m01 m02 m11 m12 m22. */
  private final double[] data;

  /** Window number where each stripe starts; the last entry is the window count. */
  private final int[] stripes;

  private MattingLaplacian(UnknownBand band, byte[] rgba, int[] centres, double[] data, int rows) {
    this.band = band;
    this.rgba = rgba;
    this.centres = centres;
    this.data = data;
    this.stripes = stripes(centres, band.width, rows);
  }

  /** The Laplacian of the RGBA image {@code rgba} over {@code band}. */
  public static MattingLaplacian of(UnknownBand band, byte[] rgba) {
    int bw = band.width;
    int bh = band.height;
    int[] ids = band.ids;
    int[] centres = new int[Math.max(16, band.size() * 2)];
    int n = 0;
    for (int cy = 0; cy < bh; cy++) {
      int iy = band.y0 + cy;
      if (iy < 1 || iy > band.imageHeight - 2) {
        continue;
      }
      for (int cx = 0; cx < bw; cx++) {
        int ix = band.x0 + cx;
        if (ix < 1 || ix > band.imageWidth - 2 || cx < 1 || cy < 1 || cx > bw - 2 || cy > bh - 2) {
          continue; // a window must fit in the image; one that leaves the box holds no unknown
        }
        boolean touches = false;
        for (int dy = -1; dy <= 1 && !touches; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            if (ids[(cy + dy) * bw + cx + dx] >= 0) {
              touches = true;
              break;
            }
          }
        }
        if (touches) {
          if (n == centres.length) {
            centres = Arrays.copyOf(centres, n * 2);
          }
          centres[n++] = cy * bw + cx;
        }
      }
    }
    centres = Arrays.copyOf(centres, n);
    double[] data = new double[n * DOUBLES_PER_WINDOW];
    int[] ws = centres;
    IntStream.range(0, n).parallel().forEach(k -> window(band, rgba, ws[k], data, k));
    return new MattingLaplacian(band, rgba, centres, data, bh);
  }

  /** Mean and inverse regularised covariance of the window centred at box index {@code c}. */
  private static void window(UnknownBand band, byte[] rgba, int c, double[] data, int k) {
    double[] col = new double[AREA * 3];
    colours(band, rgba, c, col);
    double m0 = 0;
    double m1 = 0;
    double m2 = 0;
    for (int j = 0; j < AREA; j++) {
      m0 += col[3 * j];
      m1 += col[3 * j + 1];
      m2 += col[3 * j + 2];
    }
    m0 /= AREA;
    m1 /= AREA;
    m2 /= AREA;
    double a00 = EPSILON;
    double a01 = 0;
    double a02 = 0;
    double a11 = EPSILON;
    double a12 = 0;
    double a22 = EPSILON;
    for (int j = 0; j < AREA; j++) {
      double r = col[3 * j] - m0;
      double g = col[3 * j + 1] - m1;
      double b = col[3 * j + 2] - m2;
      a00 += r * r;
      a01 += r * g;
      a02 += r * b;
      a11 += g * g;
      a12 += g * b;
      a22 += b * b;
    }
    a00 /= AREA;
    a01 /= AREA;
    a02 /= AREA;
    a11 /= AREA;
    a12 /= AREA;
    a22 /= AREA;
    // the inverse of a symmetric 3×3 by cofactors
    double c00 = a11 * a22 - a12 * a12;
    double c01 = a02 * a12 - a01 * a22;
    double c02 = a01 * a12 - a02 * a11;
    double det = a00 * c00 + a01 * c01 + a02 * c02;
    double inv = 1.0 / det;
    int o = k * DOUBLES_PER_WINDOW;
    data[o] = m0;
    data[o + 1] = m1;
    data[o + 2] = m2;
    data[o + 3] = c00 * inv;
    data[o + 4] = c01 * inv;
    data[o + 5] = c02 * inv;
    data[o + 6] = (a00 * a22 - a02 * a02) * inv;
    data[o + 7] = (a01 * a02 - a00 * a12) * inv;
    data[o + 8] = (a00 * a11 - a01 * a01) * inv;
  }

  /** The nine RGB colours (0..1) of the window centred at box index {@code c}, row by row. */
  private static void colours(UnknownBand band, byte[] rgba, int c, double[] col) {
    int cx = c % band.width;
    int cy = c / band.width;
    int j = 0;
    for (int dy = -1; dy <= 1; dy++) {
      int row = (band.y0 + cy + dy) * band.imageWidth + band.x0 + cx;
      for (int dx = -1; dx <= 1; dx++) {
        int p = 4 * (row + dx);
        col[3 * j] = (rgba[p] & 0xFF) / 255.0;
        col[3 * j + 1] = (rgba[p + 1] & 0xFF) / 255.0;
        col[3 * j + 2] = (rgba[p + 2] & 0xFF) / 255.0;
        j++;
      }
    }
  }

  private static int[] stripes(int[] centres, int bw, int rows) {
    int parts = Math.max(1, Runtime.getRuntime().availableProcessors() * 8);
    int height = Math.max(2, (rows + parts - 1) / parts);
    int count = (rows + height - 1) / height;
    int[] starts = new int[count + 1];
    int k = 0;
    for (int s = 0; s <= count; s++) {
      int firstRow = s * height;
      while (k < centres.length && centres[k] / bw < firstRow) {
        k++;
      }
      starts[s] = k;
    }
    starts[count] = centres.length;
    return starts;
  }

  public UnknownBand band() {
    return band;
  }

  /** Number of windows that touch an unknown pixel. */
  public int windows() {
    return centres.length;
  }

  /** y = L<sub>UU</sub> x (x and y over the unknown pixels). */
  public void apply(double[] x, double[] y) {
    apply(x, 0.0, y);
  }

  /** The right-hand side −L<sub>UK</sub> x<sub>K</sub>, known foreground 1 and background 0. */
  public double[] rightHandSide() {
    double[] b = new double[band.size()];
    apply(new double[band.size()], 1.0, b);
    for (int i = 0; i < b.length; i++) {
      b[i] = -b[i];
    }
    return b;
  }

  /**
   * y = L<sub>U·</sub> [x; known]: unknown pixels take x, known foreground {@code foreground},
   * known background 0.
   */
  void apply(double[] x, double foreground, double[] y) {
    Arrays.fill(y, 0.0);
    for (int parity = 0; parity < 2; parity++) {
      int first = parity;
      IntStream.range(0, (stripes.length - 1 - first + 1) / 2)
          .parallel()
          .forEach(
              s -> {
                int stripe = first + 2 * s;
                double[] col = new double[AREA * 3];
                double[] xs = new double[AREA];
                for (int k = stripes[stripe]; k < stripes[stripe + 1]; k++) {
                  applyWindow(k, x, foreground, y, col, xs);
                }
              });
    }
  }

  private void applyWindow(int k, double[] x, double fg, double[] y, double[] col, double[] xs) {
    int c = centres[k];
    int bw = band.width;
    int[] ids = band.ids;
    colours(band, rgba, c, col);
    int o = k * DOUBLES_PER_WINDOW;
    double mu0 = data[o];
    double mu1 = data[o + 1];
    double mu2 = data[o + 2];
    double s = 0;
    double v0 = 0;
    double v1 = 0;
    double v2 = 0;
    int j = 0;
    for (int dy = -1; dy <= 1; dy++) {
      for (int dx = -1; dx <= 1; dx++, j++) {
        int id = ids[c + dy * bw + dx];
        double xv = id >= 0 ? x[id] : id == UnknownBand.KNOWN_FOREGROUND ? fg : 0.0;
        xs[j] = xv;
        col[3 * j] -= mu0;
        col[3 * j + 1] -= mu1;
        col[3 * j + 2] -= mu2;
        s += xv;
        v0 += col[3 * j] * xv;
        v1 += col[3 * j + 1] * xv;
        v2 += col[3 * j + 2] * xv;
      }
    }
    double w0 = data[o + 3] * v0 + data[o + 4] * v1 + data[o + 5] * v2;
    double w1 = data[o + 4] * v0 + data[o + 6] * v1 + data[o + 7] * v2;
    double w2 = data[o + 5] * v0 + data[o + 7] * v1 + data[o + 8] * v2;
    j = 0;
    for (int dy = -1; dy <= 1; dy++) {
      for (int dx = -1; dx <= 1; dx++, j++) {
        int id = ids[c + dy * bw + dx];
        if (id >= 0) {
          double cw = col[3 * j] * w0 + col[3 * j + 1] * w1 + col[3 * j + 2] * w2;
          y[id] += xs[j] - (s + cw) / AREA;
        }
      }
    }
  }

  /** The diagonal of L<sub>UU</sub>, for the Jacobi preconditioner. */
  public double[] diagonal() {
    double[] d = new double[band.size()];
    double[] col = new double[AREA * 3];
    int bw = band.width;
    for (int k = 0; k < centres.length; k++) {
      int c = centres[k];
      colours(band, rgba, c, col);
      int o = k * DOUBLES_PER_WINDOW;
      int j = 0;
      for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++, j++) {
          int id = band.ids[c + dy * bw + dx];
          if (id >= 0) {
            double r = col[3 * j] - data[o];
            double g = col[3 * j + 1] - data[o + 1];
            double b = col[3 * j + 2] - data[o + 2];
            double q =
                data[o + 3] * r * r
                    + data[o + 6] * g * g
                    + data[o + 8] * b * b
                    + 2 * (data[o + 4] * r * g + data[o + 5] * r * b + data[o + 7] * g * b);
            d[id] += 1.0 - (1.0 + q) / AREA;
          }
        }
      }
    }
    return d;
  }

  /**
   * The lower triangle of L<sub>UU</sub> in {@link IncompleteCholesky}'s layout: per unknown, the
   * entries towards its twelve earlier 5×5 neighbours ({@code neighbours}, -1 where not unknown),
   * then the diagonal.
   */
  float[] lowerStencil(int[] neighbours) {
    double[] a = new double[band.size() * 13];
    int[] slot = new int[25];
    java.util.Arrays.fill(slot, -1);
    for (int s = 0, dy = -2; dy <= 0; dy++) {
      for (int dx = -2; dx <= 2; dx++) {
        if (dy < 0 || dx < 0) {
          slot[(dy + 2) * 5 + dx + 2] = s++;
        }
      }
    }
    double[] col = new double[AREA * 3];
    int[] id = new int[AREA];
    int bw = band.width;
    for (int k = 0; k < centres.length; k++) {
      int c = centres[k];
      colours(band, rgba, c, col);
      int o = k * DOUBLES_PER_WINDOW;
      for (int j = 0; j < AREA; j++) {
        id[j] = band.ids[c + (j / 3 - 1) * bw + j % 3 - 1];
        col[3 * j] -= data[o];
        col[3 * j + 1] -= data[o + 1];
        col[3 * j + 2] -= data[o + 2];
      }
      for (int p = 0; p < AREA; p++) {
        if (id[p] < 0) {
          continue;
        }
        double r = col[3 * p];
        double g = col[3 * p + 1];
        double b = col[3 * p + 2];
        double w0 = data[o + 3] * r + data[o + 4] * g + data[o + 5] * b;
        double w1 = data[o + 4] * r + data[o + 6] * g + data[o + 7] * b;
        double w2 = data[o + 5] * r + data[o + 7] * g + data[o + 8] * b;
        for (int q = 0; q <= p; q++) {
          if (id[q] < 0) {
            continue;
          }
          double v =
              (p == q ? 1.0 : 0.0)
                  - (1.0 + w0 * col[3 * q] + w1 * col[3 * q + 1] + w2 * col[3 * q + 2]) / AREA;
          int s = p == q ? 12 : slot[(q / 3 - p / 3 + 2) * 5 + q % 3 - p % 3 + 2];
          a[id[p] * 13 + s] += v;
        }
      }
    }
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (float) a[i];
    }
    return out;
  }

  /** Heap bytes for {@code windows} windows (centre and nine doubles each). */
  static long bytes(long windows) {
    return windows * (4 + 8L * DOUBLES_PER_WINDOW);
  }
}
