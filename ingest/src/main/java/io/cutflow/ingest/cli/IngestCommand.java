package io.cutflow.ingest.cli;

import io.cutflow.common.cli.ConnectionOptions;
import io.cutflow.common.cli.CutoutOptionsMixin;
import io.cutflow.common.cli.ImageDirectory;
import io.cutflow.common.cli.OutputFolder;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.ingest.BulkIngest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow ingest DIR}: bulk upload to the raw bucket + one job per image, against real Kafka
 * and S3.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Upload a directory of images and publish a job for each; with --wait, download every cutout.")
public final class IngestCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR", description = "Directory of images.")
  Path dir;

  @Option(
      names = {"-r", "--recursive"},
      description = "Include subdirectories.")
  boolean recursive;

  @Option(
      names = "--wait",
      description = "Wait for every result; with --out, download the cutouts.")
  boolean wait;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "OUTDIR",
      description = "Where --wait writes <name>.png.")
  Path out;

  @Option(
      names = "--timeout",
      defaultValue = "PT30M",
      description = "How long --wait waits for all results (ISO-8601, default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--concurrency",
      defaultValue = "4",
      description = "Parallel uploads (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Mixin CutoutOptionsMixin jobOptions;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() throws Exception {
    CutoutOptions options = jobOptions.options(); // a bad value fails before any connection
    if (out != null && !wait) {
      System.err.println(
          "cutflow ingest: --out needs --wait (cutouts are downloaded as results arrive)");
      return 2;
    }
    CutflowConfig config = connection.config();
    List<Path> files = ImageDirectory.files(dir, recursive);
    if (out != null) {
      OutputFolder.create("--out", out); // before connecting, not after the uploads
    }
    try (IngestClient client =
        DependencyUnavailableException.connecting(config, () -> IngestClient.connect(config))) {
      BulkIngest.Summary summary =
          client.ingest(dir, files, options, wait, out, timeout, concurrency);
      SummaryPrinter.print(summary, wait, System.out, System.err);
      return summary.failures().isEmpty() ? 0 : 1;
    }
  }
}
