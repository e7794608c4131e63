package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutflow.common.job.OptionParsers;
import io.cutflow.worker.image.DecodedImage;
import org.junit.jupiter.api.Test;

class CutoutComposerTest {

  @Test
  void div255RoundsExactlyOverTheWholeProductRange() {
    for (int a = 0; a <= 255 * 255; a++) {
      assertEquals(Math.round(a / 255.0), CutoutComposer.div255(a), "a=" + a);
    }
  }

  @Test
  void cutoutMultipliesEveryChannelByTheMaskLikePillowComposite() {
    DecodedImage img =
        new DecodedImage(
            3,
            1,
            new byte[] {
              (byte) 200,
              100,
              50,
              (byte) 255,
              (byte) 200,
              100,
              50,
              (byte) 255,
              10,
              20,
              30,
              (byte) 128
            },
            true,
            "t");
    byte[] out = CutoutComposer.cutout(img, new byte[] {0, (byte) 255, (byte) 128});
    assertArrayEquals(new byte[] {0, 0, 0, 0}, java.util.Arrays.copyOfRange(out, 0, 4));
    assertArrayEquals(
        new byte[] {(byte) 200, 100, 50, (byte) 255}, java.util.Arrays.copyOfRange(out, 4, 8));
    // 10·128/255 = 5.02 → 5; 128·128/255 = 64.25 → 64 (source alpha is multiplied too)
    assertArrayEquals(new byte[] {5, 10, 15, 64}, java.util.Arrays.copyOfRange(out, 8, 12));
  }

  @Test
  void backgroundColourBlendsWithTheCutoutsOwnAlpha() {
    byte[] rgba = {0, 0, 0, 0, (byte) 200, 100, 50, (byte) 255, 100, 50, 25, (byte) 128};
    CutoutComposer.applyBackground(rgba, new int[] {0, 255, 0, 255});
    // transparent → the background colour; opaque → unchanged
    assertArrayEquals(
        new byte[] {0, (byte) 255, 0, (byte) 255}, java.util.Arrays.copyOfRange(rgba, 0, 4));
    assertArrayEquals(
        new byte[] {(byte) 200, 100, 50, (byte) 255}, java.util.Arrays.copyOfRange(rgba, 4, 8));
    // half: DIV255(bg·127 + c·128) per channel, alpha included
    int[] expected = {
      CutoutComposer.div255(0 * 127 + 100 * 128), CutoutComposer.div255(255 * 127 + 50 * 128),
      CutoutComposer.div255(0 * 127 + 25 * 128), CutoutComposer.div255(255 * 127 + 128 * 128)
    };
    for (int c = 0; c < 4; c++) {
      assertEquals(expected[c], rgba[8 + c] & 0xFF);
    }
  }

  @Test
  void colourParsingNamesTheProblem() {
    assertArrayEquals(new int[] {1, 2, 3, 4}, OptionParsers.parseColor("1, 2,3,4"));
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> OptionParsers.parseColor("1,2,3"));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("R,G,B,A"));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> OptionParsers.parseColor("1,2,3,256"));
  }
}
