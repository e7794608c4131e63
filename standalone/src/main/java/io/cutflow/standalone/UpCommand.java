package io.cutflow.standalone;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.OpsConfig;
import io.cutflow.common.ops.OpsServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.model.FetchProgress;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cutflow up}: the embedded stack (Kafka, S3) and K supervised workers, kept running until
 * Ctrl-C — each recycled after {@code cutflow.worker.recycle-after} images with a warm standby, and
 * replaced when it crashes — with every endpoint printed so other tools ({@code cutflow ingest},
 * any Kafka producer, any S3 client) can use it.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = "Start the embedded stack and workers and keep them running until interrupted.")
public final class UpCommand implements Callable<Integer> {
  @Option(
      names = {"-w", "--workers"},
      defaultValue = "1",
      description = "Worker processes (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "HTTP API port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Keep broker data, buckets and logs here (default: a temp dir, deleted on exit).")
  Path data;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    ModelRegistry registry = ModelRegistry.createDefault();
    registry.ensureDefault(FetchProgress.NONE);
    Path dir =
        data != null ? Files.createDirectories(data) : Files.createTempDirectory("cutflow-up-");
    CountDownLatch stop = new CountDownLatch(1);
    try (EmbeddedStack stack = EmbeddedStack.start(CutflowConfig.load(), dir, data == null)) {
      Map<String, String> overrides = new LinkedHashMap<>(stack.overrides());
      overrides.put(WorkerConfig.MODELS_DIR.name(), registry.cache().dir().toString());
      overrides.put(OpsConfig.HOST.name(), "127.0.0.1");
      CutflowConfig config = stack.config().withOverrides(overrides);
      try (RecyclingSupervisor supervisor =
              startWorkers(config, overrides, workers, dir.resolve("workers"));
          OpsServer ops =
              OpsServer.start(
                  "127.0.0.1",
                  0,
                  supervisor.registry(),
                  supervisor::allActive,
                  () -> "a worker slot is between workers");
          AutoCloseable http = HttpApi.start(config, port, out)) {
        out.println("cutflow is up. Use it with:");
        out.println("  export CUTFLOW_KAFKA_BOOTSTRAP_SERVERS=" + stack.kafka().bootstrapServers());
        out.println("  export CUTFLOW_S3_ENDPOINT=" + stack.s3().endpoint());
        out.println("  export CUTFLOW_S3_ACCESS_KEY=" + stack.s3().accessKey());
        out.println("  export CUTFLOW_S3_SECRET_KEY=" + stack.s3().secretKey());
        out.println("  ./cutflow ingest DIR --wait --out OUTDIR");
        SupervisorSettings s = supervisor.settings();
        out.println(
            "  workers: "
                + s.slots()
                + " slot(s), recycled every "
                + s.recycleAfter()
                + " images (cutflow.worker.recycle-after; 0 = never), warm standby "
                + (s.warmStandby() ? "on" : "off")
                + "; metrics: "
                + ops.url()
                + "/metrics");
        out.println("logs and data: " + dir + ". Ctrl-C stops everything.");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
      }
    }
    return 0;
  }

  /**
   * The workers of {@code up}: {@code workers} slots with {@code config}'s recycle quota and memory
   * ceiling, a warm standby per slot whenever a worker can reach either, until closed.
   */
  public static RecyclingSupervisor startWorkers(
      CutflowConfig config, Map<String, String> overrides, int workers, Path logDir)
      throws IOException, InterruptedException {
    int recycleAfter = config.getInt(WorkerConfig.RECYCLE_AFTER);
    long maxRssMb = config.getLong(WorkerConfig.MAX_RSS_MB);
    SupervisorSettings settings =
        StackWorkers.settings(
            workers,
            recycleAfter,
            maxRssMb,
            StackWorkers.standbyPays(-1, recycleAfter, maxRssMb),
            overrides,
            "cutflow-up",
            logDir);
    return StackWorkers.start(config, settings, Duration.ofMinutes(5));
  }
}
