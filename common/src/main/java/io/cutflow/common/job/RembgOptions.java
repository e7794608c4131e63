package io.cutflow.common.job;

import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * rembg's per-image options as command-line flags ({@code -m}, {@code -om}, {@code -ppm},
 * {@code -bgc}), shared by every command that makes cutouts (picocli mixin).
 */
public final class RembgOptions {
  @Option(names = {"-m", "--model"}, description = "Model name (see `cutflow models list`); default: the manifest's default (for jobs: the one the workers serve).")
  String model;

  @Option(names = {"-om", "--only-mask"}, description = "Output the mask (8-bit grey) instead of the cutout.")
  boolean onlyMask;

  @Option(names = {"-ppm", "--post-process-mask"}, description = "Clean the mask: opening, Gaussian blur, threshold (rembg -ppm).")
  boolean postProcessMask;

  @Option(names = {"-bgc", "--bgcolor"}, paramLabel = "R,G,B,A", description = "Composite onto this background colour.")
  String bgcolor;

  public String model() {
    return model;
  }

  public boolean onlyMask() {
    return onlyMask;
  }

  public boolean postProcessMask() {
    return postProcessMask;
  }

  /** The background colour as four 0..255 values, or null when not given. */
  public int[] bgcolor() {
    return bgcolor == null ? null : parseColor(bgcolor);
  }

  /** The flags as a job's options. */
  public JobRequest.Options toJobOptions() {
    int[] bg = bgcolor();
    List<Integer> list = bg == null ? null : Arrays.stream(bg).boxed().toList();
    return new JobRequest.Options(model, onlyMask, postProcessMask, list);
  }

  /** Parses "R,G,B,A" as rembg's CLI takes it; the message says what is wrong. */
  public static int[] parseColor(String text) {
    String[] parts = text.trim().split("\\s*,\\s*");
    if (parts.length != 4) {
      throw new IllegalArgumentException("background colour must be R,G,B,A (four numbers 0..255), got '" + text + "'");
    }
    int[] rgba = new int[4];
    for (int i = 0; i < 4; i++) {
      try {
        rgba[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("background colour must be R,G,B,A (four numbers 0..255), got '" + text + "'");
      }
      if (rgba[i] < 0 || rgba[i] > 255) {
        throw new IllegalArgumentException("background colour values must be 0..255, got '" + text + "'");
      }
    }
    return rgba;
  }
}
