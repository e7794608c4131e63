package io.cutflow.ingest.cli;

import io.cutflow.common.job.JobRequest;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/** rembg's per-image options as CLI flags, turned into a job's options (picocli mixin). */
public final class JobOptions {
  @Option(names = {"-m", "--model"}, description = "Model the job asks for (must be the one the workers serve; default: theirs).")
  String model;

  @Option(names = {"-om", "--only-mask"}, description = "Output the mask instead of the cutout.")
  boolean onlyMask;

  @Option(names = {"-ppm", "--post-process-mask"}, description = "Clean the mask (opening, blur, threshold).")
  boolean postProcessMask;

  @Option(names = {"-bgc", "--bgcolor"}, paramLabel = "R,G,B,A", description = "Background colour.")
  String bgcolor;

  public JobRequest.Options toOptions() {
    List<Integer> bg = null;
    if (bgcolor != null) {
      bg = Arrays.stream(bgcolor.split(",")).map(String::trim).map(Integer::valueOf).toList();
    }
    return new JobRequest.Options(model, onlyMask, postProcessMask, bg);
  }
}
