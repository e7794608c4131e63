package io.cutflow.worker.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * rembg's {@code sam} session ({@code sessions/sam.py}): an encoder turns the image into an
 * embedding, a decoder turns the embedding and a {@link SamPrompt} into masks; the cutout's mask is
 * 255 wherever any of the decoder's masks is above 0.
 *
 * <p>As rembg does it: the RGB image is scaled by {@code s = min(1024/w, 684/h)} onto a 1024×684
 * canvas (an affine warp, bilinear, 0 outside, truncated to 8 bits as {@code astype(uint8)}) and
 * given to the encoder as HWC float32, unnormalised (SAM's ONNX encoder normalises itself). The
 * decoder gets the prompt's points times {@code s} plus a padding point (0, 0) labelled −1, an
 * empty 256×256 {@code mask_input}, {@code has_mask_input} 0 and {@code orig_im_size} (684, 1024);
 * its masks (1, N, 684, 1024) are warped back by the inverse transform, bilinear, 0 outside.
 */
public final class SamSegmenter implements AutoCloseable {
  static final int CANVAS_W = 1024;
  static final int CANVAS_H = 684;

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession encoder;
  private final OrtSession decoder;
  private final String encoderInput;

  public SamSegmenter(Path encoderFile, Path decoderFile, int intraOpThreads) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(intraOpThreads);
      this.encoder = env.createSession(encoderFile.toString(), options);
      this.decoder = env.createSession(decoderFile.toString(), options);
    }
    this.encoderInput = encoder.getInputNames().iterator().next();
  }

  /** rembg's scale from the image to the 1024×684 canvas. */
  static double scale(int width, int height) {
    return Math.min((double) CANVAS_W / width, (double) CANVAS_H / height);
  }

  /** The mask (one byte per pixel, 0 or 255) of the image {@code rgba} for {@code prompt}. */
  public synchronized byte[] mask(byte[] rgba, int width, int height, SamPrompt prompt)
      throws OrtException {
    double s = scale(width, height);
    float[] canvas = canvas(rgba, width, height, s);
    try (OnnxTensor image =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(canvas), new long[] {CANVAS_H, CANVAS_W, 3});
        OrtSession.Result encoded = encoder.run(Map.of(encoderInput, image))) {
      OnnxTensor embedding = (OnnxTensor) encoded.get(0);
      int n = prompt.points().size() + 1;
      try (OnnxTensor coords =
              OnnxTensor.createTensor(
                  env, FloatBuffer.wrap(pointCoords(prompt, s)), new long[] {1, n, 2});
          OnnxTensor labels =
              OnnxTensor.createTensor(
                  env, FloatBuffer.wrap(pointLabels(prompt)), new long[] {1, n});
          OnnxTensor maskInput =
              OnnxTensor.createTensor(
                  env, FloatBuffer.wrap(new float[256 * 256]), new long[] {1, 1, 256, 256});
          OnnxTensor hasMask =
              OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[1]), new long[] {1});
          OnnxTensor size =
              OnnxTensor.createTensor(
                  env, FloatBuffer.wrap(new float[] {CANVAS_H, CANVAS_W}), new long[] {2});
          OrtSession.Result decoded =
              decoder.run(
                  Map.of(
                      "image_embeddings", embedding,
                      "point_coords", coords,
                      "point_labels", labels,
                      "mask_input", maskInput,
                      "has_mask_input", hasMask,
                      "orig_im_size", size))) {
        OnnxTensor masks = (OnnxTensor) decoded.get(0);
        long[] shape = masks.getInfo().getShape();
        if (shape.length != 4 || shape[2] != CANVAS_H || shape[3] != CANVAS_W) {
          throw new IllegalStateException(
              "SAM decoder's masks have shape "
                  + Arrays.toString(shape)
                  + ", expected [1, N, 684, 1024]");
        }
        return unionBack(masks.getFloatBuffer(), (int) shape[1], width, height, s);
      }
    }
  }

  /** The image scaled onto the canvas, HWC, each value truncated to 0..255 as rembg's uint8. */
  static float[] canvas(byte[] rgba, int width, int height, double s) {
    float[] out = new float[CANVAS_W * CANVAS_H * 3];
    double inv = 1 / s;
    for (int y = 0; y < CANVAS_H; y++) {
      for (int x = 0; x < CANVAS_W; x++) {
        for (int c = 0; c < 3; c++) {
          double v = sample(rgba, 4, c, width, height, x * inv, y * inv);
          out[(y * CANVAS_W + x) * 3 + c] = (int) v;
        }
      }
    }
    return out;
  }

  /** Points times the scale, then the padding point (0, 0); x, y per point. */
  static float[] pointCoords(SamPrompt prompt, double s) {
    int n = prompt.points().size();
    float[] coords = new float[2 * (n + 1)];
    for (int i = 0; i < n; i++) {
      coords[2 * i] = (float) (prompt.points().get(i)[0] * s);
      coords[2 * i + 1] = (float) (prompt.points().get(i)[1] * s);
    }
    return coords;
  }

  /** The prompt's labels, then −1 for the padding point. */
  static float[] pointLabels(SamPrompt prompt) {
    int n = prompt.labels().size();
    float[] labels = new float[n + 1];
    for (int i = 0; i < n; i++) {
      labels[i] = prompt.labels().get(i);
    }
    labels[n] = -1;
    return labels;
  }

  /** Each canvas mask sampled back at the image's pixels; 255 where any is above 0. */
  static byte[] unionBack(FloatBuffer masks, int count, int width, int height, double s) {
    byte[] mask = new byte[width * height];
    float[] plane = new float[CANVAS_W * CANVAS_H];
    for (int m = 0; m < count; m++) {
      masks.position(m * plane.length);
      masks.get(plane);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          // astype(float32) after the float64 interpolation, then m > 0.0
          float v = (float) sampleFloat(plane, CANVAS_W, CANVAS_H, x * s, y * s);
          if (v > 0f) {
            mask[y * width + x] = (byte) 255;
          }
        }
      }
    }
    return mask;
  }

  /**
   * scipy's {@code map_coordinates(order=1, mode="constant", cval=0)}: 0 outside [0, n−1] on either
   * axis, else bilinear.
   */
  private static double sample(
      byte[] pixels, int stride, int channel, int w, int h, double sx, double sy) {
    if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1) {
      return 0;
    }
    int x0 = (int) sx;
    int y0 = (int) sy;
    int x1 = Math.min(x0 + 1, w - 1);
    int y1 = Math.min(y0 + 1, h - 1);
    double fx = sx - x0;
    double fy = sy - y0;
    double a = pixels[(y0 * w + x0) * stride + channel] & 0xFF;
    double b = pixels[(y0 * w + x1) * stride + channel] & 0xFF;
    double c = pixels[(y1 * w + x0) * stride + channel] & 0xFF;
    double d = pixels[(y1 * w + x1) * stride + channel] & 0xFF;
    return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d);
  }

  private static double sampleFloat(float[] plane, int w, int h, double sx, double sy) {
    if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1) {
      return 0;
    }
    int x0 = (int) sx;
    int y0 = (int) sy;
    int x1 = Math.min(x0 + 1, w - 1);
    int y1 = Math.min(y0 + 1, h - 1);
    double fx = sx - x0;
    double fy = sy - y0;
    return (1 - fy) * ((1 - fx) * plane[y0 * w + x0] + fx * plane[y0 * w + x1])
        + fy * ((1 - fx) * plane[y1 * w + x0] + fx * plane[y1 * w + x1]);
  }

  @Override
  public void close() throws OrtException {
    try {
      decoder.close();
    } finally {
      encoder.close();
    }
  }
}
