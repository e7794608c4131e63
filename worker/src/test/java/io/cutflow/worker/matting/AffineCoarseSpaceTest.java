package io.cutflow.worker.matting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AffineCoarseSpaceTest {
  private static final int W = 160;
  private static final int H = 120;

  /**
   * Flat-colour cells with black outlines (as anime fills), a wide unknown ring across many cells:
   * the cells that touch no known pixel are the slow modes IC(0) alone leaves.
   */
  private static byte[] celShaded(long seed) {
    Random rnd = new Random(seed);
    int cells = 40;
    int[] sx = new int[cells];
    int[] sy = new int[cells];
    int[][] colour = new int[cells][3];
    for (int c = 0; c < cells; c++) {
      sx[c] = rnd.nextInt(W);
      sy[c] = rnd.nextInt(H);
      for (int k = 0; k < 3; k++) {
        colour[c][k] = 60 + rnd.nextInt(190);
      }
    }
    byte[] rgba = new byte[4 * W * H];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        int best = 0;
        double d1 = Double.MAX_VALUE;
        double d2 = Double.MAX_VALUE;
        for (int c = 0; c < cells; c++) {
          double d = Math.hypot(x - sx[c], y - sy[c]);
          if (d < d1) {
            d2 = d1;
            d1 = d;
            best = c;
          } else if (d < d2) {
            d2 = d;
          }
        }
        boolean outline = d2 - d1 < 1.2;
        int p = 4 * (y * W + x);
        for (int k = 0; k < 3; k++) {
          rgba[p + k] = (byte) (outline ? 10 : colour[best][k]);
        }
        rgba[p + 3] = (byte) 255;
      }
    }
    return rgba;
  }

  /** Known foreground in a small disc, known background outside a large one, unknown between. */
  private static byte[] ringTrimap() {
    byte[] trimap = new byte[W * H];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        double r = Math.hypot(x - W / 2.0, y - H / 2.0);
        trimap[y * W + x] =
            (byte) (r < 12 ? Trimap.FOREGROUND : r > 55 ? Trimap.BACKGROUND : Trimap.UNKNOWN);
      }
    }
    return trimap;
  }

  @Test
  void cutsTheIterationsOnFlatColourCells() {
    byte[] rgba = celShaded(3);
    UnknownBand band = UnknownBand.of(ringTrimap(), W, H);
    AssembledLaplacian op = MattingLaplacian.of(band, rgba).assemble();
    double[] b = MattingLaplacian.of(band, rgba).rightHandSide();
    IncompleteCholesky ic = IncompleteCholesky.of(op);
    assertNotNull(ic);
    AffineCoarseSpace twoLevel = AffineCoarseSpace.of(op, ic, rgba, Long.MAX_VALUE);
    assertNotNull(twoLevel);
    double[] xi = new double[band.size()];
    double[] xt = new double[band.size()];
    ConjugateGradient.Outcome alone =
        ConjugateGradient.solve(op::apply, ic::apply, b, xi, 1e-7, 10_000);
    ConjugateGradient.Outcome both =
        ConjugateGradient.solve(op::apply, twoLevel::apply, b, xt, 1e-7, 10_000);
    assertTrue(alone.converged() && both.converged(), alone + " " + both);
    assertTrue(
        both.iterations() * 3 < alone.iterations(),
        "IC(0) + coarse space " + both.iterations() + " vs IC(0) " + alone.iterations());
    // the same criterion, recomputed from the operator (cells touching no known pixel are nearly
    // free, so two solutions to 1e-7 may differ there: the residual is what is exact)
    double[] ax = new double[xt.length];
    op.apply(xt, ax);
    double rr = 0;
    for (int i = 0; i < ax.length; i++) {
      rr += (b[i] - ax[i]) * (b[i] - ax[i]);
    }
    assertTrue(Math.sqrt(rr / ConjugateGradient.dot(b, b)) < 1.01e-7, "relative residual");
  }

  @Test
  void isSymmetricAndPositive() {
    byte[] rgba = MattingImages.randomRgba(W, H, 5);
    // flat cells too, so that some blocks keep fewer than four coarse unknowns
    byte[] cells = celShaded(9);
    for (int i = 0; i < rgba.length / 2; i++) {
      rgba[i] = cells[i];
    }
    UnknownBand band = UnknownBand.of(ringTrimap(), W, H);
    AssembledLaplacian op = MattingLaplacian.of(band, rgba).assemble();
    AffineCoarseSpace m = AffineCoarseSpace.of(op, IncompleteCholesky.of(op), rgba, Long.MAX_VALUE);
    int n = band.size();
    Random rnd = new Random(1);
    for (int t = 0; t < 5; t++) {
      double[] u = new double[n];
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        u[i] = rnd.nextGaussian();
        v[i] = rnd.nextGaussian();
      }
      double[] mu = new double[n];
      double[] mv = new double[n];
      m.apply(u, mu);
      m.apply(v, mv);
      double uMv = ConjugateGradient.dot(u, mv);
      double vMu = ConjugateGradient.dot(v, mu);
      assertEquals(uMv, vMu, 1e-9 * Math.abs(uMv) + 1e-9, "uᵀM⁻¹v against vᵀM⁻¹u");
      assertTrue(ConjugateGradient.dot(u, mu) > 0, "uᵀM⁻¹u");
    }
  }

  @Test
  void takesLargerBlocksOrNoneWhenTheFactorDoesNotFit() {
    byte[] rgba = celShaded(3);
    UnknownBand band = UnknownBand.of(ringTrimap(), W, H);
    AssembledLaplacian op = MattingLaplacian.of(band, rgba).assemble();
    IncompleteCholesky ic = IncompleteCholesky.of(op);
    AffineCoarseSpace roomy = AffineCoarseSpace.of(op, ic, rgba, Long.MAX_VALUE);
    long base = AffineCoarseSpace.bytes(band.size());
    AffineCoarseSpace tight = AffineCoarseSpace.of(op, ic, rgba, base + roomy.factorBytes() - 1);
    assertNotNull(tight);
    assertTrue(
        tight.coarseSize() < roomy.coarseSize(),
        tight.coarseSize() + " vs " + roomy.coarseSize() + " coarse unknowns");
    assertNull(AffineCoarseSpace.of(op, ic, rgba, base - 1));
  }
}
