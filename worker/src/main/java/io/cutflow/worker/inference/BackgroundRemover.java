package io.cutflow.worker.inference;

import ai.onnxruntime.OrtException;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.DecodedImage;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.image.PngWriter;
import java.nio.FloatBuffer;

/**
 * Image bytes in, rembg-identical cutout PNG out, in stages the worker can overlap: {@link
 * #prepare} (decode + pre-process), {@link #infer} (the model), {@link #finish} (post-process,
 * compose, encode). {@link #remove} runs all three in sequence.
 *
 * <p>Thread-safety: {@code prepare} and {@code finish} may run on any number of threads at once;
 * {@code infer} is serialised by the session.
 */
public final class BackgroundRemover {
  private final InferenceSession session;
  private final ImageDecoder decoder;
  private final PngWriter png;
  private final Preprocessor preprocessor;
  private final MaskPostprocessor postprocessor;

  public BackgroundRemover(InferenceSession session, ImageDecoder decoder, PngWriter png) {
    this.session = session;
    this.decoder = decoder;
    this.png = png;
    this.preprocessor = new Preprocessor(session.profile());
    this.postprocessor = new MaskPostprocessor(session.profile());
  }

  public ModelProfile profile() {
    return session.profile();
  }

  /** A decoded image and its model input, ready for {@link #infer}. */
  public record Prepared(
      DecodedImage image, FloatBuffer input, CutoutOptions options, StageTimings timings) {}

  /** The raw model output for a prepared image, ready for {@link #finish}. */
  public record Inferred(Prepared prepared, FloatBuffer output) {}

  /** The encoded result: a PNG (RGBA, or grey for only-mask) of the oriented input's size. */
  public record Cutout(byte[] png, int width, int height, StageTimings timings) {}

  public Prepared prepare(byte[] data, String inputName, CutoutOptions options)
      throws InvalidImageException {
    return prepare(data, inputName, options, null);
  }

  /**
   * Decodes and pre-processes. {@code buffer} may be a reused buffer from {@link
   * InferenceSession#newInputBuffer()}; null allocates one.
   */
  public Prepared prepare(byte[] data, String inputName, CutoutOptions options, FloatBuffer buffer)
      throws InvalidImageException {
    StageTimings t = new StageTimings();
    long t0 = System.nanoTime();
    DecodedImage image = decoder.decode(data, inputName);
    t.record(StageTimings.DECODE, t0);
    return prepare(image, options, buffer, t);
  }

  public Prepared prepare(
      DecodedImage image, CutoutOptions options, FloatBuffer buffer, StageTimings t) {
    long t0 = System.nanoTime();
    FloatBuffer input = buffer != null ? buffer : session.newInputBuffer();
    input.clear();
    preprocessor.prepare(image, input);
    t.record(StageTimings.PREPROCESS, t0);
    return new Prepared(image, input, options, t);
  }

  public Inferred infer(Prepared p) throws OrtException {
    long t0 = System.nanoTime();
    FloatBuffer out = session.run(p.input());
    p.timings().record(StageTimings.INFERENCE, t0);
    return new Inferred(p, out);
  }

  public Cutout finish(Inferred inferred) {
    Prepared p = inferred.prepared();
    DecodedImage image = p.image();
    CutoutOptions options = p.options();
    StageTimings t = p.timings();
    long t0 = System.nanoTime();
    byte[] mask = postprocessor.toMask(inferred.output(), image.width(), image.height());
    if (options.postProcessMask()) {
      mask = MaskRefiner.refine(mask, image.width(), image.height());
    }
    byte[] pixels = null;
    if (!options.onlyMask()) {
      pixels = CutoutComposer.cutout(image, mask);
      if (options.bgcolor() != null) {
        CutoutComposer.applyBackground(pixels, options.bgcolorRgba());
      }
    }
    t.record(StageTimings.POSTPROCESS, t0);
    long t1 = System.nanoTime();
    byte[] encoded =
        options.onlyMask()
            ? png.encodeGray(image.width(), image.height(), mask)
            : png.encodeRgba(image.width(), image.height(), pixels);
    t.record(StageTimings.ENCODE, t1);
    return new Cutout(encoded, image.width(), image.height(), t);
  }

  /** Decode, pre-process, infer, post-process, compose and encode one image. */
  public Cutout remove(byte[] data, String inputName, CutoutOptions options)
      throws InvalidImageException, OrtException {
    return finish(infer(prepare(data, inputName, options)));
  }
}
