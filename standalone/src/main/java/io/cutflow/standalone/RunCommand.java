package io.cutflow.standalone;

import io.cutflow.common.cli.CutoutOptionsMixin;
import io.cutflow.common.cli.ImageDirectory;
import io.cutflow.common.cli.OutputFolder;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.ingest.BulkIngest;
import io.cutflow.ingest.cli.IngestClient;
import io.cutflow.ingest.cli.SummaryPrinter;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.cli.CliArguments;
import io.cutflow.worker.model.FetchProgress;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow run DIR --out OUTDIR}: the whole pipeline on one machine with no outside
 * infrastructure — embedded Kafka (KRaft) and S3 (S3Proxy), K worker processes, bulk ingest — then
 * a summary, and everything shut down.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Run every image in DIR through the real pipeline on an embedded Kafka + S3 stack.")
public final class RunCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR", description = "Directory of images.")
  Path dir;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "OUTDIR",
      description = "Where <name>.png cutouts go.")
  Path out;

  @Option(
      names = {"-w", "--workers"},
      defaultValue = "2",
      description = "Worker processes (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = {"-r", "--recursive"},
      description = "Include subdirectories.")
  boolean recursive;

  @Option(
      names = "--timeout",
      defaultValue = "PT30M",
      description = "Give up waiting for results after this (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--recycle-after",
      description =
          "Replace each worker process after this many images (0 = never; default: "
              + "cutflow.worker.recycle-after, 500).")
  Integer recycleAfter;

  @Option(
      names = "--max-rss-mb",
      defaultValue = "0",
      description = "Replace a worker whose resident memory passes this many MiB (0 = no ceiling).")
  long maxRssMb;

  @Option(
      names = "--warm-standby",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Keep a warmed replacement per worker slot, so recycling costs no cold start (default on).")
  boolean warmStandby;

  @Option(
      names = "--keep",
      description =
          "Keep the stack's data directory (worker logs, broker data, buckets) after the run;"
              + " without it the directory is deleted, also when interrupted.")
  boolean keep;

  @Mixin CutoutOptionsMixin jobOptions;

  @Override
  public Integer call() throws Exception {
    CliChecks.workers(workers);
    CliArguments.allowedFor("--recycle-after", WorkerConfig.RECYCLE_AFTER, recycleAfter);
    CliArguments.allowedFor("--max-rss-mb", WorkerConfig.MAX_RSS_MB, maxRssMb);
    CutoutOptions options = jobOptions.options(); // a bad value fails before the stack starts
    ImageDirectory.check(dir);
    OutputFolder.create("--out", out);
    List<Path> files = ImageDirectory.files(dir, recursive);
    RunTally tally = new RunTally(files.size());
    return OrderlyStop.runCommand(
        "run",
        stop -> {
          stop.step(
              OrderlyStop.Phase.REPORT,
              "summary",
              Duration.ofSeconds(5),
              () -> {
                if (stop.signalled() && tally.claimReport()) {
                  tally.printInterrupted(System.out, System.err, out);
                }
              });
          return run(stop, files, options, tally);
        });
  }

  private int run(OrderlyStop stop, List<Path> files, CutoutOptions options, RunTally tally)
      throws Exception {
    // Fetch the model once here, not in K workers at once.
    Path modelCache = ModelRegistry.createDefault().cache().dir();
    ModelRegistry.createDefault().ensureDefault(FetchProgress.NONE);
    Path stackDir = Files.createTempDirectory("cutflow-run-");
    if (!keep) {
      stop.deleteAtEnd(stackDir);
    } else {
      stop.step(
          OrderlyStop.Phase.REPORT,
          "kept data",
          Duration.ofSeconds(1),
          () -> {
            if (stop.signalled()) {
              System.out.println("stack data in " + stackDir);
            }
          });
    }
    long t0 = System.nanoTime();
    // deleted by the stop, once every process that writes there is gone
    EmbeddedStack stack =
        stop.add(
            OrderlyStop.Phase.SERVERS,
            "broker and S3 server",
            Duration.ofSeconds(40),
            EmbeddedStack.start(CutflowConfig.load(), stackDir, false, workers));
    Map<String, String> overrides = new LinkedHashMap<>(stack.overrides());
    overrides.put(WorkerConfig.MODELS_DIR.name(), modelCache.toString());
    CutflowConfig config = stack.config().withOverrides(overrides);
    int quota = recycleAfter != null ? recycleAfter : config.getInt(WorkerConfig.RECYCLE_AFTER);
    System.err.printf(
        "cutflow run: stack up in %.1f s; starting %s (loading and warming the model)…%n",
        (System.nanoTime() - t0) / 1e9, count(workers, "worker"));
    // A batch smaller than the quota never recycles by count: a warm standby per slot would only
    // take CPU (≈ 20 s each to warm) and memory from the workers doing the batch.
    boolean standby = warmStandby && StackWorkers.standbyPays(files.size(), quota, maxRssMb);
    if (warmStandby && !standby) {
      System.err.printf(
          "cutflow run: %s: no warm standby (a crashed worker restarts cold)%n",
          quota == 0
              ? "workers never recycle (--recycle-after 0)"
              : count(files.size(), "image") + " cannot reach --recycle-after " + quota);
    }
    SupervisorSettings settings =
        StackWorkers.settings(
            workers,
            quota,
            maxRssMb,
            standby,
            overrides,
            "cutflow-run",
            stackDir.resolve("workers"));
    // First to stop: the workers drain what they hold, and their results still count.
    RecyclingSupervisor supervisor =
        stop.add(
            OrderlyStop.Phase.WORKERS,
            "workers",
            settings.stopTimeout().plusSeconds(15),
            RecyclingSupervisor.start(config, settings));
    stop.step(
        OrderlyStop.Phase.WORKERS,
        "last results",
        Duration.ofSeconds(20),
        () -> {
          if (stop.signalled()) {
            tally.awaitQuiet(Duration.ofSeconds(2), Duration.ofSeconds(15));
          }
        });
    IngestClient client =
        stop.add(
            OrderlyStop.Phase.INGEST,
            "ingest client",
            Duration.ofSeconds(15),
            IngestClient.connect(config));
    if (!supervisor.awaitActive(Duration.ofMinutes(5))) {
      System.err.println(
          "cutflow run: workers did not start within 5 minutes; logs in "
              + supervisor.logDir()
              + (keep ? "" : " (deleted on exit: run with --keep to read them)"));
      return 1;
    }
    System.err.printf(
        "cutflow run: %s ready after %.1f s; ingesting %s%n",
        count(workers, "worker"), (System.nanoTime() - t0) / 1e9, count(files.size(), "image"));
    BulkIngest.Summary summary = client.ingest(dir, files, options, true, out, timeout, 4, tally);
    if (!tally.claimReport()) {
      return OrderlyStop.INTERRUPTED; // interrupted as it finished: the stop reports
    }
    SummaryPrinter.print(summary, true, System.out, System.err);
    System.out.println("workers: " + supervisor.stats().summary());
    System.out.println(
        "cutouts in " + out.toAbsolutePath() + (keep ? "; stack data in " + stackDir : ""));
    return summary.failures().isEmpty() ? 0 : 1;
  }

  /** "1 worker", "2 workers". */
  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
