package io.cutflow.worker.inference;

import ai.onnxruntime.OrtException;
import io.cutflow.common.image.ContentKind;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.InvalidOptionException;
import io.cutflow.common.job.SamPromptOption;
import io.cutflow.worker.image.DecodedImage;
import io.cutflow.worker.image.ImageAdmission;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageHeader;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.image.PngWriter;
import java.nio.FloatBuffer;

/**
 * Image bytes in, rembg-identical cutout PNG out, in stages the worker can overlap: {@link
 * #prepare} (decode + pre-process), {@link #infer} (the model), {@link #finish} (post-process,
 * compose, encode). {@link #remove} runs all three in sequence.
 *
 * <p>Memory: {@link #prepare} reads the header and leases the heap the whole cutout will need
 * ({@link CutoutMemory}) from its {@link ImageAdmission} (a {@link MemoryBudget}) before decoding a
 * pixel; the lease travels in {@link Prepared#memory()} and must be closed once the job's output is
 * no longer held (after the upload, or on failure). An image that can never fit fails with {@code
 * image_too_large}.
 *
 * <p>Thread-safety: {@code prepare} and {@code finish} may run on any number of threads at once;
 * {@code infer} is serialised by the session.
 */
public final class BackgroundRemover {
  private final InferenceSession session;
  private final ImageDecoder decoder;
  private final ImageAdmission admission;
  private final Preprocessor preprocessor;
  private final CutoutFinisher finisher;

  /** A remover whose images share this JVM's heap ({@link MemoryBudget#forRuntime}). */
  public BackgroundRemover(InferenceSession session, ImageDecoder decoder, PngWriter png) {
    this(session, decoder, png, MemoryBudget.forRuntime(0));
  }

  /**
   * @param admission when each image may be decoded, from its header and the heap its cutout needs
   *     (normally a {@link MemoryBudget})
   */
  public BackgroundRemover(
      InferenceSession session, ImageDecoder decoder, PngWriter png, ImageAdmission admission) {
    this.session = session;
    this.decoder = decoder;
    this.admission = admission;
    this.preprocessor = new Preprocessor(session.profile());
    this.finisher = new CutoutFinisher(session.profile(), png, session.sam() != null);
  }

  public ModelProfile profile() {
    return session.profile();
  }

  /**
   * A decoded image and its model input, ready for {@link #infer}; {@code memory} is the image's
   * heap lease (close it when the job's output is gone).
   */
  public record Prepared(
      DecodedImage image,
      FloatBuffer input,
      CutoutOptions options,
      StageTimings timings,
      MemoryBudget.Lease memory) {}

  /**
   * The raw model output for a prepared image, ready for {@link #finish}; for {@code sam}, the mask
   * itself ({@link SamSegmenter} gives it at the image's size) and no output.
   */
  public record Inferred(Prepared prepared, FloatBuffer output, byte[] mask) {
    public Inferred(Prepared prepared, FloatBuffer output) {
      this(prepared, output, null);
    }
  }

  /**
   * The encoded result: a PNG (RGBA, or grey for only-mask) of the oriented input's size; for a
   * model with several masks and no category chosen, the cutouts (or masks, as opaque grey RGBA)
   * stacked vertically, so {@code height} is that many times the input's.
   *
   * @param note what the caller should be told besides the image (alpha matting fell back to the
   *     plain cutout, and why); null when nothing
   */
  public record Cutout(byte[] png, int width, int height, StageTimings timings, String note) {
    public Cutout(byte[] png, int width, int height, StageTimings timings) {
      this(png, width, height, timings, null);
    }
  }

  public Prepared prepare(byte[] data, String inputName, CutoutOptions options)
      throws InvalidImageException, InterruptedException {
    return prepare(data, inputName, options, null);
  }

  /**
   * Where {@link #prepare(byte[], String, CutoutOptions, InputPool)} takes the model input buffer
   * from once the image is decoded, and gives it back when pre-processing fails.
   */
  public interface InputPool {
    FloatBuffer take() throws InterruptedException;

    void release(FloatBuffer buffer);
  }

  /**
   * Reads the header, leases the heap the cutout needs (waiting while earlier images hold it),
   * decodes, then takes an input buffer from {@code inputs} (null: a new one) and pre-processes.
   *
   * @throws InvalidImageException the image cannot be decoded, or is over the limits, or needs more
   *     heap than this process has for images ({@code image_too_large})
   * @throws InterruptedException while waiting for heap or a buffer; nothing is leased or held
   */
  public Prepared prepare(byte[] data, String inputName, CutoutOptions options, InputPool inputs)
      throws InvalidImageException, InterruptedException {
    checkOptions(options);
    StageTimings t = new StageTimings();
    long t0 = System.nanoTime();
    MemoryBudget.Lease lease;
    DecodedImage image;
    try (ImageDecoder.Pending pending = decoder.open(data, inputName)) {
      ImageHeader header = pending.header();
      lease = admit(pending.name(), header, options);
      if (lease.large()) {
        // it runs alone: the session is idle, and its arena need not sit under this image's heap
        session.emptyArena();
      }
      try {
        image = pending.decode();
      } catch (InvalidImageException | RuntimeException | Error e) {
        lease.close();
        throw e;
      }
    }
    t.record(StageTimings.DECODE, t0);
    FloatBuffer buffer = null;
    try {
      // taken only now, admitted and decoded: images waiting for heap hold no 12 MiB input each
      buffer = inputs == null ? null : inputs.take();
      return prepare(image, options, buffer, t, lease);
    } catch (InterruptedException | RuntimeException | Error e) {
      if (buffer != null) {
        inputs.release(buffer);
      }
      lease.close();
      throw e;
    }
  }

