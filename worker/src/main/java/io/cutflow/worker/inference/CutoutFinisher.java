package io.cutflow.worker.inference;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.DecodedImage;
import io.cutflow.worker.image.PngWriter;
import io.cutflow.worker.inference.BackgroundRemover.Cutout;
import io.cutflow.worker.inference.BackgroundRemover.Inferred;
import io.cutflow.worker.inference.BackgroundRemover.Prepared;
import io.cutflow.worker.matting.AlphaMatting;
import java.util.List;

/**
 * The last stage of a cutout, after the model: the model's output to a mask at the image's size,
 * the mask refined, alpha matting or the plain cutout, the background colour, then the PNG; for a
 * model with several classes, one category's cutout or all of them stacked. rembg's order
 * throughout.
 */
final class CutoutFinisher {
  private final ModelProfile profile;
  private final PngWriter png;
  private final MaskPostprocessor postprocessor;

  /** True when the session is {@code sam}'s, which gives the mask itself and reads a prompt. */
  private final boolean samSession;

  CutoutFinisher(ModelProfile profile, PngWriter png, boolean samSession) {
    this.profile = profile;
    this.png = png;
    this.postprocessor = new MaskPostprocessor(profile);
    this.samSession = samSession;
  }

  /**
   * Post-processes, composes and encodes. Consumes the prepared image: the cutout is composed in
   * its RGBA array, which holds the cutout afterwards. Does not close the lease: the PNG it returns
   * is part of what the lease pays for.
   */
  Cutout finish(Inferred inferred) {
    Prepared p = inferred.prepared();
    DecodedImage image = p.image();
    long t0 = System.nanoTime();
    Cutout c;
    if (inferred.mask() != null) {
      c = finishOne(image, inferred.mask(), p.options(), p.timings(), t0);
    } else if (profile.masks() > 1) {
      c = finishClasses(inferred, t0);
    } else {
      byte[] mask = postprocessor.toMask(inferred.output(), image.width(), image.height());
      c = finishOne(image, mask, p.options(), p.timings(), t0);
    }
    if (p.options().samPrompt() != null && !samSession) {
      // rembg hands extras to every model and only sam reads them; say so rather than fail
      String ignored = "sam_prompt ignored: model " + profile.name() + " takes no prompt";
      c =
          new Cutout(
              c.png(),
              c.width(),
              c.height(),
              c.timings(),
              c.note() == null ? ignored : c.note() + "; " + ignored);
    }
    return c;
  }

  /** One mask: composed in the image's own RGBA array, then encoded. */
  private Cutout finishOne(
      DecodedImage image, byte[] mask, CutoutOptions options, StageTimings t, long t0) {
    if (options.postProcessMask()) {
      mask = MaskRefiner.refine(mask, image.width(), image.height());
    }
    byte[] pixels = null;
    String note = null;
    if (!options.onlyMask()) {
      pixels = image.rgba();
      // rembg's order: post-process the mask, then matting (or the plain cutout), then background
      boolean matted = false;
      if (options.alphaMatting()) {
        t.record(StageTimings.POSTPROCESS, t0);
        long tm = System.nanoTime();
        AlphaMatting.Result r =
            AlphaMatting.cutoutInPlace(
                pixels,
                mask,
                image.width(),
                image.height(),
                options.alphaMattingForegroundThreshold(),
                options.alphaMattingBackgroundThreshold(),
                options.alphaMattingErodeSize());
        t.record(StageTimings.MATTING, tm);
        t0 = System.nanoTime();
        matted = r.matted();
        note = r.note();
      }
      if (!matted) {
        CutoutComposer.cutoutInPlace(pixels, mask);
      }
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
    return new Cutout(encoded, image.width(), image.height(), t, note);
  }

  /**
   * A segmentation into classes ({@link ClothSegmentation}): the job's one category as a single
   * mask, or every category's cutout stacked vertically as rembg returns them (one mask alive at a
   * time; {@link CutoutMemory} counts the stack).
   */
  private Cutout finishClasses(Inferred inferred, long t0) {
    Prepared p = inferred.prepared();
    DecodedImage image = p.image();
    CutoutOptions options = p.options();
    int w = image.width();
    int h = image.height();
    byte[] labels = ClothSegmentation.labels(inferred.output(), profile, w, h);
    List<Integer> categories = ClothSegmentation.categories(options);
    if (categories.size() == 1) {
      // the label map becomes the mask: no second full-size array
      byte[] mask = ClothSegmentation.mask(labels, categories.get(0), labels);
      return finishOne(image, mask, options, p.timings(), t0);
    }
    byte[] rgba = image.rgba();
    byte[] stack = new byte[Math.multiplyExact(rgba.length, categories.size())];
    byte[] buffer = new byte[labels.length];
    for (int i = 0; i < categories.size(); i++) {
      byte[] mask = ClothSegmentation.mask(labels, categories.get(i), buffer);
      if (options.postProcessMask()) {
        mask = MaskRefiner.refine(mask, w, h);
      }
      CutoutComposer.stackInto(stack, i, rgba, mask, options.onlyMask(), options.bgcolorRgba());
    }
    // neither is held while encoding
    buffer = null;
    labels = null;
    p.timings().record(StageTimings.POSTPROCESS, t0);
    long t1 = System.nanoTime();
    int height = h * categories.size();
    byte[] encoded = png.encodeRgba(w, height, stack);
    p.timings().record(StageTimings.ENCODE, t1);
    return new Cutout(encoded, w, height, p.timings());
  }
}
