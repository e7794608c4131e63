package io.cutflow.worker.matting;

/**
 * The closed-form matting Laplacian built densely from the textbook formula (Levin et al. 2008, eq.
 * 12): L<sub>ij</sub> = Σ<sub>k | i,j ∈ w<sub>k</sub></sub> (δ<sub>ij</sub> − (1 + (I<sub>i</sub> −
 * μ<sub>k</sub>)ᵀ (Σ<sub>k</sub> + ε/|w<sub>k</sub>| I₃)⁻¹ (I<sub>j</sub> − μ<sub>k</sub>)) /
 * |w<sub>k</sub>|), over every 3×3 window inside the image. Independent of the code under test: its
 * own mean, covariance and a Gauss-Jordan inverse.
 */
final class DenseLaplacian {
  private DenseLaplacian() {}

  static double[][] of(byte[] rgba, int w, int h, double eps) {
    int n = w * h;
    double[][] l = new double[n][n];
    for (int cy = 1; cy < h - 1; cy++) {
      for (int cx = 1; cx < w - 1; cx++) {
        int[] px = new int[9];
        double[][] col = new double[9][3];
        double[] mu = new double[3];
        int k = 0;
        for (int y = cy - 1; y <= cy + 1; y++) {
          for (int x = cx - 1; x <= cx + 1; x++) {
            px[k] = y * w + x;
            for (int c = 0; c < 3; c++) {
              col[k][c] = (rgba[4 * px[k] + c] & 0xFF) / 255.0;
              mu[c] += col[k][c] / 9;
            }
            k++;
          }
        }
        double[][] cov = new double[3][3];
        for (int a = 0; a < 3; a++) {
          for (int b = 0; b < 3; b++) {
            for (int j = 0; j < 9; j++) {
              cov[a][b] += (col[j][a] - mu[a]) * (col[j][b] - mu[b]) / 9;
            }
          }
          cov[a][a] += eps / 9;
        }
        double[][] m = invert(cov);
        for (int i = 0; i < 9; i++) {
          for (int j = 0; j < 9; j++) {
            double q = 0;
            for (int a = 0; a < 3; a++) {
              for (int b = 0; b < 3; b++) {
                q += (col[i][a] - mu[a]) * m[a][b] * (col[j][b] - mu[b]);
              }
            }
            l[px[i]][px[j]] += (i == j ? 1 : 0) - (1 + q) / 9;
          }
        }
      }
    }
    return l;
  }

  static double[][] invert(double[][] a) {
    int n = a.length;
    double[][] m = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], 0, m[i], 0, n);
      m[i][n + i] = 1;
    }
    for (int c = 0; c < n; c++) {
      int pivot = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
          pivot = r;
        }
      }
      double[] t = m[c];
      m[c] = m[pivot];
      m[pivot] = t;
      double d = m[c][c];
      for (int j = 0; j < 2 * n; j++) {
        m[c][j] /= d;
      }
      for (int r = 0; r < n; r++) {
        if (r != c) {
          double f = m[r][c];
          for (int j = 0; j < 2 * n; j++) {
            m[r][j] -= f * m[c][j];
          }
        }
      }
    }
    double[][] inv = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(m[i], n, inv[i], 0, n);
    }
    return inv;
  }
}
