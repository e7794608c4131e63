package io.cutflow.worker.matting;

import java.util.Arrays;

/**
 * Two-level preconditioner for L<sub>UU</sub>: IC(0) plus an exact solve on a coarse space of
 * functions affine in colour over square blocks of the box. Why: the matting Laplacian's null space
 * is the alpha that is affine in colour over each window, so its slowest CG modes are regions (flat
 * anime fills, fur shading) whose alpha is nearly free and only weakly tied to the rest; IC(0)
 * damps what is local only (anime-girl-2: 1,098 iterations). Piecewise-constant blocks do not span
 * those modes (anime-girl-3, 4-px blocks, exact coarse solve: 351 iterations with a constant per
 * block, 25 with {1, r, g, b}); here, with IC(0) and 8-px blocks, anime-girl-3 takes 81 instead of
 * 500 and anime-girl-2 104 instead of 1,098.
 *
 * <p>Each block's unknowns get the constant and their three centred colour channels,
 * orthonormalised (a channel that is flat or repeats another is dropped), so the coarse matrix
 * A<sub>c</sub> = PᵀLP has up to four unknowns a block and couples only neighbouring blocks (L
 * reaches two pixels, a block is wider). Blocks are numbered along the box's longer side, so the
 * Cholesky factor of A<sub>c</sub> fits an envelope about one short side of blocks wide; a
 * dependent coarse unknown (a region touching no known pixel is singular) gets no correction.
 * Applied additively, z = S r + P A<sub>c</sub>⁻¹ Pᵀ r with S the IC(0) solve: symmetric and
 * positive, as CG needs, and one L application per iteration fewer than the multiplicative form
 * (which also took more iterations with IC(0) as smoother: 167 against 104 on anime-girl-2).
 */
public final class AffineCoarseSpace {
  /**
   * Block sides tried, in pixels, until the coarse factor fits what is leased. Smaller blocks cut
   * iterations but grow the factor (about one short side of blocks wide): on anime-girl-2 (283k
   * unknowns), 6 px: 89 iterations, 1.5 s setup, 6.6 s solve; 8 px: 104, 0.7 s, 4.1 s, 29 MiB; 10
   * px: 127, 0.5 s, 4.2 s, 15 MiB; over all 13 shared photos 8 px took the fewest iterations
   * without a slow setup.
   */
  static final int[] BLOCKS = {8, 10, 12, 16, 24};

  /**
   * Most multiply-adds the coarse factorisation may take (about a second here; anime-girl-2 with
   * 8-px blocks takes 3e8): past it, larger blocks.
   */
  private static final long MAX_FACTOR_WORK = 1_500_000_000L;

  /** Coarse pivots below this fraction of their diagonal are treated as dependent. */
  private static final double PIVOT = 1e-11;

  private final AssembledLaplacian op;
  private final IncompleteCholesky smoother;

  /** Per unknown: its block's number. */
  private final int[] blockOf;

  /** Per block: its first coarse unknown; the last entry is the coarse size. */
  private final int[] dofStart;

  /** Per unknown: its four basis coefficients (0 beyond its block's coarse unknowns). */
  private final double[] basis;

  /** Per coarse unknown: first column of its factor row, and where that row starts in env. */
  private final int[] envStart;

  private final int[] envOffset;

  /** The coarse Cholesky factor's rows (lower triangle, within the envelope). */
  private final double[] env;

  /** 1 / the coarse factor's diagonal; 0 for a dependent coarse unknown. */
  private final double[] invDiag;

  private final double[] coarse;

  private AffineCoarseSpace(
      AssembledLaplacian op,
      IncompleteCholesky smoother,
      int[] blockOf,
      int[] dofStart,
      double[] basis,
      int[] envStart,
      int[] envOffset) {
    this.op = op;
    this.smoother = smoother;
    this.blockOf = blockOf;
    this.dofStart = dofStart;
    this.basis = basis;
    this.envStart = envStart;
    this.envOffset = envOffset;
    int nc = envStart.length;
    this.env = new double[envOffset[nc]];
    this.invDiag = new double[nc];
    this.coarse = new double[nc];
  }

