package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LanczosResamplerTest {

  @Test
  void downscaleCoefficientsFollowPillowsSupportAndBounds() {
    // 4 → 2: scale 2, support 3·2 = 6, taps = ceil(6)·2+1 = 13.
    LanczosResampler.Coefficients c = LanczosResampler.Coefficients.lanczos(4, 2);
    assertEquals(13, c.ksize);
    // Output 0 is centred at 1.0; its window covers the whole 4-pixel input.
    assertEquals(0, c.bounds[0]);
    assertEquals(4, c.bounds[1]);
    double[] raw = new double[4];
    double sum = 0;
    for (int x = 0; x < 4; x++) {
      raw[x] = LanczosResampler.lanczos((x - 1.0 + 0.5) / 2.0);
      sum += raw[x];
    }
    for (int x = 0; x < 4; x++) {
      assertEquals(raw[x] / sum, c.weights[x], 1e-15);
      assertEquals(Math.round(raw[x] / sum * (1 << 22)), c.kk[x], 1.0);
    }
  }

  @Test
  void upscaleUsesUnscaledSupport() {
    LanczosResampler.Coefficients c = LanczosResampler.Coefficients.lanczos(10, 20);
    assertEquals(7, c.ksize); // support 3 → 3·2+1 taps
    for (int xx = 0; xx < 20; xx++) {
      long sum = 0;
      for (int x = 0; x < c.bounds[xx * 2 + 1]; x++) {
        sum += c.kk[xx * c.ksize + x];
      }
      assertEquals(1 << 22, sum, 8, "fixed-point weights of output " + xx + " sum to one");
    }
  }

  @Test
  void lanczosKernelValues() {
    assertEquals(1.0, LanczosResampler.lanczos(0), 0);
    assertEquals(0.0, LanczosResampler.lanczos(1), 1e-12);
    assertEquals(0.0, LanczosResampler.lanczos(3), 0);
    assertEquals(0.0, LanczosResampler.lanczos(-3.0001), 0);
    // sinc(0.5)·sinc(1/6) = (2/π)·(sin(π/6)/(π/6))
    assertEquals((2 / Math.PI) * (0.5 / (Math.PI / 6)), LanczosResampler.lanczos(0.5), 1e-12);
  }

  @Test
  void constantImageStaysConstantThroughBothPasses() {
    int w = 37, h = 23;
    byte[] rgba = new byte[w * h * 4];
    for (int i = 0; i < w * h; i++) {
      rgba[i * 4] = (byte) 200;
      rgba[i * 4 + 1] = (byte) 10;
      rgba[i * 4 + 2] = (byte) 128;
      rgba[i * 4 + 3] = (byte) 255;
    }
    for (int[] size : new int[][] {{16, 16}, {64, 50}, {37, 10}, {5, 23}}) {
      byte[] out = LanczosResampler.resizeRgbFromRgba(rgba, w, h, size[0], size[1]);
      assertEquals(size[0] * size[1] * 3, out.length);
      for (int i = 0; i < size[0] * size[1]; i++) {
        assertEquals(200, out[i * 3] & 0xFF);
        assertEquals(10, out[i * 3 + 1] & 0xFF);
        assertEquals(128, out[i * 3 + 2] & 0xFF);
      }
    }
  }

  @Test
  void sameSizeIsACopyOfTheColourChannels() {
    byte[] rgba = {1, 2, 3, 4, 5, 6, 7, 8};
    assertArrayEquals(
        new byte[] {1, 2, 3, 5, 6, 7}, LanczosResampler.resizeRgbFromRgba(rgba, 2, 1, 2, 1));
  }

  @Test
  void stepEdgeOvershootsAndClipsLikeLanczos() {
    // A hard 0→255 edge upscaled 2×: Lanczos rings, so values next to the edge overshoot and clip
    // to 0/255, and the two sides are mirror images of each other.
    int w = 8;
    byte[] gray = new byte[w];
    for (int x = w / 2; x < w; x++) {
      gray[x] = (byte) 255;
    }
    byte[] out = LanczosResampler.resizeGray(gray, w, 1, 16, 1);
    for (int x = 0; x < 16; x++) {
      assertEquals(255, (out[x] & 0xFF) + (out[15 - x] & 0xFF), 1, "symmetry at " + x);
    }
    assertEquals(0, out[0] & 0xFF);
    assertEquals(255, out[15] & 0xFF);
    assertTrue(
        (out[7] & 0xFF) > 0 && (out[7] & 0xFF) < 128,
        "just left of the edge is dark but not black");
  }

  @Test
  void downscaleAveragesFineDetail() {
    // Alternating columns 0/255 shrunk 4× must come out mid-grey: the support widens when
    // shrinking.
    int w = 64, h = 4;
    byte[] gray = new byte[w * h];
    for (int i = 0; i < gray.length; i++) {
      gray[i] = (byte) ((i % 2) * 255);
    }
    byte[] out = LanczosResampler.resizeGray(gray, w, h, 16, 1);
    for (int x = 2; x < 14; x++) {
      assertEquals(127.5, out[x] & 0xFF, 2.0, "column " + x);
    }
  }

  /**
   * The passes give exactly the bytes of Pillow's own loops (ImagingResampleHorizontal_8bpc, then
   * ImagingResampleVertical_8bpc: pixel by pixel, channel by channel, clipping in between), written
   * out plainly here, on noise in both directions of both axes and both channel layouts.
   */
  @Test
  void matchesPillowsPixelByPixelLoops() {
    java.util.Random random = new java.util.Random(42);
    int[][] sizes = {
      {1000, 667, 1024, 1024},
      {1440, 1079, 1024, 1024},
      {97, 301, 1024, 1024},
      {1024, 1024, 610, 700},
      {1024, 1024, 2000, 1500},
      {300, 50, 300, 200},
      {64, 64, 16, 64},
      // extreme shapes: a single column or a few rows, so column windows clip at both ends
      {1, 9, 1024, 1024},
      {2000, 3, 1024, 1024},
      {7, 1500, 320, 320}
    };
    for (int[] sz : sizes) {
      for (int stride : new int[] {4, 1}) {
        int channels = stride == 4 ? 3 : 1;
        byte[] in = new byte[sz[0] * sz[1] * stride];
        random.nextBytes(in);
        byte[] expected = pillow(in, stride, channels, sz[0], sz[1], sz[2], sz[3]);
        byte[] actual = LanczosResampler.resize(in, stride, channels, sz[0], sz[1], sz[2], sz[3]);
        assertArrayEquals(expected, actual, java.util.Arrays.toString(sz) + " stride " + stride);
      }
    }
  }

  private static byte[] pillow(
      byte[] in, int stride, int channels, int w, int h, int outW, int outH) {
    LanczosResampler.Coefficients hc = LanczosResampler.Coefficients.lanczos(w, outW);
    LanczosResampler.Coefficients vc = LanczosResampler.Coefficients.lanczos(h, outH);
    int[] temp = new int[h * outW * channels];
    for (int y = 0; y < h; y++) {
      for (int xx = 0; xx < outW; xx++) {
        for (int ch = 0; ch < channels; ch++) {
          int ss = 1 << 21;
          for (int x = 0; x < hc.bounds[xx * 2 + 1]; x++) {
            int p = (y * w + hc.bounds[xx * 2] + x) * stride + ch;
            ss += (in[p] & 0xFF) * hc.kk[xx * hc.ksize + x];
          }
          temp[(y * outW + xx) * channels + ch] =
              outW == w ? in[(y * w + xx) * stride + ch] & 0xFF : clip(ss);
        }
      }
    }
    byte[] out = new byte[outH * outW * channels];
    for (int yy = 0; yy < outH; yy++) {
      for (int xx = 0; xx < outW; xx++) {
        for (int ch = 0; ch < channels; ch++) {
          int ss = 1 << 21;
          for (int y = 0; y < vc.bounds[yy * 2 + 1]; y++) {
            int p = ((vc.bounds[yy * 2] + y) * outW + xx) * channels + ch;
            ss += temp[p] * vc.kk[yy * vc.ksize + y];
          }
          out[(yy * outW + xx) * channels + ch] =
              (byte) (outH == h ? temp[(yy * outW + xx) * channels + ch] : clip(ss));
        }
      }
    }
    return out;
  }

  private static int clip(int ss) {
    return Math.max(0, Math.min(255, ss >> 22));
  }
}
