package io.cutflow.worker.matting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MattingLaplacianTest {

  /** Operator columns and right-hand side against the dense Laplacian, entry by entry. */
  private static void assertMatchesDense(byte[] rgba, byte[] trimap, int w, int h) {
    double[][] dense = DenseLaplacian.of(rgba, w, h, MattingLaplacian.EPSILON);
    UnknownBand band = UnknownBand.of(trimap, w, h);
    MattingLaplacian op = MattingLaplacian.of(band, rgba);
    int n = band.size();
    int[] pixel = new int[n];
    for (int id = 0; id < n; id++) {
      pixel[id] = band.imageIndex(band.positions[id]);
    }
    double scale = 0;
    for (double[] row : dense) {
      for (double v : row) {
        scale = Math.max(scale, Math.abs(v));
      }
    }
    double tol = 1e-9 * Math.max(1, scale);
    double[] e = new double[n];
    double[] col = new double[n];
    for (int j = 0; j < n; j++) {
      e[j] = 1;
      op.apply(e, col);
      e[j] = 0;
      for (int i = 0; i < n; i++) {
        double expected = dense[pixel[i]][pixel[j]];
        int fi = i;
        int fj = j;
        assertEquals(expected, col[i], tol, () -> "L_UU[" + fi + "][" + fj + "]");
      }
    }
    double[] b = op.rightHandSide();
    double[] diag = op.diagonal();
    for (int i = 0; i < n; i++) {
      double expected = 0;
      for (int p = 0; p < w * h; p++) {
        if ((trimap[p] & 0xFF) == Trimap.FOREGROUND) {
          expected -= dense[pixel[i]][p];
        }
      }
      assertEquals(expected, b[i], tol, "b[" + i + "]");
      assertEquals(dense[pixel[i]][pixel[i]], diag[i], tol, "diag[" + i + "]");
    }
  }

  @Test
  void randomImageRandomTrimap() {
    int w = 13;
    int h = 11;
    assertMatchesDense(
        MattingImages.randomRgba(w, h, 1), MattingImages.randomTrimap(w, h, 2), w, h);
  }

  @Test
  void structuredImageWithFlatWindows() {
    int w = 14;
    int h = 12;
    assertMatchesDense(
        MattingImages.structuredRgba(w, h), MattingImages.randomTrimap(w, h, 3), w, h);
  }

  @Test
  void everyPixelUnknownIsTheWholeLaplacian() {
    int w = 9;
    int h = 8;
    assertMatchesDense(MattingImages.randomRgba(w, h, 4), MattingImages.allUnknown(w, h), w, h);
    assertMatchesDense(MattingImages.structuredRgba(w, h), MattingImages.allUnknown(w, h), w, h);
  }

  @Test
  void bandIsTheUnknownBoxWidenedByTwoAndWindowsTouchingUnknownsOnly() {
    int w = 20;
    int h = 16;
    byte[] t = new byte[w * h];
    java.util.Arrays.fill(t, (byte) Trimap.FOREGROUND);
    t[7 * w + 9] = (byte) Trimap.UNKNOWN;
    t[8 * w + 10] = (byte) Trimap.UNKNOWN;
    UnknownBand band = UnknownBand.of(t, w, h);
    assertEquals(7, band.x0);
    assertEquals(5, band.y0);
    assertEquals(6, band.width);
    assertEquals(6, band.height);
    assertEquals(2, band.size());
    // windows centred within one pixel of either unknown: 3×3 + 3×3 − 4 shared
    assertEquals(14, MattingLaplacian.of(band, MattingImages.randomRgba(w, h, 5)).windows());
    // rows sum to zero in L: with every neighbour foreground (x = 1) the unknown's value 1 solves
    MattingLaplacian op = MattingLaplacian.of(band, MattingImages.randomRgba(w, h, 5));
    double[] y = new double[2];
    op.apply(new double[] {1, 1}, 1.0, y);
    assertTrue(Math.abs(y[0]) < 1e-9 && Math.abs(y[1]) < 1e-9, y[0] + " " + y[1]);
  }
}