  /**
   * The two-level preconditioner of {@code op} (over the RGBA image {@code rgba}) around {@code
   * smoother}, with the smallest of {@link #BLOCKS} whose heap fits {@code maxBytes} (and whose
   * factorisation is not slow); null when none does (then IC(0) alone is the fallback).
   */
  public static AffineCoarseSpace of(
      AssembledLaplacian op, IncompleteCholesky smoother, byte[] rgba, long maxBytes) {
    for (int block : BLOCKS) {
      AffineCoarseSpace c = of(op, smoother, rgba, maxBytes, block);
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  /**
   * As {@link #of(AssembledLaplacian, IncompleteCholesky, byte[], long)} with blocks of {@code
   * block} pixels (≥ 3).
   */
  static AffineCoarseSpace of(
      AssembledLaplacian op, IncompleteCholesky smoother, byte[] rgba, long maxBytes, int block) {
    UnknownBand band = op.band();
    int n = band.size();
    if (bytes(n) > maxBytes) {
      return null;
    }
    int bw = band.width;
    int cols = (bw + block - 1) / block;
    int rows = (band.height + block - 1) / block;
    int[] blockAt = new int[cols * rows];
    Arrays.fill(blockAt, -1);
    for (int i = 0; i < n; i++) {
      int p = band.positions[i];
      blockAt[(p / bw / block) * cols + p % bw / block] = 0;
    }
    int blocks = 0;
    // numbered along the box's longer side, so a block's neighbours are at most one short side
    // apart
    boolean byColumn = rows < cols;
    for (int q = 0; q < blockAt.length; q++) {
      int b = byColumn ? (q % rows) * cols + q / rows : q;
      if (blockAt[b] == 0) {
        blockAt[b] = blocks++;
      }
    }
    int[] blockOf = new int[n];
    int[] memberStart = new int[blocks + 1];
    for (int i = 0; i < n; i++) {
      int p = band.positions[i];
      blockOf[i] = blockAt[(p / bw / block) * cols + p % bw / block];
      memberStart[blockOf[i] + 1]++;
    }
    for (int g = 0; g < blocks; g++) {
      memberStart[g + 1] += memberStart[g];
    }
    int[] members = new int[n];
    int[] fill = Arrays.copyOf(memberStart, blocks);
    for (int i = 0; i < n; i++) {
      members[fill[blockOf[i]]++] = i;
    }
    double[] basis = new double[4 * n];
    int[] dofStart = new int[blocks + 1];
    for (int g = 0; g < blocks; g++) {
      dofStart[g + 1] =
          dofStart[g]
              + orthonormalBasis(band, rgba, members, memberStart[g], memberStart[g + 1], basis);
    }
    int nc = dofStart[blocks];
    // envelope: a block couples to the blocks around it, the earliest of which starts its rows
    int[] envStart = new int[nc];
    int[] envOffset = new int[nc + 1];
    long size = 0;
    long work = 0;
    for (int by = 0; by < rows; by++) {
      for (int bx = 0; bx < cols; bx++) {
        int g = blockAt[by * cols + bx];
        if (g < 0) {
          continue;
        }
        int first = g;
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            int yy = by + dy;
            int xx = bx + dx;
            if (yy >= 0 && xx >= 0 && xx < cols && yy < rows) {
              int h = blockAt[yy * cols + xx];
              if (h >= 0) {
                first = Math.min(first, h);
              }
            }
          }
        }
        for (int u = dofStart[g]; u < dofStart[g + 1]; u++) {
          envStart[u] = dofStart[first];
          long length = u - envStart[u] + 1;
          size += length;
          work += length * length / 2;
        }
      }
    }
    if (size > Integer.MAX_VALUE - 8
        || 8 * size + 24L * nc + bytes(n) > maxBytes
        || work > MAX_FACTOR_WORK) {
      return null;
    }
    for (int u = 0; u < nc; u++) {
      envOffset[u + 1] = envOffset[u] + u - envStart[u] + 1;
    }
    AffineCoarseSpace c =
        new AffineCoarseSpace(op, smoother, blockOf, dofStart, basis, envStart, envOffset);
    c.assemble();
    c.factorise();
    return c;
  }

  /**
   * Writes an orthonormal basis of {1, r, g, b} over the unknowns members[lo..hi) into their
   * coefficients, dropping what is (nearly) dependent; returns how many vectors were kept.
   */
  private static int orthonormalBasis(
      UnknownBand band, byte[] rgba, int[] members, int lo, int hi, double[] basis) {
    int m = hi - lo;
    double[] mean = new double[3];
    for (int q = lo; q < hi; q++) {
      int p = 4 * band.imageIndex(band.positions[members[q]]);
      for (int c = 0; c < 3; c++) {
        mean[c] += (rgba[p + c] & 0xFF) / 255.0;
      }
    }
    for (int c = 0; c < 3; c++) {
      mean[c] /= m;
    }
    double[] v = new double[m];
    int kept = 0;
    for (int a = 0; a < 4; a++) {
      for (int q = lo; q < hi; q++) {
        int p = 4 * band.imageIndex(band.positions[members[q]]);
        v[q - lo] = a == 0 ? 1.0 : (rgba[p + a - 1] & 0xFF) / 255.0 - mean[a - 1];
      }
      double before = Math.sqrt(dot(v, v));
      for (int pass = 0; pass < 2; pass++) { // Gram–Schmidt twice: orthogonal to rounding
        for (int k = 0; k < kept; k++) {
          double s = 0;
          for (int q = lo; q < hi; q++) {
            s += v[q - lo] * basis[4 * members[q] + k];
          }
          for (int q = lo; q < hi; q++) {
            v[q - lo] -= s * basis[4 * members[q] + k];
          }
        }
      }
      double norm = Math.sqrt(dot(v, v));
      if (before > 0 && norm > 1e-3 * before) {
        for (int q = lo; q < hi; q++) {
          basis[4 * members[q] + kept] = v[q - lo] / norm;
        }
        kept++;
      }
    }
    return kept;
  }

