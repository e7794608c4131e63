package io.cutflow.worker.cli;

import io.cutflow.common.cli.ImageDirectory;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.inference.StageTimings;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow profile DIR}: per-stage time per image on one warmed session, and the ratio of
 * everything-but-inference to inference. A benchmark, not a test: it reports, it doesn't assert.
 */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    description =
        "Time each stage (decode, pre-process, inference, post-process, encode) over a directory of images.")
public final class ProfileCommand implements Callable<Integer> {
  private static final String[] STAGES = {
    StageTimings.DECODE,
    StageTimings.PREPROCESS,
    StageTimings.INFERENCE,
    StageTimings.POSTPROCESS,
    StageTimings.MATTING,
    StageTimings.ENCODE
  };

  @Parameters(index = "0", paramLabel = "DIR", description = "Directory of images.")
  Path dir;

  @Mixin ModelSessionOptions session;

  @Option(
      names = "--passes",
      defaultValue = "2",
      description = "Timed passes over the directory (default ${DEFAULT-VALUE}).")
  int passes;

  @Option(
      names = {"-a", "--alpha-matting"},
      description =
          "Alpha matting as rembg -a (default thresholds 240/10/10); reports matting ms beside"
              + " inference ms.")
  boolean alphaMatting;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    CliArguments.atLeastOne("--passes", passes, "timed passes", "2");
    session.check();
    List<Path> files = ImageDirectory.files(dir);
    List<byte[]> data = new ArrayList<>();
    for (Path f : files) {
      data.add(Files.readAllBytes(f));
    }
    CutoutOptions options = CutoutOptions.DEFAULTS.with(CutoutOptions.ALPHA_MATTING, alphaMatting);
    try (RemoverFactory.Loaded loaded =
        RemoverFactory.open(
            session.model(), session.settings(), RemoverFactory.DEFAULT_WARMUP_RUNS)) {
      BackgroundRemover remover = loaded.remover();
      // One untimed pass so the JIT has compiled the Java stages as well as warmed the session.
      for (int i = 0; i < files.size(); i++) {
        remover.remove(data.get(i), files.get(i).toString(), options);
      }
      Map<String, Double> sum = new LinkedHashMap<>();
      out.printf(
          "%-22s %9s %8s %8s %9s %8s %8s %8s%n",
          "image", "size", "decode", "pre", "inference", "post", "matting", "encode");
      int n = 0;
      double meanRatio = 0;
      for (int pass = 0; pass < passes; pass++) {
        for (int i = 0; i < files.size(); i++) {
          BackgroundRemover.Cutout c =
              remover.remove(data.get(i), files.get(i).toString(), options);
          StageTimings t = c.timings();
          if (pass == passes - 1) {
            out.printf(
                "%-22s %9s %8.1f %8.1f %9.1f %8.1f %8.1f %8.1f%n",
                files.get(i).getFileName(),
                c.width() + "x" + c.height(),
                t.get(STAGES[0]),
                t.get(STAGES[1]),
                t.get(STAGES[2]),
                t.get(STAGES[3]),
                t.get(STAGES[4]),
                t.get(STAGES[5]));
          }
          for (String s : STAGES) {
            sum.merge(s, t.get(s), Double::sum);
          }
          meanRatio += t.get(StageTimings.MATTING) / t.get(StageTimings.INFERENCE);
          if (c.note() != null) {
            out.printf("  %s: %s%n", files.get(i).getFileName(), c.note());
          }
          n++;
        }
      }
      out.printf(
          "%nmean ms per image over %d images (%d passes), model %s, %d intra-op threads:%n",
          n, passes, remover.profile().name(), loaded.intraOpThreads());
      double inference = sum.get(StageTimings.INFERENCE) / n;
      double other = 0;
      for (String s : STAGES) {
        double mean = sum.get(s) / n;
        out.printf("  %-12s %8.1f%n", s, mean);
        if (!s.equals(StageTimings.INFERENCE)) {
          other += mean;
        }
      }
      out.printf(
          "non-inference/inference ratio: %.3f (%.1f ms / %.1f ms)%n",
          other / inference, other, inference);
      if (alphaMatting) {
        double matting = sum.get(StageTimings.MATTING) / n;
        out.printf(
            "matting/inference ratio: %.3f (%.1f ms / %.1f ms; mean of per-image ratios %.3f)%n",
            matting / inference, matting, inference, meanRatio / n);
      }
    }
    return 0;
  }
}
