package io.cutflow.worker.matting;

import java.awt.image.BufferedImage;
import java.io.File;
import javax.imageio.ImageIO;

/**
 * Not a test: {@code MattingBench IMAGE MASK...} pairs, prints unknown pixels, CG iterations and
 * milliseconds per image (for tuning the solver; the product's benchmark is {@code cutflow profile
 * -a}).
 */
public final class MattingBench {
  private MattingBench() {}

  public static void main(String[] args) throws Exception {
    for (int k = 0; k + 1 < args.length; k += 2) {
      BufferedImage img = ImageIO.read(new File(args[k]));
      BufferedImage m = ImageIO.read(new File(args[k + 1]));
      int w = img.getWidth();
      int h = img.getHeight();
      byte[] rgba = new byte[4 * w * h];
      byte[] mask = new byte[w * h];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int p = img.getRGB(x, y);
          int i = y * w + x;
          rgba[4 * i] = (byte) (p >> 16);
          rgba[4 * i + 1] = (byte) (p >> 8);
          rgba[4 * i + 2] = (byte) p;
          rgba[4 * i + 3] = (byte) 255;
          mask[i] = (byte) (m.getRGB(x, y) & 0xFF);
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
