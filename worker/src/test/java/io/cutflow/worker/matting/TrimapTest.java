package io.cutflow.worker.matting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TrimapTest {
  private static byte[] grid(String... rows) {
    int w = rows[0].length();
    byte[] out = new byte[rows.length * w];
    for (int y = 0; y < rows.length; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (byte) (rows[y].charAt(x) == '#' ? 1 : 0);
      }
    }
    return out;
  }

  @Test
  void squareErosionOutsideNotSetErodesFromTheBorder() {
    byte[] all = grid("#####", "#####", "#####", "#####");
    // 3×3: every pixel on the border loses a neighbour outside the image
    assertArrayEquals(grid(".....", ".###.", ".###.", "....."), Trimap.erode(all, 5, 4, 3, false));
    // outside counts as set (scipy border_value=1): nothing changes
    assertArrayEquals(all, Trimap.erode(all, 5, 4, 3, true));
  }

  @Test
  void evenSquareReachesOneFurtherBackAsScipy() {
    // scipy: a 2×2 square covers offsets -1..0 on each axis, a 4×4 one -2..1 (these expected
    // grids are what scipy.ndimage.binary_erosion returns for this input)
    byte[] in = grid("........", "..####..", "..####..", "..####..", "..####..", "........");
    assertArrayEquals(
        grid("........", "........", "...###..", "...###..", "...###..", "........"),
        Trimap.erode(in, 8, 6, 2, false));
    assertArrayEquals(
        grid("........", "........", "........", "....#...", "........", "........"),
        Trimap.erode(in, 8, 6, 4, false));
  }

  @Test
  void sizeZeroIsTheCross() {
    byte[] in = grid("....", ".##.", ".##.", "....");
    assertArrayEquals(grid("....", "....", "....", "...."), Trimap.erode(in, 4, 4, 0, false));
    byte[] plus = grid(".#.", "###", ".#.");
    assertArrayEquals(grid("...", ".#.", "..."), Trimap.erode(plus, 3, 3, 0, false));
    // with outside set, a full image survives, and a corner of a cross keeps only what it has
    assertArrayEquals(
        grid("###", "###", "###"), Trimap.erode(grid("###", "###", "###"), 3, 3, 0, true));
  }

  @Test
  void rembgsRuleOnAMask() {
    // 6×1 rows, thresholds af=240 ab=10, ae=1 (no erosion: a 1×1 square)
    byte[] mask = {(byte) 255, (byte) 241, (byte) 240, 10, 9, 0};
    byte[] t = Trimap.of(mask, 6, 1, 240, 10, 1);
    assertArrayEquals(new byte[] {(byte) 255, (byte) 255, (byte) 128, (byte) 128, 0, 0}, t);
  }

  @Test
  void foregroundErodesAtTheBorderBackgroundDoesNot() {
    // left half foreground, right half background, 8×3, ae=3
    int w = 8;
    int h = 3;
    byte[] mask = new byte[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        mask[y * w + x] = (byte) (x < 4 ? 255 : 0);
      }
    }
    byte[] t = Trimap.of(mask, w, h, 240, 10, 3);
    // foreground: only the middle row away from the left border and the edge (x = 1, 2) keeps a
    // full 3×3 inside the image; background: x = 4 loses its left neighbour, x = 5..7 stay
    // background though their squares leave the image (outside counts as background)
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int expected =
            x >= 5
                ? Trimap.BACKGROUND
                : y == 1 && (x == 1 || x == 2) ? Trimap.FOREGROUND : Trimap.UNKNOWN;
        assertEquals(expected, t[y * w + x] & 0xFF, "x=" + x + " y=" + y);
      }
    }
  }

  @Test
  void bigErosionCostsTheSameAndClearsEverythingItShould() {
    byte[] in = new byte[50 * 40];
    java.util.Arrays.fill(in, (byte) 1);
    byte[] out = Trimap.erode(in, 50, 40, 10, false);
    int set = 0;
    for (byte b : out) {
      set += b;
    }
    // offsets -5..4: x in 5..45 (41 columns), y in 5..35 (31 rows)
    assertEquals(41 * 31, set);
    assertEquals(0, Trimap.erode(in, 50, 40, 60_000, false)[25 * 50 + 25]);
    assertEquals(1, Trimap.erode(in, 50, 40, 60_000, true)[25 * 50 + 25]);
  }
}
