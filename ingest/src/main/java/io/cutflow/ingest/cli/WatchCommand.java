package io.cutflow.ingest.cli;

import io.cutflow.common.cli.ConnectionOptions;
import io.cutflow.common.cli.CutoutOptionsMixin;
import io.cutflow.common.cli.OutputFolder;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.ops.Metrics;
import io.cutflow.ingest.bucket.BucketWatch;
import io.cutflow.ingest.folder.FolderWatch;
import io.cutflow.ingest.folder.FolderWatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow watch s3://BUCKET[/PREFIX]} publishes a bucket's new uploads as bucket events for
 * the bridge; {@code cutflow watch DIR --out OUTDIR} is rembg's {@code p -w}: new files in DIR
 * (recursively) come out as {@code OUTDIR/<relative path without extension>.png}. Both against real
 * Kafka and S3, until Ctrl-C.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Watch a bucket or a folder until Ctrl-C.",
      "s3://BUCKET[/PREFIX]: publish new uploads as bucket events; the bucket bridge makes the"
          + " jobs (cutflow.bridge.*).",
      "DIR --out OUTDIR: cut out each new file (recursively, once its size is stable) into"
          + " OUTDIR/<relative path without extension>.png; existing outputs are skipped."
    })
public final class WatchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "s3://BUCKET[/PREFIX]|DIR", description = "What to watch.")
  String target;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "OUTDIR",
      description = "Where a watched folder's cutouts go (required with DIR).")
  Path out;

  @Mixin CutoutOptionsMixin jobOptions;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() throws Exception {
    CutoutOptions options = jobOptions.options(); // a bad value fails before any connection
    boolean bucket = target.startsWith("s3://");
    // argument errors: one line, exit 2, before anything connects (IllegalArgumentException)
    if (bucket) {
      if (out != null) {
        throw new IllegalArgumentException(
            "--out is for a folder; a bucket's cutouts go to cutflow.bucket.cutouts");
      }
      BucketWatch.parseTarget(target);
    } else {
      if (!Files.isDirectory(Path.of(target))) {
        throw new IllegalArgumentException(
            "'" + target + "' is neither s3://BUCKET[/PREFIX] nor an existing folder");
      }
      if (out == null) {
        throw new IllegalArgumentException(
            "watching a folder needs --out OUTDIR, where its cutouts go");
      }
      FolderWatcher.checkOutside(Path.of(target), out);
      OutputFolder.create("--out", out);
    }
    CutflowConfig config = connection.config();
    Thread main = Thread.currentThread();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  main.interrupt(); // Ctrl-C: end the scan loop, then close the clients
                  try {
                    stopped.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "cutflow-watch-stop"));
    try {
      if (bucket) {
        watchBucket(config);
      } else {
        watchFolder(config, options);
      }
    } catch (InterruptedException e) {
      // Ctrl-C: the clients were closed on the way out
    } finally {
      stopped.countDown();
    }
    return 0;
  }

  private void watchBucket(CutflowConfig config) throws InterruptedException {
    String[] bucketPrefix = BucketWatch.parseTarget(target);
    try (BucketWatch watch =
        DependencyUnavailableException.connecting(
            config,
            () ->
                BucketWatch.connect(
                    config, bucketPrefix[0], bucketPrefix[1], Metrics.process().registry()))) {
      System.out.println(
          "watching s3://"
              + bucketPrefix[0]
              + "/"
              + bucketPrefix[1]
              + " (Ctrl-C stops); uploads go to the bucket-events topic for the bridge");
      System.out.flush();
      watch.runHere();
    }
  }

  private void watchFolder(CutflowConfig config, CutoutOptions options) throws Exception {
    try (FolderWatch watch =
        DependencyUnavailableException.connecting(
            config, () -> FolderWatch.connect(config, Path.of(target), out, options))) {
      System.out.println("watching " + target + " -> " + out + " (Ctrl-C stops)");
      System.out.flush();
      watch.runHere();
    }
  }
}
