package io.cutflow.ingest.cli;

import io.cutflow.common.cli.ConnectionOptions;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.ops.Metrics;
import io.cutflow.ingest.bucket.BucketWatch;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow watch s3://BUCKET[/PREFIX]}: publishes the bucket's new uploads as bucket events
 * for the bridge, against real Kafka and S3, until Ctrl-C.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description =
        "Watch a bucket (s3://BUCKET[/PREFIX]) for new uploads and publish them as bucket events,"
            + " which the bucket bridge turns into jobs; runs until Ctrl-C.")
public final class WatchCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "s3://BUCKET[/PREFIX]",
      description = "What to watch. The bridge (cutflow.bridge.*) decides which uploads make jobs.")
  String target;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() throws Exception {
    String[] bucketPrefix = BucketWatch.parseTarget(target);
    CutflowConfig config = connection.config();
    Thread main = Thread.currentThread();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              main.interrupt();
              try {
                stopped.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "cutflow-watch-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try (BucketWatch watch =
        BucketWatch.connect(
            config, bucketPrefix[0], bucketPrefix[1], Metrics.process().registry())) {
      System.out.println(
          "watching s3://"
              + bucketPrefix[0]
              + "/"
              + bucketPrefix[1]
              + " (Ctrl-C stops); uploads go to the bucket-events topic for the bridge");
      System.out.flush();
      watch.runHere();
    } catch (InterruptedException e) {
      // Ctrl-C: the clients are closed by try-with-resources
    } finally {
      stopped.countDown();
    }
    return 0;
  }
}
