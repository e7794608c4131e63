package io.cutflow.worker.matting;

/**
 * Zero-fill incomplete Cholesky (IC(0)) of the matting system L<sub>UU</sub> as a CG
 * preconditioner. The Laplacian couples pixels up to two apart (two overlapping 3×3 windows), so
 * each unknown's row holds at most 25 entries; with the unknowns numbered in row order, its lower
 * triangle is the twelve offsets before it in a 5×5 stencil plus the diagonal ({@link
 * AssembledLaplacian}'s layout), factored into 13 floats per unknown. Factor and solves are
 * sequential (the factor's recurrences are), which costs about one operator application per use and
 * cuts the iterations several times against Jacobi.
 *
 * <p>If a pivot is not positive (IC(0) of a matrix that is not an M-matrix may break down), the
 * diagonal is raised by a growing fraction of the mean diagonal ({@link #SHIFTS}) and the
 * factorisation retried, as pymatting's {@code ichol} shifts; {@link #of} returns null when every
 * shift fails. The shift is absolute, not relative to each pixel's own diagonal: a pixel in a
 * single window (an image corner) whose colour alone deviates has a diagonal near ε, which no
 * relative shift lifts.
 */
public final class IncompleteCholesky {
  // the assembled stencil's layout: the same slots, in the same order
  private static final int SLOTS = AssembledLaplacian.SLOTS;
  private static final int DIAG = AssembledLaplacian.DIAG;
  private static final int[] DY = AssembledLaplacian.DY;
  private static final int[] DX = AssembledLaplacian.DX;

  /** For slots s (neighbour j) and t (neighbour k before j): the slot of k in j's row, or -1. */
  private static final int[][] VIA = new int[12][12];

  static {
    for (int a = 0; a < 12; a++) {
      for (int b = 0; b < 12; b++) {
        VIA[a][b] = -1;
        int dy = DY[b] - DY[a];
        int dx = DX[b] - DX[a];
        for (int u = 0; u < 12; u++) {
          if (DY[u] == dy && DX[u] == dx) {
            VIA[a][b] = u;
          }
        }
      }
    }
  }

  /**
   * Diagonal shifts tried, as fractions of the mean diagonal. IC(0) of the matting Laplacian
   * (positive off-diagonal entries, not an M-matrix) breaks down unshifted on every shared photo,
   * and a shift that only just gets through leaves near-zero pivots that make a poor preconditioner
   * (car-1: 164 iterations at 0.002 against 123 at 0.01); starting at 1% and stepping by about 1.5×
   * measured best (anime-girl-1: 269 iterations at 0.015 against 372 at the old ladder's 0.1).
   */
  private static final double[] SHIFTS = {
    0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 10
  };

  private final UnknownBand band;
  private final float[] factor;
  private final int[] neighbours;

  private IncompleteCholesky(UnknownBand band, float[] factor, int[] neighbours) {
    this.band = band;
    this.factor = factor;
    this.neighbours = neighbours;
  }

  /** The factor of {@code op}'s matrix, or null when no shift gives positive pivots. */
  public static IncompleteCholesky of(AssembledLaplacian op) {
    UnknownBand band = op.band();
    int n = band.size();
    int[] nb = new int[n * 12];
    int bw = band.width;
    for (int i = 0; i < n; i++) {
      int p = band.positions[i];
      int x = p % bw;
      int y = p / bw;
      for (int s = 0; s < 12; s++) {
        int xx = x + DX[s];
        int yy = y + DY[s];
        nb[i * 12 + s] = xx < 0 || xx >= bw || yy < 0 ? -1 : Math.max(-1, band.ids[yy * bw + xx]);
      }
    }
    double[] a = op.lower();
    float[] f = new float[a.length];
    double mean = 0;
    for (int i = 0; i < n; i++) {
      mean += a[i * SLOTS + DIAG];
    }
    mean /= Math.max(1, n);
    for (double shift : SHIFTS) {
      if (factorise(a, nb, f, n, shift * mean)) {
        return new IncompleteCholesky(band, f, nb);
      }
    }
    return null;
  }

  private static boolean factorise(double[] a, int[] nb, float[] f, int n, double shift) {
    for (int i = 0; i < n; i++) {
      int oi = i * SLOTS;
      double d = a[oi + DIAG] + shift;
      for (int s = 0; s < 12; s++) {
        int j = nb[i * 12 + s];
        if (j < 0) {
          f[oi + s] = 0;
          continue;
        }
        int oj = j * SLOTS;
        double v = a[oi + s];
        for (int t = 0; t < s; t++) {
          int u = VIA[s][t];
          if (u >= 0 && nb[i * 12 + t] >= 0) {
            v -= f[oi + t] * f[oj + u];
          }
        }
        double l = v / f[oj + DIAG];
        f[oi + s] = (float) l;
        d -= l * l;
      }
      if (!(d > 0)) {
        return false;
      }
      f[oi + DIAG] = (float) Math.sqrt(d);
    }
    return true;
  }

  /** z = (L Lᵀ)⁻¹ r. */
  public void apply(double[] r, double[] z) {
    int n = r.length;
    for (int i = 0; i < n; i++) {
      int oi = i * SLOTS;
      double v = r[i];
      for (int s = 0; s < 12; s++) {
        int j = neighbours[i * 12 + s];
        if (j >= 0) {
          v -= factor[oi + s] * z[j];
        }
      }
      z[i] = v / factor[oi + DIAG];
    }
    for (int i = n - 1; i >= 0; i--) {
      int oi = i * SLOTS;
      double zi = z[i] / factor[oi + DIAG];
      z[i] = zi;
      for (int s = 0; s < 12; s++) {
        int j = neighbours[i * 12 + s];
        if (j >= 0) {
          z[j] -= factor[oi + s] * zi;
        }
      }
    }
  }

  /** Heap bytes per unknown: the factor (13 floats) and 12 neighbour numbers. */
  static long bytesPerUnknown() {
    return 4 * SLOTS + 4 * 12;
  }
}
