package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MaskRefinerTest {

  @Test
  void openingRemovesSpecksAndKeepsSolidRegions() {
    int w = 20, h = 20;
    byte[] mask = new byte[w * h];
    mask[2 * w + 2] = (byte) 255; // a lone speck
    for (int y = 8; y < 18; y++) {
      for (int x = 8; x < 18; x++) {
        mask[y * w + x] = (byte) 200; // a solid block, soft value
      }
    }
    byte[] out = MaskRefiner.refine(mask, w, h);
    assertEquals(0, out[2 * w + 2], "speck removed by the opening");
    assertEquals(255, out[13 * w + 13] & 0xFF, "block centre kept and thresholded to 255");
    assertEquals(0, out[0]);
    for (byte b : out) {
      int v = b & 0xFF;
      assertTrue(v == 0 || v == 255, "output is binary");
    }
  }

  @Test
  void crossErosionUsesOnlyFourNeighbours() {
    // A plus shape erodes to its centre; the diagonal neighbours don't count for a cross kernel.
    int w = 3, h = 3;
    byte f = (byte) 255;
    byte[] plus = {0, f, 0, f, f, f, 0, f, 0};
    byte[] eroded = MaskRefiner.erodeCross(plus, w, h);
    assertEquals(255, eroded[4] & 0xFF);
    assertEquals(0, eroded[1] & 0xFF);
    byte[] dilated = MaskRefiner.dilateCross(new byte[] {0, 0, 0, 0, f, 0, 0, 0, 0}, w, h);
    assertEquals(255, dilated[1] & 0xFF);
    assertEquals(0, dilated[0] & 0xFF);
  }

  @Test
  void gaussianKernelMatchesOpenCv() {
    float[] k = MaskRefiner.gaussianKernel(5, 2.0);
    // cv2.getGaussianKernel(5, 2).ravel() = [0.15246914, 0.22184130, 0.25137912, 0.22184130,
    // 0.15246914]
    float[] cv = {0.15246914f, 0.22184130f, 0.25137912f, 0.22184130f, 0.15246914f};
    for (int i = 0; i < 5; i++) {
      assertEquals(cv[i], k[i], 1e-6f);
    }
    assertEquals(1, MaskRefiner.reflect101(-1, 5));
    assertEquals(3, MaskRefiner.reflect101(5, 5));
  }
}