  private static double dot(double[] u, double[] v) {
    double s = 0;
    for (int i = 0; i < u.length; i++) {
      s += u[i] * v[i];
    }
    return s;
  }

  /** A<sub>c</sub> = Pᵀ L P, lower triangle into the envelope. */
  private void assemble() {
    UnknownBand band = op.band();
    double[] a = op.lower();
    int bw = band.width;
    for (int i = 0; i < blockOf.length; i++) {
      int gi = blockOf[i];
      int ui = dofStart[gi];
      int ki = dofStart[gi + 1] - ui;
      double d = a[i * AssembledLaplacian.SLOTS + AssembledLaplacian.DIAG];
      for (int x = 0; x < ki; x++) {
        for (int y = 0; y <= x; y++) {
          env[at(ui + x, ui + y)] += basis[4 * i + x] * d * basis[4 * i + y];
        }
      }
      int p = band.positions[i];
      for (int s = 0; s < 12; s++) {
        int j = op.neighbour(p % bw + AssembledLaplacian.DX[s], p / bw + AssembledLaplacian.DY[s]);
        if (j < 0) {
          continue;
        }
        double v = a[i * AssembledLaplacian.SLOTS + s];
        int uj = dofStart[blockOf[j]];
        int kj = dofStart[blockOf[j] + 1] - uj;
        for (int x = 0; x < ki; x++) {
          for (int y = 0; y < kj; y++) {
            int u = ui + x;
            int w = uj + y;
            // the pair (i, j) and its mirror (j, i) both land here; on the diagonal, twice
            double e = basis[4 * i + x] * v * basis[4 * j + y];
            env[at(Math.max(u, w), Math.min(u, w))] += u == w ? 2 * e : e;
          }
        }
      }
    }
  }

  private int at(int row, int col) {
    return envOffset[row] + col - envStart[row];
  }

  /**
   * Envelope Cholesky in place; a pivot that is rounding only marks its coarse unknown dependent.
   */
  private void factorise() {
    int nc = invDiag.length;
    for (int u = 0; u < nc; u++) {
      int ou = envOffset[u] - envStart[u];
      for (int k = envStart[u]; k < u; k++) {
        int ok = envOffset[k] - envStart[k];
        double v = env[ou + k];
        for (int m = Math.max(envStart[u], envStart[k]); m < k; m++) {
          v -= env[ou + m] * env[ok + m];
        }
        env[ou + k] = v * invDiag[k];
      }
      double diag = env[ou + u];
      double d = diag;
      for (int m = envStart[u]; m < u; m++) {
        d -= env[ou + m] * env[ou + m];
      }
      if (d > PIVOT * diag && d > 0) {
        env[ou + u] = Math.sqrt(d);
        invDiag[u] = 1.0 / env[ou + u];
      } else {
        env[ou + u] = 0;
        invDiag[u] = 0;
      }
    }
  }

  /** Heap bytes of the coarse factor (for the log). */
  public long factorBytes() {
    return 8L * env.length + 24L * invDiag.length;
  }

  /** Coarse unknowns (for the log). */
  public int coarseSize() {
    return invDiag.length;
  }

  /** z = M⁻¹ r (see the class comment). */
  /** z = M⁻¹ r = S r + P A<sub>c</sub>⁻¹ Pᵀ r. */
  public void apply(double[] r, double[] z) {
    int n = r.length;
    smoother.apply(r, z);
    Arrays.fill(coarse, 0.0);
    for (int i = 0; i < n; i++) {
      int u = dofStart[blockOf[i]];
      int k = dofStart[blockOf[i] + 1] - u;
      for (int x = 0; x < k; x++) {
        coarse[u + x] += basis[4 * i + x] * r[i];
      }
    }
    solveCoarse();
    for (int i = 0; i < n; i++) {
      int u = dofStart[blockOf[i]];
      int k = dofStart[blockOf[i] + 1] - u;
      double v = 0;
      for (int x = 0; x < k; x++) {
        v += basis[4 * i + x] * coarse[u + x];
      }
      z[i] += v;
    }
  }

  private void solveCoarse() {
    int nc = invDiag.length;
    for (int u = 0; u < nc; u++) {
      int ou = envOffset[u] - envStart[u];
      double v = coarse[u];
      for (int m = envStart[u]; m < u; m++) {
        v -= env[ou + m] * coarse[m];
      }
      coarse[u] = v * invDiag[u];
    }
    for (int u = nc - 1; u >= 0; u--) {
      int ou = envOffset[u] - envStart[u];
      double x = coarse[u] * invDiag[u];
      coarse[u] = x;
      for (int m = envStart[u]; m < u; m++) {
        coarse[m] -= env[ou + m] * x;
      }
    }
  }

  /**
   * Heap bytes besides the coarse factor: per unknown its block number, basis and (while building)
   * its place in the member list; per block its bookkeeping (at most one block per unknown).
   */
  static long bytes(long unknowns) {
    return unknowns * (4 + 32 + 4 + 3 * 4);
  }
}
