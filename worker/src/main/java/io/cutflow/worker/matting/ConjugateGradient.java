package io.cutflow.worker.matting;

import java.util.function.BiConsumer;
import java.util.stream.IntStream;

/**
 * Jacobi-preconditioned conjugate gradients for a symmetric positive (semi-)definite operator, as
 * pymatting's {@code cg}: stops when ‖b − Ax‖ &lt; rtol·‖b‖, fails after {@code maxIterations}. The
 * vector updates and dot products run in parallel over chunks.
 */
public final class ConjugateGradient {
  /** pymatting's defaults. */
  public static final double RELATIVE_TOLERANCE = 1e-7;

  public static final int MAX_ITERATIONS = 10_000;

  /**
   * Gives up when this many iterations in a row set no new lowest residual: a semi-definite system
   * whose residual stalls is not going to converge, and would otherwise run to {@link
   * #MAX_ITERATIONS}. (The 24 MP photo that once stalled had an indefinite operator, since fixed in
   * {@link MattingLaplacian}; it now converges in about 5,000 iterations.)
   */
  public static final int STALL_ITERATIONS = 2_000;

  private static final int CHUNK = 1 << 14;

  private ConjugateGradient() {}

  /** What a solve did. */
  public record Outcome(boolean converged, int iterations, double relativeResidual) {}

  /** Jacobi: z = r / diag(A) (entries ≤ 0 are treated as 1). */
  public static BiConsumer<double[], double[]> jacobi(double[] diagonal) {
    double[] inv = new double[diagonal.length];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = diagonal[i] > 0 ? 1.0 / diagonal[i] : 1.0;
    }
    return (r, z) ->
        chunks(
            r.length,
            (lo, hi) -> {
              for (int i = lo; i < hi; i++) {
                z[i] = r[i] * inv[i];
              }
            });
  }

  /** {@link #solve(BiConsumer, BiConsumer, double[], double[], double, int)} with Jacobi. */
  public static Outcome solve(
      BiConsumer<double[], double[]> a,
      double[] diagonal,
      double[] b,
      double[] x,
      double rtol,
      int maxIterations) {
    return solve(a, jacobi(diagonal), b, x, rtol, maxIterations);
  }

  /**
   * Solves A x = b, starting from {@code x} (overwritten with the solution).
   *
   * @param a y = A x
   * @param m z = M⁻¹ r, the preconditioner
   */
  public static Outcome solve(
      BiConsumer<double[], double[]> a,
      BiConsumer<double[], double[]> m,
      double[] b,
      double[] x,
      double rtol,
      int maxIterations) {
    int n = b.length;
    double normB = Math.sqrt(dot(b, b));
    if (n == 0 || normB == 0) {
      java.util.Arrays.fill(x, 0.0);
      return new Outcome(true, 0, 0.0);
    }
    double[] z = new double[n];
    double[] r = new double[n];
    double[] p = new double[n];
    double[] q = new double[n];
    a.accept(x, q);
    chunks(
        n,
        (lo, hi) -> {
          for (int i = lo; i < hi; i++) {
            r[i] = b[i] - q[i];
          }
        });
    double normR = Math.sqrt(dot(r, r));
    if (normR < rtol * normB) {
      return new Outcome(true, 0, normR / normB);
    }
    m.accept(r, p);
    double rz = dot(r, p);
    double best = normR;
    int bestIteration = 0;
    for (int it = 1; it <= maxIterations; it++) {
      a.accept(p, q);
      double pq = dot(p, q);
      // L_UU is only semi-definite where an unknown region touches no known pixel (b is 0 there,
      // and CG stays in the range); pᵀAp may then round to ≤ 0 without harm. NaN is failure.
      if (!Double.isFinite(pq) || pq == 0) {
        return new Outcome(false, it, normR / normB);
      }
      double alpha = rz / pq;
      chunks(
          n,
          (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
              x[i] += alpha * p[i];
              r[i] -= alpha * q[i];
            }
          });
      normR = Math.sqrt(dot(r, r));
      if (normR < rtol * normB) {
        return new Outcome(true, it, normR / normB);
      }
      if (normR < best) {
        best = normR;
        bestIteration = it;
      } else if (it - bestIteration >= STALL_ITERATIONS) {
        return new Outcome(false, it, normR / normB);
      }
      m.accept(r, z);
      double rzNext = dot(r, z);
      double beta = rzNext / rz;
      rz = rzNext;
      chunks(
          n,
          (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
              p[i] = z[i] + beta * p[i];
            }
          });
    }
    return new Outcome(false, maxIterations, normR / normB);
  }

  private interface Range {
    void run(int lo, int hi);
  }

  private static void chunks(int n, Range body) {
    int count = (n + CHUNK - 1) / CHUNK;
    IntStream.range(0, count)
        .parallel()
        .forEach(c -> body.run(c * CHUNK, Math.min(n, (c + 1) * CHUNK)));
  }

  static double dot(double[] u, double[] v) {
    return dot(u, v, null);
  }

  /** Σ u·v (·w): per chunk, then summed in chunk order, so the result does not depend on timing. */
  private static double dot(double[] u, double[] v, double[] w) {
    int n = u.length;
    int count = (n + CHUNK - 1) / CHUNK;
    double[] partial = new double[count];
    IntStream.range(0, count)
        .parallel()
        .forEach(
            c -> {
              double s = 0;
              for (int i = c * CHUNK, hi = Math.min(n, (c + 1) * CHUNK); i < hi; i++) {
                s += w == null ? u[i] * v[i] : u[i] * v[i] * w[i];
              }
              partial[c] = s;
            });
    double s = 0;
    for (double d : partial) {
      s += d;
    }
    return s;
  }

  /** Heap bytes a solve of {@code n} unknowns holds besides x, b and the preconditioner. */
  static long bytes(long n) {
    return 4 * 8 * n;
  }
}
