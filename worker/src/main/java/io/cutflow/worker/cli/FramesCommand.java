package io.cutflow.worker.cli;

import io.cutflow.common.cli.CutoutOptionsMixin;
import io.cutflow.common.cli.ProgressOutput;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.image.DecodedImage;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.InvalidImageException;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.inference.StopSignals;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow frames}: rembg's {@code b}. Raw RGB24 frames of one size from stdin (a video
 * through {@code ffmpeg -f rawvideo -pix_fmt rgb24 pipe:1}), each frame's cutout a PNG: into files
 * named by a printf-style specifier, or one after another on stdout, in the frames' order. One
 * model session for the whole stream; as in {@code remove}, the next frame is read and prepared and
 * the last one encoded while the model runs ({@link RemovePipeline}), each step's heap leased from
 * the remover's memory budget. Unlike rembg, a stream that ends inside a frame is reported (after
 * the whole frames are written) rather than dropped in silence.
 */
@Command(
    name = "frames",
    aliases = "b",
    mixinStandardHelpOptions = true,
    description = {
      "Remove the background of raw RGB24 video frames read from stdin (rembg b), e.g.",
      "  ffmpeg -i in.mp4 -f rawvideo -pix_fmt rgb24 pipe:1 | cutflow frames 1280 720 -o out/frame-%%04d.png",
      "Each frame's cutout is a PNG: in the file -o names (the frame's number, from 0, where its %%d"
          + " is), or, without -o, one after another on stdout."
    })
public final class FramesCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "WIDTH", description = "Frame width in pixels.")
  int width;

  @Parameters(index = "1", paramLabel = "HEIGHT", description = "Frame height in pixels.")
  int height;

  @Option(
      names = {"-o", "--output-specifier"},
      paramLabel = "SPEC",
      description =
          "printf-style file name with one %%d (or %%04d…) for the frame number, e.g."
              + " out/frame-%%04d.png; its folder is created. Without it, the PNGs go to stdout.")
  String spec;

  @Mixin CutoutOptionsMixin rembg;

  @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores).")
  Integer threads;

  @Option(
      names = "--no-arena",
      description = "Keep ONNX Runtime's memory arena off (less memory, about 6%% more time).")
  boolean noArena;

  // the process's streams; tests give their own
  InputStream in = System.in;
  OutputStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() throws Exception {
    CliArguments.allowedFor("--threads", WorkerConfig.INTRA_OP_THREADS, threads);
    CliArguments.atLeastOne("WIDTH", width, "pixels per row", "1280");
    CliArguments.atLeastOne("HEIGHT", height, "rows", "720");
    ImageLimits limits = ImageLimits.forCommandLine(CutflowConfig.load());
    if ((long) width * height > limits.maxPixels()) {
      throw new IllegalArgumentException(
          "frames of "
              + width
              + "×"
              + height
              + " are over the pixel limit of "
              + limits.maxPixels()
              + " ("
              + WorkerConfig.IMAGE_MAX_PIXELS.name()
              + ", as for remove); scale the video down first, e.g. ffmpeg -vf scale=1920:-2");
    }
    FrameNames names = spec == null ? null : FrameNames.parse(spec);
    if (names != null) {
      Path folder = Path.of(names.name(0)).toAbsolutePath().getParent();
      try {
        Files.createDirectories(folder);
      } catch (IOException e) {
        err.println(
            "cutflow frames: -o " + spec + ": cannot create " + folder + ": " + e.getMessage());
        return 2;
      }
    }
    CutoutOptions options = rembg.options();
    return StopSignals.runStoppable(
        RemoveCommand.STOP_WAIT, stopping -> removeEach(options, limits, names, stopping));
  }

  /** The frames through one session, steps overlapped; 0 when every frame was written. */
  private int removeEach(
      CutoutOptions options, ImageLimits limits, FrameNames names, BooleanSupplier stopping)
      throws Exception {
    FrameReader reader = new FrameReader(in, width, height);
    int frameBytes = Math.toIntExact(FrameReader.frameBytes(width, height));
    List<String> notes = Collections.synchronizedList(new ArrayList<>());
    RemovePipeline.Outcome outcome;
    try (RemoverFactory.Loaded loaded =
            RemoverFactory.open(
                options.model(),
                InferenceSession.Settings.of(threads).withArena(!noArena),
                limits,
                RemoveCommand.NO_WARM_UP);
        ProgressBar bar =
            new ProgressBarBuilder()
                .setTaskName("frames")
                .setInitialMax(-1) // a stream: as many as come
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(ProgressOutput.onStderr(err))
                .hideEta()
                .build()) {
      BackgroundRemover remover = loaded.remover();
      try {
        // all frames are one size: one that can never fit is refused once, before any is read
        remover.checkFits(width, height, "frames of " + width + "×" + height, options);
      } catch (InvalidImageException e) {
        err.println(
            "cutflow frames: "
                + e.getMessage()
                + " (for frames: scale the video down, e.g. ffmpeg -vf scale=1920:-2)");
        return 2;
      }
      RemovePipeline.Batch<Integer> frames = new FrameBatch(reader, frameBytes, names);
      RemoverSteps steps =
          new RemoverSteps(
              remover,
              (rgb, name) ->
                  remover.prepare(
                      new DecodedImage(width, height, FrameReader.rgba(rgb), false, "rgb24"),
                      name,
                      options),
              notes);
      outcome = new RemovePipeline<>(frames, steps, bar::step, stopping).run();
    }
    for (String n : notes) {
      err.println("note: " + n);
    }
    for (String f : outcome.failures()) {
      err.println("failed: " + f);
    }
    err.printf(
        "%d frames written %s%s%s%n",
        outcome.written(),
        names == null ? "to stdout" : "as " + spec,
        outcome.failures().isEmpty() ? "" : " (" + outcome.failures().size() + " failed)",
        stopping.getAsBoolean() ? "; stopped as asked" : "");
    return outcome.failures().isEmpty() ? 0 : 1;
  }

  /**
   * The frames of stdin, numbered from 0, each PNG written to its numbered file or to stdout. One
   * buffer for the raw frames: next and read run on one thread, and the prepare step between them
   * copies the pixels out before the next frame is read.
   */
  private final class FrameBatch implements RemovePipeline.Batch<Integer> {
    private final FrameReader reader;
    private final byte[] frame;
    private final FrameNames names;
    private int next;

    FrameBatch(FrameReader reader, int frameBytes, FrameNames names) {
      this.reader = reader;
      this.frame = new byte[frameBytes];
      this.names = names;
    }

    @Override
    public Integer next() throws IOException {
      return reader.next(frame) ? next++ : null;
    }

    @Override
    public boolean skip(Integer index) {
      return false;
    }

    @Override
    public String name(Integer index) {
      return names == null ? "frame " + index : names.name(index);
    }

    @Override
    public byte[] read(Integer index) {
      return frame;
    }

    @Override
    public void write(Integer index, byte[] png) throws IOException {
      if (names == null) {
        out.write(png);
        out.flush();
        return;
      }
      Path file = Path.of(names.name(index)).toAbsolutePath();
      Files.createDirectories(file.getParent()); // the number may be in a folder's name too
      RemoveBatch.writeVerified(file, png);
    }
  }
}
