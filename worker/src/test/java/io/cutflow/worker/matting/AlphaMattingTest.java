package io.cutflow.worker.matting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class AlphaMattingTest {

  @Test
  void solverReachesTheRelativeResidualOnTheDenseSystem() {
    int w = 16;
    int h = 14;
    byte[] rgba = MattingImages.randomRgba(w, h, 11);
    byte[] trimap = MattingImages.randomTrimap(w, h, 12);
    UnknownBand band = UnknownBand.of(trimap, w, h);
    MattingLaplacian op = MattingLaplacian.of(band, rgba);
    double[] b = op.rightHandSide();
    double[] x = new double[band.size()];
    ConjugateGradient.Outcome out =
        ConjugateGradient.solve(op::apply, op.diagonal(), b, x, 1e-7, 10_000);
    assertTrue(out.converged(), out.toString());
    assertTrue(out.iterations() > 0);
    // residual recomputed from the dense Laplacian, not from the solver's own recurrence
    double[][] dense = DenseLaplacian.of(rgba, w, h, MattingLaplacian.EPSILON);
    double rr = 0;
    double bb = 0;
    for (int i = 0; i < x.length; i++) {
      double ax = 0;
      for (int j = 0; j < x.length; j++) {
        ax += dense[band.imageIndex(band.positions[i])][band.imageIndex(band.positions[j])] * x[j];
      }
      rr += (b[i] - ax) * (b[i] - ax);
      bb += b[i] * b[i];
    }
    assertTrue(Math.sqrt(rr / bb) < 2e-7, "relative residual " + Math.sqrt(rr / bb));
  }

  @Test
  void incompleteCholeskyConvergesFasterToTheSameSolution() {
    int w = 90;
    int h = 80;
    double[] truth = new double[w * h];
    byte[] rgba = MattingImages.hairyComposite(w, h, truth, 41);
    byte[] mask = new byte[w * h];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = (byte) (truth[i] >= 0.5 ? 255 : 0);
    }
    UnknownBand band = UnknownBand.of(Trimap.of(mask, w, h, 240, 10, 10), w, h);
    MattingLaplacian op = MattingLaplacian.of(band, rgba);
    double[] b = op.rightHandSide();
    double[] xj = new double[band.size()];
    double[] xi = new double[band.size()];
    ConjugateGradient.Outcome jacobi =
        ConjugateGradient.solve(op::apply, op.diagonal(), b, xj, 1e-7, 10_000);
    IncompleteCholesky ic = IncompleteCholesky.of(op.assemble());
    assertNotNull(ic);
    ConjugateGradient.Outcome ichol =
        ConjugateGradient.solve(op::apply, ic::apply, b, xi, 1e-7, 10_000);
    assertTrue(jacobi.converged() && ichol.converged(), jacobi + " " + ichol);
    assertTrue(
        ichol.iterations() * 2 < jacobi.iterations(),
        "IC(0) " + ichol.iterations() + " vs Jacobi " + jacobi.iterations() + " iterations");
    for (int i = 0; i < xj.length; i++) {
      assertEquals(xj[i], xi[i], 1e-4, "alpha of unknown " + i);
    }
  }

  /** Sum and mean square of |alpha − truth| over the unknown band (alpha from the RGBA bytes). */
  private static double[] errors(byte[] alpha255, double[] truth, byte[] trimap) {
    double sad = 0;
    double sse = 0;
    int n = 0;
    for (int i = 0; i < truth.length; i++) {
      if ((trimap[i] & 0xFF) == Trimap.UNKNOWN) {
        double d = (alpha255[i] & 0xFF) / 255.0 - truth[i];
        sad += Math.abs(d);
        sse += d * d;
        n++;
      }
    }
    return new double[] {sad, sse / n};
  }

  @Test
  void beatsThePlainMaskOnAHairyEdge() {
    int w = 120;
    int h = 100;
    double[] truth = new double[w * h];
    byte[] rgba = MattingImages.hairyComposite(w, h, truth, 21);
    // what a model gives at best without matting: a hard mask at alpha 0.5
    byte[] mask = new byte[w * h];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = (byte) (truth[i] >= 0.5 ? 255 : 0);
    }
    byte[] trimap = Trimap.of(mask, w, h, 240, 10, 10);
    byte[] out = rgba.clone();
    AlphaMatting.Result r = AlphaMatting.cutoutInPlace(out, mask, w, h, 240, 10, 10);
    assertTrue(r.matted(), String.valueOf(r.note()));
    assertTrue(r.unknown() > 1000, "unknown " + r.unknown());
    byte[] matted = new byte[w * h];
    for (int i = 0; i < matted.length; i++) {
      matted[i] = out[4 * i + 3];
    }
    double[] plain = errors(mask, truth, trimap);
    double[] ours = errors(matted, truth, trimap);
    assertTrue(
        ours[0] < 0.5 * plain[0] && ours[1] < 0.5 * plain[1],
        "SAD/MSE matting " + ours[0] + "/" + ours[1] + " vs plain " + plain[0] + "/" + plain[1]);
    // known pixels: foreground opaque in the image's colour, background fully transparent
    for (int i = 0; i < trimap.length; i++) {
      int t = trimap[i] & 0xFF;
      if (t == Trimap.FOREGROUND) {
        assertEquals(255, out[4 * i + 3] & 0xFF);
        assertEquals(rgba[4 * i], out[4 * i]);
      } else if (t == Trimap.BACKGROUND) {
        assertEquals(0, out[4 * i + 3]);
      }
    }
  }

  @Test
  void fallsBackAndSaysWhyWhenNothingIsUnknown() {
    int w = 30;
    int h = 20;
    byte[] rgba = MattingImages.randomRgba(w, h, 31);
    byte[] mask = new byte[w * h];
    java.util.Arrays.fill(mask, (byte) 255);
    // all foreground: with ae=1 nothing is eroded, so no pixel is unknown
    byte[] before = rgba.clone();
    AlphaMatting.Result r = AlphaMatting.cutoutInPlace(rgba, mask, w, h, 240, 10, 1);
    assertFalse(r.matted());
    assertNotNull(r.note());
    assertTrue(r.note().contains("no unknown pixel"), r.note());
    assertArrayEquals(before, rgba, "left for the caller's plain cutout");
  }

  /**
   * The same case through an independent numpy/scipy statement of the algorithms ({@code
   * matting/reference_matting.py}, exact sparse solve): alpha within 1e-4 everywhere; foreground
   * colour within a few levels where alpha is visible (the finest level sweeps only the unknown
   * pixels here, every pixel there).
   */
  @Test
  void agreesWithTheNumpyReference() throws Exception {
    ByteBuffer in;
    try (InputStream s = getClass().getResourceAsStream("/matting/matting-case.bin")) {
      in = ByteBuffer.wrap(s.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
    }
    int w = in.getInt();
    int h = in.getInt();
    int n = w * h;
    byte[] rgb = new byte[3 * n];
    byte[] mask = new byte[n];
    byte[] trimap = new byte[n];
    in.get(rgb).get(mask).get(trimap);
    double[] alpha = new double[n];
    for (int i = 0; i < n; i++) {
      alpha[i] = in.getDouble();
    }
    float[] fg = new float[3 * n];
    for (int i = 0; i < 3 * n; i++) {
      fg[i] = in.getFloat();
    }
    byte[] rgba = new byte[4 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rgb, 3 * i, rgba, 4 * i, 3);
      rgba[4 * i + 3] = (byte) 255;
    }
    assertArrayEquals(trimap, Trimap.of(mask, w, h, 240, 10, 10), "trimap as scipy's");
    UnknownBand band = UnknownBand.of(trimap, w, h);
    MattingLaplacian op = MattingLaplacian.of(band, rgba);
    double[] x = new double[band.size()];
    assertTrue(
        ConjugateGradient.solve(op::apply, op.diagonal(), op.rightHandSide(), x, 1e-7, 10_000)
            .converged());
    double maxDiff = 0;
    float[] a = new float[x.length];
    for (int id = 0; id < x.length; id++) {
      a[id] = (float) Math.max(0, Math.min(1, x[id]));
      maxDiff = Math.max(maxDiff, Math.abs(a[id] - alpha[band.imageIndex(band.positions[id])]));
    }
    assertTrue(maxDiff < 1e-4, "max |alpha - reference| " + maxDiff);
    float[] ours = new ForegroundEstimator(band, rgba, trimap, a).estimate();
    double sum = 0;
    int count = 0;
    for (int id = 0; id < x.length; id++) {
      int p = band.imageIndex(band.positions[id]);
      if (alpha[p] > 0.1) {
        for (int c = 0; c < 3; c++) {
          sum += Math.abs(ours[3 * id + c] - fg[3 * p + c]);
          count++;
        }
      }
    }
    double mae = sum / count;
    assertTrue(mae < 8 / 255.0, "foreground MAE " + mae * 255 + "/255 where alpha > 0.1");
    System.out.printf(
        "numpy cross-check: max |Δalpha| %.2e, foreground MAE %.2f/255%n", maxDiff, mae * 255);
  }
}
