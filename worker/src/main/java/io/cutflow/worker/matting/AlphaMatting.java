package io.cutflow.worker.matting;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * rembg's {@code alpha_matting_cutout}: trimap from the mask ({@link Trimap}), alpha by closed-form
 * matting over the unknown pixels ({@link MattingLaplacian}, {@link ConjugateGradient}), foreground
 * colours by multilevel estimation ({@link ForegroundEstimator}), and the RGBA cutout of foreground
 * colour and alpha, each truncated to 0..255 as numpy's {@code astype(uint8)} does. The image's own
 * alpha is ignored (rembg converts to RGB first), and the colour is not premultiplied: that is what
 * rembg returns.
 *
 * <p>Pixels outside the unknown band get their trimap's alpha: known foreground keeps the image's
 * colour (what foreground estimation converges to there), known background is (0, 0, 0, 0) (rembg
 * leaves an invisible estimated colour).
 *
 * <p>It falls back (and says why, leaving {@code rgba} untouched for the caller's plain cutout)
 * when the trimap has no unknown pixel, when the system does not converge (rembg falls back on
 * pymatting's error too), or when the band needs more heap than {@link #peakBytes} leased for it.
 */
public final class AlphaMatting {
  private static final Logger log = LoggerFactory.getLogger(AlphaMatting.class);

  /**
   * Estimated heap per unknown pixel while the windows (about 1.5 of 76 bytes) and the assembled
   * stencil (105) coexist, with the band (4) and the right-hand side (8).
   */
  static final long BYTES_PER_UNKNOWN = 4 + 114 + 105 + 8;

  /**
   * Heap per unknown pixel while solving: band, stencil and six CG vectors; IC(0) adds its own, and
   * the colour-affine coarse space is built only in what is left of the allowance.
   */
  static final long SOLVE_BYTES_PER_UNKNOWN = 4 + 105 + 48;

  private AlphaMatting() {}

  /**
   * What happened.
   *
   * @param matted true when {@code rgba} holds the matted cutout; false: fell back, {@code rgba}
   *     untouched
   * @param note why it fell back (null when matted)
   * @param unknown unknown pixels of the trimap
   * @param iterations CG iterations
   * @param residual relative residual reached
   */
  public record Result(boolean matted, String note, long unknown, int iterations, double residual) {
    static Result fallback(String note, long unknown, int iterations, double residual) {
      return new Result(
          false,
          "alpha matting fell back to the plain cutout: " + note,
          unknown,
          iterations,
          residual);
    }
  }

  /**
   * Heap bytes matting holds at its peak for an image of {@code pixels}, besides the image and
   * mask: the trimap, the box-wide buffers (box ≤ image) and an allowance for the unknown pixels.
   */
  public static long peakBytes(long pixels) {
    long erosion = 4 * pixels; // two flags and two erosion passes, before the band exists
    long band = UnknownBand.bytes(pixels, 0) + ForegroundEstimator.bytes(pixels, 0);
    return pixels + Math.max(erosion, band + unknownAllowance(pixels));
  }

  /** Heap for the unknown pixels' own buffers: six bytes a pixel of the image, 96 MiB at least. */
  static long unknownAllowance(long pixels) {
    return Math.max(6 * pixels, 96L << 20);
  }

  /**
   * Mattes the RGBA image {@code rgba} ({@code w}×{@code h}) with the 8-bit {@code mask}, in place.
   *
   * @param af foreground threshold (mask above it is foreground)
   * @param ab background threshold (mask below it is background)
   * @param ae erosion square's side (0: 3×3 cross)
   */
  public static Result cutoutInPlace(
      byte[] rgba, byte[] mask, int w, int h, int af, int ab, int ae) {
    byte[] trimap = Trimap.of(mask, w, h, af, ab, ae);
    long unknown = UnknownBand.countUnknown(trimap);
    if (unknown == 0) {
      return Result.fallback(
          "the trimap has no unknown pixel (af=" + af + ", ab=" + ab + ", ae=" + ae + ")", 0, 0, 0);
    }
    long allowance = unknownAllowance((long) w * h);
    if (unknown * BYTES_PER_UNKNOWN > allowance) {
      return Result.fallback(
          unknown
              + " unknown pixels need about "
              + (unknown * BYTES_PER_UNKNOWN >> 20)
              + " MiB, more than the "
              + (allowance >> 20)
              + " MiB leased for them; lower -ae or raise -af/-ab's gap",
          unknown,
          0,
          0);
    }
    UnknownBand band = UnknownBand.of(trimap, w, h);
    MattingLaplacian windows = MattingLaplacian.of(band, rgba);
    long windowBytes = MattingLaplacian.bytes(windows.windows());
    if (windowBytes + unknown * (AssembledLaplacian.bytesPerUnknown() + 12) > allowance) {
      return Result.fallback(
          windows.windows()
              + " matting windows need about "
              + (windowBytes >> 20)
              + " MiB, more than leased",
          unknown,
          0,
          0);
    }
    double[] b = windows.rightHandSide();
    // assembled once, the windows go: applying the stencil is several times cheaper
    AssembledLaplacian laplacian = windows.assemble();
    int windowCount = windows.windows();
    windows = null;
    double[] x = new double[band.size()];
    for (int id = 0; id < x.length; id++) {
      x[id] = (mask[band.imageIndex(band.positions[id])] & 0xFF) / 255.0;
    }
    // IC(0) when its factor fits what is leased (it cuts the iterations several times), else
    // Jacobi; with the colour-affine coarse space on top when that fits too (several times again)
    long icBytes = unknown * (SOLVE_BYTES_PER_UNKNOWN + IncompleteCholesky.bytesPerUnknown());
    IncompleteCholesky ic = icBytes <= allowance ? IncompleteCholesky.of(laplacian) : null;
    AffineCoarseSpace coarse =
        ic != null ? AffineCoarseSpace.of(laplacian, ic, rgba, allowance - icBytes) : null;
    ConjugateGradient.Outcome solved =
        ConjugateGradient.solve(
            laplacian::apply,
            coarse != null
                ? coarse::apply
                : ic != null ? ic::apply : ConjugateGradient.jacobi(laplacian.diagonal()),
            b,
            x,
            ConjugateGradient.RELATIVE_TOLERANCE,
            ConjugateGradient.MAX_ITERATIONS);
    log.atDebug()
        .setMessage("alpha matting solved")
        .addKeyValue("unknown", unknown)
        .addKeyValue(
            "preconditioner", coarse != null ? "ic0+affine" : ic != null ? "ic0" : "jacobi")
        .addKeyValue("coarse", coarse != null ? coarse.coarseSize() : 0)
        .addKeyValue("windows", windowCount)
        .addKeyValue("iterations", solved.iterations())
        .addKeyValue("residual", solved.relativeResidual())
        .log();
    if (!solved.converged()) {
      return Result.fallback(
          "the matting system did not converge in "
              + solved.iterations()
              + " iterations (relative residual "
              + String.format(java.util.Locale.ROOT, "%.2g", solved.relativeResidual())
              + ", "
              + unknown
              + " unknown pixels); a narrower band (-ae smaller, -af lower, -ab higher) is easier",
          unknown,
          solved.iterations(),
          solved.relativeResidual());
    }
    laplacian = null; // the stencil, the factors and b are garbage from here on
    b = null;
    ic = null;
    coarse = null;
    float[] alpha = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      alpha[i] = (float) Math.max(0.0, Math.min(1.0, x[i]));
    }
    x = null;
    float[] fg = new ForegroundEstimator(band, rgba, trimap, alpha).estimate();
    compose(rgba, trimap, band, alpha, fg);
    return new Result(true, null, unknown, solved.iterations(), solved.relativeResidual());
  }

  private static void compose(
      byte[] rgba, byte[] trimap, UnknownBand band, float[] alpha, float[] fg) {
    for (int i = 0; i < trimap.length; i++) {
      int t = trimap[i] & 0xFF;
      int p = 4 * i;
      if (t == Trimap.FOREGROUND) {
        rgba[p + 3] = (byte) 255;
      } else if (t == Trimap.BACKGROUND) {
        rgba[p] = 0;
        rgba[p + 1] = 0;
        rgba[p + 2] = 0;
        rgba[p + 3] = 0;
      }
    }
    for (int id = 0; id < alpha.length; id++) {
      int p = 4 * band.imageIndex(band.positions[id]);
      rgba[p] = toByte(fg[3 * id]);
      rgba[p + 1] = toByte(fg[3 * id + 1]);
      rgba[p + 2] = toByte(fg[3 * id + 2]);
      rgba[p + 3] = toByte(alpha[id]);
    }
  }

  /** numpy's {@code np.clip(v * 255, 0, 255).astype(np.uint8)}: truncation, not rounding. */
  static byte toByte(double v) {
    return (byte) (int) Math.max(0.0, Math.min(255.0, v * 255.0));
  }
}
