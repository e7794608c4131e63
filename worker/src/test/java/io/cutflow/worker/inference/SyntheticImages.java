package io.cutflow.worker.inference;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** Test images whose true mask is known: a solid shape on a plain background. */
final class SyntheticImages {
  private SyntheticImages() {}

  /** A filled red disc centred in a light grey canvas; {@link #discMask} is its true mask. */
  static BufferedImage disc(int width, int height) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(new Color(235, 235, 235));
    g.fillRect(0, 0, width, height);
    g.setColor(new Color(200, 30, 40));
    int r = Math.min(width, height) / 4;
    g.fillOval(width / 2 - r, height / 2 - r, 2 * r, 2 * r);
    g.dispose();
    return img;
  }

  static byte[] discMask(int width, int height) {
    byte[] mask = new byte[width * height];
    double r = Math.min(width, height) / 4.0;
    double cx = width / 2.0;
    double cy = height / 2.0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double dx = x + 0.5 - cx;
        double dy = y + 0.5 - cy;
        mask[y * width + x] = (byte) (dx * dx + dy * dy <= r * r ? 255 : 0);
      }
    }
    return mask;
  }

  static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!ImageIO.write(img, format, out)) {
      throw new IOException("no writer for " + format);
    }
    return out.toByteArray();
  }
}
