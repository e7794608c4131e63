package io.cutflow.worker.cli;

import io.cutflow.common.cli.ImageDirectory;
import io.cutflow.common.image.CutoutFileName;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.MaskAgreement;
import io.cutflow.worker.inference.RemoverFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow quality DIR}: how far each model's mask departs from the first model's over a
 * directory of photos, and from rembg's own output where a reference cutout is given — the
 * measurement behind the choice of default model. A benchmark that reports; it asserts nothing.
 */
@Command(
    name = "quality",
    mixinStandardHelpOptions = true,
    description =
        "Compare the masks of several models over a directory of photos (and against rembg reference cutouts).")
public final class QualityCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR", description = "Directory of photos.")
  Path dir;

  @Option(
      names = {"-m", "--models"},
      split = ",",
      defaultValue = "isnet-general-use-fp16,isnet-general-use-int8",
      description = "Models to compare; the first is the baseline (default ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(
      names = "--reference",
      paramLabel = "DIR",
      description =
          "rembg cutouts named <photo>.<rembg model>.png (e.g. anime-girl-1.isnet-general-use.png); "
              + "each model is compared with every reference of its photo.")
  Path referenceDir;

  @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores).")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    CliArguments.allowedFor("--threads", WorkerConfig.INTRA_OP_THREADS, threads);
    PrintStream out = System.out;
    List<Path> photos = ImageDirectory.files(dir);
    // masks[model][photo], one model loaded at a time (each session holds hundreds of MB)
    List<List<byte[]>> masks = new ArrayList<>();
    for (String model : models) {
      List<byte[]> perPhoto = new ArrayList<>();
      try (RemoverFactory.Loaded loaded =
          RemoverFactory.open(
              model, InferenceSession.Settings.of(threads), RemoverFactory.DEFAULT_WARMUP_RUNS)) {
        for (Path photo : photos) {
          byte[] png =
              loaded
                  .remover()
                  .remove(Files.readAllBytes(photo), photo.toString(), CutoutOptions.DEFAULTS)
                  .png();
          perPhoto.add(MaskAgreement.alphaOf(ImageIO.read(new ByteArrayInputStream(png))));
        }
      }
      masks.add(perPhoto);
    }
    out.printf("%-20s %-28s %-24s %s%n", "photo", "model", "against", "agreement");
    double[] worst = new double[models.size()];
    java.util.Arrays.fill(worst, 1.0);
    for (int p = 0; p < photos.size(); p++) {
      String stem = CutoutFileName.baseName(photos.get(p));
      for (int m = 0; m < models.size(); m++) {
        if (m > 0) {
          MaskAgreement a = MaskAgreement.of(masks.get(m).get(p), masks.get(0).get(p));
          worst[m] = Math.min(worst[m], a.iou());
          out.printf("%-20s %-28s %-24s %s%n", stem, models.get(m), models.get(0), a);
        }
        for (Path ref : references(stem)) {
          byte[] refAlpha = MaskAgreement.alphaOf(ImageIO.read(ref.toFile()));
          out.printf(
              "%-20s %-28s %-24s %s%n",
              stem,
              models.get(m),
              "rembg " + ref.getFileName(),
              MaskAgreement.of(masks.get(m).get(p), refAlpha));
        }
      }
    }
    for (int m = 1; m < models.size(); m++) {
      out.printf(
          "lowest IoU of %s against %s over %d photos: %.4f%n",
          models.get(m), models.get(0), photos.size(), worst[m]);
    }
    return 0;
  }

  private List<Path> references(String stem) throws IOException {
    if (referenceDir == null || !Files.isDirectory(referenceDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(referenceDir)) {
      return s.filter(f -> f.getFileName().toString().startsWith(stem + ".")).sorted().toList();
    }
  }
}