  /**
   * Leases the heap the cutout of {@code image}, pixels already (a raw video frame), needs, waiting
   * while earlier images hold it, then pre-processes it.
   *
   * @throws InvalidImageException over the pixel limit, or needing more heap than this process has
   *     for images ({@code image_too_large})
   * @throws InterruptedException while waiting for heap; nothing is leased
   */
  public Prepared prepare(DecodedImage image, String inputName, CutoutOptions options)
      throws InvalidImageException, InterruptedException {
    checkOptions(options);
    MemoryBudget.Lease lease = admit(inputName, pixels(image.width(), image.height()), options);
    try {
      return prepare(image, options, null, new StageTimings(), lease);
    } catch (RuntimeException | Error e) {
      lease.close();
      throw e;
    }
  }

  /**
   * Throws what {@link #prepare(DecodedImage, String, CutoutOptions)} would for images of this size
   * that can never fit this process's heap, before any is read (a stream of video frames, all one
   * size); holds nothing once it returns.
   *
   * @throws InvalidImageException {@code image_too_large}, with the numbers
   */
  public void checkFits(int width, int height, String inputName, CutoutOptions options)
      throws InvalidImageException, InterruptedException {
    checkOptions(options);
    admit(inputName, pixels(width, height), options).close();
  }

  /** The header of an image that is pixels already: nothing left to decode. */
  private static ImageHeader pixels(int width, int height) {
    return new ImageHeader(ContentKind.UNKNOWN, width, height, 1, 0, 0);
  }

  /** Pre-processes an image decoded elsewhere (outside any memory budget). */
  public Prepared prepare(
      DecodedImage image, CutoutOptions options, FloatBuffer buffer, StageTimings t) {
    checkOptions(options);
    return prepare(image, options, buffer, t, MemoryBudget.Lease.NONE);
  }

  /**
   * What this model cannot run without: a prompt for {@code sam} (whatever its name in the
   * manifest; a job naming model {@code sam} is refused earlier, by {@link CutoutOptions}).
   *
   * @throws InvalidOptionException naming the option and how to give it
   */
  public void checkOptions(CutoutOptions options) {
    if (session.sam() != null && options.samPrompt() == null) {
      throw new InvalidOptionException(
          CutoutOptions.SAM_PROMPT.name(), SamPromptOption.missingPrompt(profile().name()));
    }
  }

  private Prepared prepare(
      DecodedImage image,
      CutoutOptions options,
      FloatBuffer buffer,
      StageTimings t,
      MemoryBudget.Lease lease) {
    long t0 = System.nanoTime();
    FloatBuffer input = buffer != null ? buffer : session.newInputBuffer();
    input.clear();
    if (session.sam() == null) {
      preprocessor.prepare(image, input);
    }
    t.record(StageTimings.PREPROCESS, t0);
    return new Prepared(image, input, options, t, lease);
  }

  /** Leases the cutout's heap; a stacked job refused for size says how to make it fit. */
  private MemoryBudget.Lease admit(String name, ImageHeader header, CutoutOptions options)
      throws InvalidImageException, InterruptedException {
    try {
      return admission.admit(name, header, CutoutMemory.bytes(header, options, profile()));
    } catch (InvalidImageException e) {
      int k = profile().cutouts(options);
      if (k == 1 || e.reason() != InvalidImageException.Reason.TOO_LARGE) {
        throw e;
      }
      String detail = e.getMessage().substring(e.input().length() + 2);
      throw new InvalidImageException(
          e.reason(),
          e.input(),
          detail
              + "; "
              + profile().name()
              + " without a cloth category stacks "
              + k
              + " cutouts, about "
              + k
              + " times the heap: ask for one with cc (cloth_category) upper, lower or full",
          e.detected(),
          null);
    }
  }

  public Inferred infer(Prepared p) throws OrtException {
    long t0 = System.nanoTime();
    if (session.sam() != null) {
      DecodedImage image = p.image();
      byte[] mask =
          session
              .sam()
              .mask(
                  image.rgba(),
                  image.width(),
                  image.height(),
                  SamPrompt.of(p.options().samPrompt()));
      p.timings().record(StageTimings.INFERENCE, t0);
      return new Inferred(p, null, mask);
    }
    // a large image runs without the arena, so its heap work does not stack on a full one
    FloatBuffer out = session.run(p.input(), p.memory().large());
    p.timings().record(StageTimings.INFERENCE, t0);
    return new Inferred(p, out);
  }

  /**
   * Post-processes, composes and encodes ({@link CutoutFinisher}). Consumes the prepared image: the
   * cutout is composed in its RGBA array, which holds the cutout afterwards. Does not close the
   * lease: the PNG it returns is part of what the lease pays for.
   */
  public Cutout finish(Inferred inferred) {
    return finisher.finish(inferred);
  }

  /** Decode, pre-process, infer, post-process, compose and encode one image. */
  public Cutout remove(byte[] data, String inputName, CutoutOptions options)
      throws InvalidImageException, OrtException, InterruptedException {
    Prepared p = prepare(data, inputName, options);
    try (MemoryBudget.Lease ignored = p.memory()) {
      return finish(infer(p));
    }
  }
}
