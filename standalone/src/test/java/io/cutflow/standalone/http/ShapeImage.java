package io.cutflow.standalone.http;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** The small image the HTTP end-to-end tests upload: an obvious foreground, quick to cut out. */
final class ShapeImage {
  private ShapeImage() {}

  /** A PNG of a red disc (140 px across, centred) on a flat light background, {@code w×h}. */
  static byte[] png(int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(235, 235, 235));
    g.fillRect(0, 0, w, h);
    g.setColor(new Color(200, 30, 30));
    g.fillOval(w / 2 - 70, h / 2 - 70, 140, 140);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }
}
