package io.cutflow.worker.matting;

import java.util.stream.IntStream;

/**
 * L<sub>UU</sub> of a {@link MattingLaplacian} assembled once into its 5×5 stencil: per unknown,
 * the entries towards its twelve earlier neighbours (rows above, or left in its own row) and the
 * diagonal, 13 doubles; the later neighbours' entries are theirs (symmetry). Applying it is 25
 * multiply-adds per unknown, gathered per row so the unknowns split over cores without locks, about
 * five times cheaper than the matrix-free windows (which recompute every window's colours on every
 * application). Neighbours are found through the band's box ({@link UnknownBand#ids}), so nothing
 * but the entries is stored. Exact: the same doubles the windows sum, in double precision.
 */
public final class AssembledLaplacian {
  static final int SLOTS = 13; // 12 lower offsets + diagonal
  static final int DIAG = 12;
  static final int[] DY = new int[12];
  static final int[] DX = new int[12];

  static {
    int s = 0;
    for (int dy = -2; dy <= 0; dy++) {
      for (int dx = -2; dx <= 2; dx++) {
        if (dy < 0 || dx < 0) {
          DY[s] = dy;
          DX[s] = dx;
          s++;
        }
      }
    }
  }

  private static final int CHUNK = 1 << 12;

  private final UnknownBand band;
  private final double[] lower;

  /** Box-index offset of each lower slot. */
  private final int[] offsets = new int[12];

  /** Per unknown: whether its 5×5 neighbourhood is inside the box (no bounds checks needed). */
  private final boolean[] interior;

  AssembledLaplacian(UnknownBand band, double[] lower) {
    this.band = band;
    this.lower = lower;
    for (int s = 0; s < 12; s++) {
      offsets[s] = DY[s] * band.width + DX[s];
    }
    int bw = band.width;
    int bh = band.height;
    interior = new boolean[band.size()];
    for (int i = 0; i < interior.length; i++) {
      int bx = band.positions[i] % bw;
      int by = band.positions[i] / bw;
      interior[i] = bx >= 2 && bx < bw - 2 && by >= 2 && by < bh - 2;
    }
  }

  public UnknownBand band() {
    return band;
  }

  /** Per unknown: 13 doubles (slot s: the entry towards the neighbour at DY[s], DX[s]). */
  double[] lower() {
    return lower;
  }

  /** y = L<sub>UU</sub> x. */
  public void apply(double[] x, double[] y) {
    int n = band.size();
    IntStream.range(0, (n + CHUNK - 1) / CHUNK)
        .parallel()
        .forEach(c -> applyRange(x, y, c * CHUNK, Math.min(n, (c + 1) * CHUNK)));
  }

  private void applyRange(double[] x, double[] y, int lo, int hi) {
    int[] ids = band.ids;
    int[] positions = band.positions;
    int bw = band.width;
    for (int i = lo; i < hi; i++) {
      int p = positions[i];
      int o = i * SLOTS;
      double v = lower[o + DIAG] * x[i];
      if (interior[i]) {
        for (int s = 0; s < 12; s++) {
          int j = ids[p + offsets[s]];
          if (j >= 0) {
            v += lower[o + s] * x[j];
          }
          int k = ids[p - offsets[s]];
          if (k >= 0) {
            v += lower[k * SLOTS + s] * x[k];
          }
        }
      } else {
        int bx = p % bw;
        int by = p / bw;
        for (int s = 0; s < 12; s++) {
          int j = neighbour(bx + DX[s], by + DY[s]);
          if (j >= 0) {
            v += lower[o + s] * x[j];
          }
          int k = neighbour(bx - DX[s], by - DY[s]);
          if (k >= 0) {
            v += lower[k * SLOTS + s] * x[k];
          }
        }
      }
      y[i] = v;
    }
  }

  /** The unknown at box (x, y), or a negative id when known or outside the box. */
  int neighbour(int x, int y) {
    return x < 0 || y < 0 || x >= band.width || y >= band.height
        ? -1
        : band.ids[y * band.width + x];
  }

  /** The diagonal of L<sub>UU</sub>, for the Jacobi preconditioner. */
  public double[] diagonal() {
    double[] d = new double[band.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = lower[i * SLOTS + DIAG];
    }
    return d;
  }

  /** Heap bytes per unknown. */
  static long bytesPerUnknown() {
    return 8L * SLOTS + 1;
  }
}
