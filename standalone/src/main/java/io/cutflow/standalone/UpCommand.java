package io.cutflow.standalone;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.worker.model.FetchProgress;
import io.cutflow.worker.model.ModelRegistry;
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
 * {@code cutflow up}: the embedded stack (Kafka, S3) and K workers, kept running until Ctrl-C,
 * with every endpoint printed so other tools ({@code cutflow ingest}, any Kafka producer, any S3
 * client) can use it.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start the embedded stack and workers and keep them running until interrupted.")
public final class UpCommand implements Callable<Integer> {
  @Option(names = {"-w", "--workers"}, defaultValue = "1", description = "Worker processes (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--port", defaultValue = "8080", description = "HTTP API port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data", paramLabel = "DIR", description = "Keep broker data, buckets and logs here (default: a temp dir, deleted on exit).")
  Path data;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    ModelRegistry registry = ModelRegistry.createDefault();
    registry.ensureDefault(FetchProgress.NONE);
    Path dir = data != null ? Files.createDirectories(data) : Files.createTempDirectory("cutflow-up-");
    CountDownLatch stop = new CountDownLatch(1);
    try (EmbeddedStack stack = EmbeddedStack.start(CutflowConfig.load(), dir, data == null)) {
      Map<String, String> overrides = new LinkedHashMap<>(stack.overrides());
      overrides.put(CutflowConfig.MODELS_DIR.name(), registry.cache().dir().toString());
      try (LocalWorkers pool = LocalWorkers.start(workers, overrides, dir, Duration.ofMinutes(5));
           AutoCloseable http = HttpApi.start(stack.config().withOverrides(overrides), port, out)) {
        out.println("cutflow is up. Use it with:");
        out.println("  export CUTFLOW_KAFKA_BOOTSTRAP_SERVERS=" + stack.kafka().bootstrapServers());
        out.println("  export CUTFLOW_S3_ENDPOINT=" + stack.s3().endpoint());
        out.println("  export CUTFLOW_S3_ACCESS_KEY=" + stack.s3().accessKey());
        out.println("  export CUTFLOW_S3_SECRET_KEY=" + stack.s3().secretKey());
        out.println("  ./cutflow ingest DIR --wait --out OUTDIR");
        for (int i = 0; i < pool.opsPorts().size(); i++) {
          out.println("  worker-" + i + " metrics: http://127.0.0.1:" + pool.opsPorts().get(i) + "/metrics");
        }
        out.println("logs and data: " + dir + ". Ctrl-C stops everything.");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
      }
    }
    return 0;
  }
}
