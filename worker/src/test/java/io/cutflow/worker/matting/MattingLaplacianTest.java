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
    double[] assembledCol = new double[n];
    AssembledLaplacian assembled = op.assemble();
    for (int j = 0; j < n; j++) {
      e[j] = 1;
      op.apply(e, col);
      assembled.apply(e, assembledCol);
      e[j] = 0;
      for (int i = 0; i < n; i++) {
        double expected = dense[pixel[i]][pixel[j]];
        int fi = i;
        int fj = j;
        assertEquals(expected, col[i], tol, () -> "L_UU[" + fi + "][" + fj + "]");
        assertEquals(
            col[i], assembledCol[i], 1e-12, () -> "assembled L_UU[" + fi + "][" + fj + "]");
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
      assertEquals(diag[i], assembled.diagonal()[i], 1e-12, "assembled diag[" + i + "]");
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

  /**
   * Black and white pixels only: every window's colours are collinear, so Σ + ε/9·I has eigenvalues
   * ~0.3 and ~1e-8 and an explicit inverse by cofactors loses all its digits (a window of one black
   * and eight white pixels then had a diagonal of −0.02 and CG diverged on a 24 MP photo). The
   * operator must stay positive semi-definite and the dense Laplacian's.
   */
  @Test
  void collinearColoursKeepTheOperatorSemiDefinite() {
    int w = 40;
    int h = 30;
    byte[] rgba = blackAndWhite(w, h);
    byte[] trimap = new byte[w * h];
    for (int i = 0; i < trimap.length; i++) {
      int x = i % w;
      trimap[i] =
          (byte) (x < 8 ? Trimap.FOREGROUND : x >= w - 8 ? Trimap.BACKGROUND : Trimap.UNKNOWN);
    }
    UnknownBand band = UnknownBand.of(trimap, w, h);
    MattingLaplacian op = MattingLaplacian.of(band, rgba);
    for (double d : op.diagonal()) {
      assertTrue(d > 0, "diagonal " + d);
    }
    int n = band.size();
    double[] x = new double[n];
    double[] y = new double[n];
    for (int t = 0; t < 20; t++) {
      java.util.Random rnd = new java.util.Random(t);
      for (int i = 0; i < n; i++) {
        x[i] = rnd.nextGaussian();
      }
      op.apply(x, y);
      double xx = ConjugateGradient.dot(x, x);
      assertTrue(ConjugateGradient.dot(x, y) >= -1e-12 * xx, "xᵀLx " + ConjugateGradient.dot(x, y));
    }
    IncompleteCholesky ic = IncompleteCholesky.of(op.assemble());
    assertTrue(ic != null, "IC(0) factor");
    double[] alpha = new double[n];
    ConjugateGradient.Outcome solved =
        ConjugateGradient.solve(op::apply, ic::apply, op.rightHandSide(), alpha, 1e-7, 10_000);
    assertTrue(solved.converged(), solved.toString());
  }

  /** Mostly white, one pixel in nine black on average. */
  private static byte[] blackAndWhite(int w, int h) {
    java.util.Random rnd = new java.util.Random(7);
    byte[] rgba = new byte[4 * w * h];
    for (int i = 0; i < w * h; i++) {
      byte v = (byte) (rnd.nextInt(9) == 0 ? 0 : 255);
      rgba[4 * i] = v;
      rgba[4 * i + 1] = v;
      rgba[4 * i + 2] = v;
      rgba[4 * i + 3] = (byte) 255;
    }
    return rgba;
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
