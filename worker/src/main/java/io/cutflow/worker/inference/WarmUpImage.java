package io.cutflow.worker.inference;

import ai.onnxruntime.OrtException;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.InvalidImageException;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Warms a {@link BackgroundRemover} on the path real jobs take — JPEG decode, resize, the model,
 * mask post-processing, composition, PNG encode — rather than the model alone. The model's first
 * runs are slow whatever the input (ONNX Runtime plans and grows its memory), and a fresh JVM runs
 * the Java stages interpreted at first; doing both here means a new worker's first real image runs
 * at full speed, which is what a recycled worker's successor needs.
 */
public final class WarmUpImage {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 600;

  private WarmUpImage() {}

  /** A drawn scene (gradient backdrop, a subject), as JPEG: the most common upload. */
  static byte[] jpeg() {
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setPaint(
        new GradientPaint(0, 0, new Color(180, 200, 230), WIDTH, HEIGHT, new Color(90, 120, 80)));
    g.fillRect(0, 0, WIDTH, HEIGHT);
    g.setColor(new Color(200, 40, 50));
    g.fillOval(WIDTH / 3, HEIGHT / 4, WIDTH / 3, HEIGHT / 2);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "jpeg", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Runs {@code runs} whole cutouts (default options, then only-mask with post-processing, so both
   * output paths are compiled); returns each run's wall time in ms and marks the session warm.
   */
  public static List<Long> warm(BackgroundRemover remover, InferenceSession session, int runs)
      throws OrtException {
    byte[] data = jpeg();
    // sam cuts only where a prompt points: the subject's centre, rembg's default point
    CutoutOptions base =
        session.sam() == null
            ? CutoutOptions.DEFAULTS
            : CutoutOptions.DEFAULTS.with(
                CutoutOptions.SAM_PROMPT,
                List.of(
                    Map.of("type", "point", "data", List.of(WIDTH / 2, HEIGHT / 2), "label", 1)));
    CutoutOptions[] variants = {
      base, base.with(CutoutOptions.ONLY_MASK, true).with(CutoutOptions.POST_PROCESS_MASK, true)
    };
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      try {
        remover.remove(data, "warm-up image", variants[i % variants.length]);
      } catch (InvalidImageException e) {
        throw new IllegalStateException(
            "the built-in warm-up image did not decode: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        // Nothing else holds heap leases during warm-up, so this only ends a process shutting down.
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while warming up", e);
      }
      times.add((System.nanoTime() - t0) / 1_000_000);
    }
    if (runs > 0) {
      session.markWarm();
    }
    return times;
  }
}
