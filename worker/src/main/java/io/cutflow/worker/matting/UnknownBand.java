package io.cutflow.worker.matting;

/**
 * Where matting works: the bounding box of the trimap's unknown pixels, widened by two pixels (a
 * 3×3 window around an unknown pixel reaches two pixels beyond it), and inside it the unknown
 * pixels numbered in row order. Everything the solver and the foreground estimator keep is over
 * this box or over the unknown pixels only, never over the whole image.
 */
public final class UnknownBand {
  /** {@link #id} of a known background pixel. */
  public static final int KNOWN_BACKGROUND = -1;

  /** {@link #id} of a known foreground pixel. */
  public static final int KNOWN_FOREGROUND = -2;

  final int imageWidth;
  final int imageHeight;
  final int x0;
  final int y0;
  final int width;
  final int height;

  /** Per box pixel (row-major): the unknown's number, or KNOWN_BACKGROUND / KNOWN_FOREGROUND. */
  final int[] ids;

  /** Per unknown: its box index (row-major, so the numbering follows rows). */
  final int[] positions;

  private UnknownBand(
      int imageWidth,
      int imageHeight,
      int x0,
      int y0,
      int width,
      int height,
      int[] ids,
      int[] pos) {
    this.imageWidth = imageWidth;
    this.imageHeight = imageHeight;
    this.x0 = x0;
    this.y0 = y0;
    this.width = width;
    this.height = height;
    this.ids = ids;
    this.positions = pos;
  }

  /** Counts the unknown pixels of a trimap without building anything (for the memory check). */
  public static long countUnknown(byte[] trimap) {
    long n = 0;
    for (byte t : trimap) {
      n += (t & 0xFF) == Trimap.UNKNOWN ? 1 : 0;
    }
    return n;
  }

  /** The band of {@code trimap} ({@code w}×{@code h}); null when it has no unknown pixel. */
  public static UnknownBand of(byte[] trimap, int w, int h) {
    int minX = w;
    int minY = h;
    int maxX = -1;
    int maxY = -1;
    int count = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if ((trimap[y * w + x] & 0xFF) == Trimap.UNKNOWN) {
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
          count++;
        }
      }
    }
    if (count == 0) {
      return null;
    }
    int x0 = Math.max(0, minX - 2);
    int y0 = Math.max(0, minY - 2);
    int bw = Math.min(w - 1, maxX + 2) - x0 + 1;
    int bh = Math.min(h - 1, maxY + 2) - y0 + 1;
    int[] ids = new int[bw * bh];
    int[] positions = new int[count];
    int next = 0;
    for (int by = 0; by < bh; by++) {
      for (int bx = 0; bx < bw; bx++) {
        int t = trimap[(y0 + by) * w + x0 + bx] & 0xFF;
        int b = by * bw + bx;
        if (t == Trimap.UNKNOWN) {
          positions[next] = b;
          ids[b] = next++;
        } else {
          ids[b] = t == Trimap.FOREGROUND ? KNOWN_FOREGROUND : KNOWN_BACKGROUND;
        }
      }
    }
    return new UnknownBand(w, h, x0, y0, bw, bh, ids, positions);
  }

  /** Number of unknown pixels. */
  public int size() {
    return positions.length;
  }

  /** Image index (row-major over the whole image) of box index {@code b}. */
  int imageIndex(int b) {
    return (y0 + b / width) * imageWidth + x0 + b % width;
  }

  /** Heap bytes this band holds for a box of {@code boxPixels} and {@code unknown} pixels. */
  static long bytes(long boxPixels, long unknown) {
    return 4 * boxPixels + 4 * unknown;
  }
}
