package io.cutflow.worker.matting;

import java.awt.image.BufferedImage;
import java.io.File;
import javax.imageio.ImageIO;

/**
 * Not a test: {@code MattingBench [-s K] IMAGE MASK...} pairs (each downscaled K× by box averaging
 * when given), prints unknown pixels, CG iterations and milliseconds per phase (for tuning the
 * solver; the product's benchmark is {@code cutflow profile -a}).
 */
public final class MattingBench {
  private MattingBench() {}

  public static void main(String[] args) throws Exception {
    int k0 = 0;
    int scale = 1;
    if (args.length > 1 && args[0].equals("-s")) {
      scale = Integer.parseInt(args[1]);
      k0 = 2;
    }
    for (int k = k0; k + 1 < args.length; k += 2) {
      BufferedImage img = ImageIO.read(new File(args[k]));
      BufferedImage m = ImageIO.read(new File(args[k + 1]));
      int w = img.getWidth() / scale;
      int h = img.getHeight() / scale;
      byte[] rgba = new byte[4 * w * h];
      byte[] mask = new byte[w * h];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int r = 0;
          int g = 0;
          int b = 0;
          int a = 0;
          for (int yy = 0; yy < scale; yy++) {
            for (int xx = 0; xx < scale; xx++) {
              int p = img.getRGB(x * scale + xx, y * scale + yy);
              r += (p >> 16) & 0xFF;
              g += (p >> 8) & 0xFF;
              b += p & 0xFF;
              a += m.getRGB(x * scale + xx, y * scale + yy) & 0xFF;
            }
          }
          int n = scale * scale;
          int i = y * w + x;
          rgba[4 * i] = (byte) ((r + n / 2) / n);
          rgba[4 * i + 1] = (byte) ((g + n / 2) / n);
          rgba[4 * i + 2] = (byte) ((b + n / 2) / n);
          rgba[4 * i + 3] = (byte) 255;
          mask[i] = (byte) ((a + n / 2) / n);
        }
      }
      long t0 = System.nanoTime();
      AlphaMatting.Result r = AlphaMatting.cutoutInPlace(rgba, mask, w, h, 240, 10, 10);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf(
          "%-20s %5dx%-5d unknown=%7d iterations=%5d residual=%.1e ms=%6d %s%n",
          new File(args[k]).getName(),
          w,
          h,
          r.unknown(),
          r.iterations(),
          r.residual(),
          ms,
          r.note() == null ? "" : r.note());
    }
  }
}
