package io.cutflow.worker.inference;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.ImageHeader;
import io.cutflow.worker.image.PngWriter;
import io.cutflow.worker.matting.AlphaMatting;

/**
 * The most Java heap one cutout holds at once, from the image's header and the job's options,
 * counted buffer by buffer along {@link BackgroundRemover}'s path. With N pixels, W×H the oriented
 * size, D the encoded size and M the model's input (1024×1024 for ISNet):
 *
 * <pre>
 *  decode      D + max(R·N raster + 4N RGBA copy, 4N RGBA + 4N re-oriented copy)  (ImageHeader;
 *              R = 0 for 8-bit RGB/RGBA PNG, decoded straight into the RGBA array)
 *  pre-process D + 4N image + 3·M_w·H resampled rows + 3M model-size RGB + filter tables
 *              + the vertical pass's ring of widened rows (4 bytes a sample, one row per tap)
 *  finish      4N image + 4M model output (a heap copy)
 *              + the largest of: 5M model-size mask (floats, then bytes)
 *                                N full-size mask + M_h·W resampled rows + ring
 *                                N mask + 6N post-process-mask (opened mask, float pass, result)
 *                                N mask + 2·PNG (blocks, then the result; PNG ≤ 4N·1.0003
 *                                  for RGBA, N for only-mask, incompressible pixels)
 *                                N mask + alpha matting (-a, not with only-mask: trimap N,
 *                                  box-wide 14N, unknown pixels max(5N, 64 MiB); AlphaMatting)
 * </pre>
 *
 * The cutout is composed in place in the image's own RGBA array, so the output costs no second 4N.
 * Defaults (RGBA out): finish ≈ 4N + N + 8N = 13 bytes per pixel, the largest term for every
 * decoded format (16-bit RGBA PNG: decode 12N + D). A 50 MP image needs about 650 MB.
 *
 * <p>A model with several masks ({@code u2net_cloth_seg}, C = masks + 1 class planes) holds C·M
 * output floats and an N-byte label map. With one category chosen, the label map becomes the mask
 * in place and the rest is as above. With k stacked cutouts: 4N image + 4kN stack + the larger of
 * (N labels + N mask + the post-process mask's 7N) and the PNG of a W×kH RGBA image (≈ 8kN): about
 * 40 bytes a pixel for k = 3, so such a job fits a third of the pixels a single cutout does; a
 * stack over Java's largest array can never be made.
 */
public final class CutoutMemory {
  /** Per axis, Pillow-style Lanczos tables: doubles and ints per output sample and tap. */
  private static final long TABLE_BYTES_PER_SOURCE_PIXEL = 72;

  /** Java's largest array, about; a stacked output past it cannot be allocated. */
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private CutoutMemory() {}

  /** Heap bytes to lease before decoding the image {@code header} describes. */
  public static long bytes(ImageHeader header, CutoutOptions options, ModelProfile profile) {
    long n = header.pixels();
    long w = header.orientedWidth();
    long h = header.orientedHeight();
    long modelW = profile.inputWidth();
    long modelH = profile.inputHeight();
    long model = modelW * modelH;
    long tables = TABLE_BYTES_PER_SOURCE_PIXEL * (w + h) + (64L << 10);
    boolean classes = profile.masks() > 1;
    int k = profile.cutouts(options);
    if (4 * n * k > MAX_ARRAY) {
      return Long.MAX_VALUE;
    }

    long decode = header.decodeBytes();
    long preprocess =
        header.encodedBytes()
            + 4 * n
            + 3 * modelW * h
            + 3 * model
            + tables
            + LanczosResampler.ringBytes(w, modelW, 3 * h)
            + LanczosResampler.ringBytes(h, modelH, 3 * modelW);

    long output = 4 * model * (classes ? profile.masks() + 1 : 1);
    long labels = classes ? n : 0;
    long resizeMask =
        n
            + modelH * w
            + tables
            + LanczosResampler.ringBytes(modelW, w, modelH)
            + LanczosResampler.ringBytes(modelH, h, w);
    long postProcess = options.postProcessMask() ? n + MaskRefiner.peakBytes(n) : 0;
    long finish;
    if (k == 1) {
      int channels = options.onlyMask() ? 1 : 4;
      long encode = n + PngWriter.peakBytes((int) w, (int) h, channels);
      long matting =
          options.alphaMatting() && !options.onlyMask() ? n + AlphaMatting.peakBytes(n) : 0;
      // a single category's mask is the label map, made in place
      finish =
          4 * n
              + output
              + Math.max(
                  Math.max(5 * model, resizeMask),
                  Math.max(Math.max(postProcess, encode), matting));
    } else {
      // stacked cutouts are not matted (see BackgroundRemover.finishClasses)
      long pieces = labels + n + postProcess;
      long encode = PngWriter.peakBytes((int) w, (int) (h * k), 4);
      finish =
          4 * n
              + output
              + 4 * n * k
              + Math.max(Math.max(5 * model, resizeMask), Math.max(pieces, encode));
    }

    return Math.max(Math.max(decode, preprocess), finish);
  }
}
