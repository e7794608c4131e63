package io.cutflow.worker.cli;

import io.cutflow.common.cli.CutoutOptionsMixin;
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
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow frames}: rembg's {@code b}. Raw RGB24 frames of one size from stdin (a video
 * through {@code ffmpeg -f rawvideo -pix_fmt rgb24 pipe:1}), each frame's cutout a PNG: into files
 * named by a printf-style specifier, or one after another on stdout. One model session for the
 * whole stream, one frame in memory at a time. Unlike rembg, a stream that ends inside a frame is
 * reported (after the whole frames are written) rather than dropped in silence.
 */
@Command(
    name = "frames",
    aliases = "b",
    mixinStandardHelpOptions = true,
    description = {
      "Remove the background of raw RGB24 video frames read from stdin (rembg b), e.g.",
      "  ffmpeg -i in.mp4 -f rawvideo -pix_fmt rgb24 pipe:1 | cutflow frames 1280 720 -o out/frame-%04d.png",
      "Each frame's cutout is a PNG: in the file -o names (the frame's number, from 0, where its %d"
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
    long maxPixels = ImageLimits.defaults().maxPixels();
    if ((long) width * height > maxPixels) {
      throw new IllegalArgumentException(
          "frames of "
              + width
              + "×"
              + height
              + " are over the pixel limit of "
              + maxPixels
              + " (cutflow.worker.image-max-pixels); scale the video down first, e.g. ffmpeg -vf"
              + " scale=1920:-2");
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
        RemoveCommand.STOP_WAIT, stopping -> removeEach(options, names, stopping));
  }

  /** The frames one after another through one session; 0 when every frame was written. */
  private int removeEach(CutoutOptions options, FrameNames names, BooleanSupplier stopping)
      throws Exception {
    FrameReader reader = new FrameReader(in, width, height);
    byte[] frame = new byte[Math.toIntExact(FrameReader.frameBytes(width, height))];
    int written = 0;
    int failed = 0;
    String ended = null;
    try (RemoverFactory.Loaded loaded =
        RemoverFactory.open(
            options.model(),
            InferenceSession.Settings.of(threads).withArena(!noArena),
            RemoveCommand.NO_WARM_UP)) {
      BackgroundRemover remover = loaded.remover();
      for (int index = 0; !stopping.getAsBoolean(); index++) {
        try {
          if (!reader.next(frame)) {
            break;
          }
        } catch (IOException e) {
          ended = e.getMessage();
          break;
        }
        String name = names == null ? "frame " + index : names.name(index);
        try {
          BackgroundRemover.Cutout cutout = cutOut(remover, frame, name, options);
          if (names == null) {
            out.write(cutout.png());
            out.flush();
          } else {
            Path file = Path.of(name);
            if (file.toAbsolutePath().getParent() != null) {
              // the number may be in a folder's name too
              Files.createDirectories(file.toAbsolutePath().getParent());
            }
            RemoveBatch.writeVerified(file, cutout.png());
          }
          written++;
        } catch (InvalidImageException | IOException e) {
          failed++;
          err.println("failed: " + name + ": " + e.getMessage());
        }
      }
    }
    if (ended != null) {
      err.println("failed: " + ended);
    }
    err.printf(
        "%d frames written %s%s%s%n",
        written,
        names == null ? "to stdout" : "as " + spec,
        failed == 0 ? "" : " (" + failed + " failed)",
        stopping.getAsBoolean() ? "; stopped as asked" : "");
    return failed == 0 && ended == null ? 0 : 1;
  }

  private BackgroundRemover.Cutout cutOut(
      BackgroundRemover remover, byte[] frame, String name, CutoutOptions options)
      throws Exception {
    DecodedImage image = new DecodedImage(width, height, FrameReader.rgba(frame), false, "rgb24");
    BackgroundRemover.Prepared prepared = remover.prepare(image, name, options);
    try {
      return remover.finish(remover.infer(prepared));
    } finally {
      prepared.memory().close();
    }
  }
}
