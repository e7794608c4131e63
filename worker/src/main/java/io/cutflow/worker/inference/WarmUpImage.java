package io.cutflow.worker.inference;

import ai.onnxruntime.OrtException;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.image.PngWriter;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Warms a {@link BackgroundRemover} on the path real jobs take — JPEG decode, resize, the model,
 * mask post-processing, composition, PNG encode — so that a new worker's first real image runs at
 * full speed, which is what a recycled worker's successor needs.
 *
 * <p>A fresh JVM runs the Java stages interpreted at first: the first 800×600 cutout took 6.0 s
 * where the next took 5.3 (ISNet, 2 cores). The model itself only needs a run where its first run
 * is slow, and only as often as it is ({@link InferenceSession#slowRuns}); the other passes feed
 * the Java stages a made-up model output instead, and a worker is ready one model run (seconds)
 * sooner.
 */
public final class WarmUpImage {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 600;

  /** Whether warm-up passes run the model or give the later stages a made-up output. */
  public enum ModelRuns {
    /**
     * In as many passes as the session has slow first runs ({@link InferenceSession#slowRuns}): 0
     * with the arena and memory pattern off, 1 with the arena on, 2 with the memory pattern.
     */
    AUTO,
    ALWAYS,
    NEVER;

    /** From a setting's value: auto, always or never. */
    public static ModelRuns parse(String value) {
      return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** How many of {@code passes} passes, the first ones, run the model. */
    int modelPasses(InferenceSession session, int passes) {
      return switch (this) {
        case AUTO -> Math.min(passes, session.slowRuns());
        case ALWAYS -> passes;
        case NEVER -> 0;
      };
    }
  }

  /**
   * How a remover is warmed before it is handed out.
   *
   * @param runs passes over the built-in image (default options, then only-mask with
   *     post-processing, alternating, so both output paths are compiled); 0 = none
   * @param model which of those passes run the model
   */
  public record Plan(int runs, ModelRuns model) {
    /** {@code runs} whole cutouts, the model included. */
    public static Plan wholeCutouts(int runs) {
      return new Plan(runs, ModelRuns.ALWAYS);
    }
  }

  private WarmUpImage() {}

  /**
   * A drawn scene (gradient backdrop, a subject) with a photo's grain, as JPEG: the most common
   * upload. The grain makes its cutout's PNG as large as a photo's (many {@link
   * PngWriter#IDAT_CHUNK}s), so that the encoder's paths for full IDAT chunks are compiled here as
   * a photo takes them.
   */
  static byte[] jpeg() {
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setPaint(
        new GradientPaint(0, 0, new Color(180, 200, 230), WIDTH, HEIGHT, new Color(90, 120, 80)));
    g.fillRect(0, 0, WIDTH, HEIGHT);
    g.setColor(new Color(200, 40, 50));
    g.fillOval(WIDTH / 3, HEIGHT / 4, WIDTH / 3, HEIGHT / 2);
    g.dispose();
    byte[] bgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    Random grain = new Random(7);
    for (int i = 0; i < bgr.length; i++) {
      int v = (bgr[i] & 0xFF) + grain.nextInt(49) - 24;
      bgr[i] = (byte) Math.max(0, Math.min(255, v));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "jpeg", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Runs the plan's passes; returns each pass's wall time in ms and marks the session warm. */
  public static List<Long> warm(BackgroundRemover remover, InferenceSession session, Plan plan)
      throws OrtException {
    int runs = plan.runs();
    int withModel = plan.model().modelPasses(session, runs);
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
        CutoutOptions options = variants[i % variants.length];
        if (i < withModel) {
          remover.remove(data, "warm-up image", options);
        } else {
          withoutModel(remover, session, data, options);
        }
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

  /**
   * Every stage of {@link BackgroundRemover#remove} but the model, which a made-up output stands in
   * for.
   */
  private static void withoutModel(
      BackgroundRemover remover, InferenceSession session, byte[] data, CutoutOptions options)
      throws InvalidImageException, InterruptedException {
    BackgroundRemover.Prepared p = remover.prepare(data, "warm-up image", options);
    try (MemoryBudget.Lease ignored = p.memory()) {
      BackgroundRemover.Inferred inferred =
          session.sam() == null
              ? new BackgroundRemover.Inferred(p, disc(session.profile()))
              : new BackgroundRemover.Inferred(
                  p, null, discMask(p.image().width(), p.image().height()));
      remover.finish(inferred);
    }
  }

  /**
   * A model output with a subject in it (a centred disc over a ramp, every class map alike), so
   * that post-processing, refinement and composition take their usual paths.
   */
  static FloatBuffer disc(ModelProfile profile) {
    int w = profile.inputWidth();
    int h = profile.inputHeight();
    FloatBuffer out = FloatBuffer.allocate(profile.masks() * w * h);
    for (int c = 0; c < profile.masks(); c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double r = Math.hypot(x - w / 2.0, y - h / 2.0) / Math.min(w, h);
          out.put((float) (r < 0.3 ? 1.0 - r : r * 0.5));
        }
      }
    }
    return out.flip();
  }

  private static byte[] discMask(int w, int h) {
    byte[] mask = new byte[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean inside = Math.hypot(x - w / 2.0, y - h / 2.0) < 0.3 * Math.min(w, h);
        mask[y * w + x] = (byte) (inside ? 255 : 0);
      }
    }
    return mask;
  }
}
