package io.cutflow.worker.matting;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The closed-form matting Laplacian (Levin, Lischinski &amp; Weiss 2008) restricted to the unknown
 * pixels, applied without storing it. For a 3×3 window k with colour mean μ and covariance Σ, and M
 * = (Σ + ε/9·I)⁻¹, the window adds to L<sub>ij</sub> (i, j in k): δ<sub>ij</sub> − (1 + (I<sub>i
 * </sub>−μ)ᵀ M (I<sub>j</sub>−μ)) / 9. With M = GᵀG (G the inverse of the Cholesky factor of Σ +
 * ε/9·I) and g<sub>i</sub> = G(I<sub>i</sub>−μ), applying it to x within the window is {@code x_i −
 * (s + g_i·w) / 9} with s = Σx<sub>j</sub> and w = Σ g<sub>j</sub> x<sub>j</sub>: nine doubles per
 * window (μ and G) instead of 81 matrix entries.
 *
 * <p>Why G and not M: where a window's colours are (nearly) collinear — black and white pixels,
 * grey ramps — Σ + ε/9·I has eigenvalues ~0.3 and ~1e-8, M has entries ~1e8 whose cancellation
 * against colour differences loses every digit when M is formed by cofactors, and the computed
 * window stops being positive semi-definite (a negative diagonal on a 24 MP photo; CG then
 * diverges). The Gram form g<sub>i</sub>·g<sub>j</sub> with a triangular G keeps each window
 * semi-definite to rounding.
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

  /** v / 255.0 for each byte value v (the same doubles as dividing). */
  private static final double[] UNIT = new double[256];

  static {
    for (int v = 0; v < 256; v++) {
      UNIT[v] = v / 255.0;
    }
  }

  private final UnknownBand band;
  private final byte[] rgba;

  /** Box index of each window's centre, in row order. */
  private final int[] centres;

  /** Per window: μ (3), then G's g00 g10 g11 g20 g21 g22 (M = GᵀG, G lower triangular). */
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
    // Cholesky factor L of Σ + ε/9·I, then G = L⁻¹ (lower triangular); pivots are ≥ ε/9 in exact
    // arithmetic and far above rounding (Σ ≤ 0.25), the guard is for NaN-free output only
    double l00 = Math.sqrt(a00);
    double l10 = a01 / l00;
    double l20 = a02 / l00;
    double l11 = Math.sqrt(Math.max(a11 - l10 * l10, Double.MIN_NORMAL));
    double l21 = (a12 - l20 * l10) / l11;
    double l22 = Math.sqrt(Math.max(a22 - l20 * l20 - l21 * l21, Double.MIN_NORMAL));
    double g00 = 1.0 / l00;
    double g11 = 1.0 / l11;
    double g22 = 1.0 / l22;
    double g10 = -l10 * g00 * g11;
    double g21 = -l21 * g11 * g22;
    double g20 = -(l20 * g00 + l21 * g10) * g22;
    int o = k * DOUBLES_PER_WINDOW;
    data[o] = m0;
    data[o + 1] = m1;
    data[o + 2] = m2;
    data[o + 3] = g00;
    data[o + 4] = g10;
    data[o + 5] = g11;
    data[o + 6] = g20;
    data[o + 7] = g21;
    data[o + 8] = g22;
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
                double[] g = new double[AREA * 3];
                int[] id = new int[AREA];
                for (int k = stripes[stripe]; k < stripes[stripe + 1]; k++) {
                  applyWindow(k, x, foreground, y, g, id);
                }
              });
    }
  }

  /**
   * g<sub>j</sub> = G(I<sub>j</sub> − μ) of the nine pixels of window {@code k} into {@code g} (27
   * doubles), and their unknown numbers (or known codes) into {@code id}.
   */
  private void whitened(int k, double[] g, int[] id) {
    int c = centres[k];
    int bw = band.width;
    int iw = band.imageWidth;
    int image = (band.y0 + c / bw) * iw + band.x0 + c % bw;
    int o = k * DOUBLES_PER_WINDOW;
    double mu0 = data[o];
    double mu1 = data[o + 1];
    double mu2 = data[o + 2];
    double g00 = data[o + 3];
    double g10 = data[o + 4];
    double g11 = data[o + 5];
    double g20 = data[o + 6];
    double g21 = data[o + 7];
    double g22 = data[o + 8];
    int[] ids = band.ids;
    for (int j = 0; j < AREA; j++) {
      int dy = j / 3 - 1;
      int dx = j % 3 - 1;
      id[j] = ids[c + dy * bw + dx];
      int p = 4 * (image + dy * iw + dx);
      double r = UNIT[rgba[p] & 0xFF] - mu0;
      double gr = UNIT[rgba[p + 1] & 0xFF] - mu1;
      double bl = UNIT[rgba[p + 2] & 0xFF] - mu2;
      g[3 * j] = g00 * r;
      g[3 * j + 1] = g10 * r + g11 * gr;
      g[3 * j + 2] = g20 * r + g21 * gr + g22 * bl;
    }
  }

  private void applyWindow(int k, double[] x, double fg, double[] y, double[] g, int[] id) {
    whitened(k, g, id);
    double s = 0;
    double w0 = 0;
    double w1 = 0;
    double w2 = 0;
    for (int j = 0; j < AREA; j++) {
      int i = id[j];
      double xv = i >= 0 ? x[i] : i == UnknownBand.KNOWN_FOREGROUND ? fg : 0.0;
      s += xv;
      w0 += g[3 * j] * xv;
      w1 += g[3 * j + 1] * xv;
      w2 += g[3 * j + 2] * xv;
    }
    for (int j = 0; j < AREA; j++) {
      int i = id[j];
      if (i >= 0) {
        y[i] += x[i] - (s + g[3 * j] * w0 + g[3 * j + 1] * w1 + g[3 * j + 2] * w2) / AREA;
      }
    }
  }

  /** The diagonal of L<sub>UU</sub>, for the Jacobi preconditioner. */
  public double[] diagonal() {
    double[] d = new double[band.size()];
    double[] g = new double[AREA * 3];
    int[] id = new int[AREA];
    for (int k = 0; k < centres.length; k++) {
      whitened(k, g, id);
      for (int j = 0; j < AREA; j++) {
        if (id[j] >= 0) {
          double q =
              g[3 * j] * g[3 * j] + g[3 * j + 1] * g[3 * j + 1] + g[3 * j + 2] * g[3 * j + 2];
          d[id[j]] += 1.0 - (1.0 + q) / AREA;
        }
      }
    }
    return d;
  }

  /** L<sub>UU</sub> assembled into its stencil (13 doubles per unknown; the windows can go). */
  public AssembledLaplacian assemble() {
    double[] a = new double[band.size() * 13];
    int[] slot = new int[25];
    Arrays.fill(slot, -1);
    for (int s = 0, dy = -2; dy <= 0; dy++) {
      for (int dx = -2; dx <= 2; dx++) {
        if (dy < 0 || dx < 0) {
          slot[(dy + 2) * 5 + dx + 2] = s++;
        }
      }
    }
    double[] g = new double[AREA * 3];
    int[] id = new int[AREA];
    for (int k = 0; k < centres.length; k++) {
      whitened(k, g, id);
      for (int p = 0; p < AREA; p++) {
        if (id[p] < 0) {
          continue;
        }
        for (int q = 0; q <= p; q++) {
          if (id[q] < 0) {
            continue;
          }
          double gg =
              g[3 * p] * g[3 * q] + g[3 * p + 1] * g[3 * q + 1] + g[3 * p + 2] * g[3 * q + 2];
          double v = (p == q ? 1.0 : 0.0) - (1.0 + gg) / AREA;
          int s = p == q ? 12 : slot[(q / 3 - p / 3 + 2) * 5 + q % 3 - p % 3 + 2];
          a[id[p] * 13 + s] += v;
        }
      }
    }
    return new AssembledLaplacian(band, a);
  }

  /** Heap bytes for {@code windows} windows (centre and nine doubles each). */
  static long bytes(long windows) {
    return windows * (4 + 8L * DOUBLES_PER_WINDOW);
  }
}
