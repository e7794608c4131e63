package io.cutflow.ingest.http;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.OpsConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.ops.Metrics;
import io.cutflow.ingest.IngestConfig;
import io.javalin.util.JavalinBindException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cutflow ingest-server}: the HTTP API against real Kafka and MinIO (configured by cutflow.*
 * settings).
 */
@Command(
    name = "ingest-server",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the ingest HTTP API (POST /v1/jobs, GET /v1/jobs/{id}, POST /api/remove, /healthz, "
          + "/readyz, /metrics) against the Kafka and S3/MinIO named by the cutflow.* settings "
          + "(system properties or CUTFLOW_* environment variables).",
      "Runs until interrupted (Ctrl-C)."
    })
public final class IngestServerCommand implements Callable<Integer> {
  @Option(names = "--port", description = "HTTP port (default: cutflow.ingest.http-port, 8080).")
  Integer port;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "A cutflow.* setting, e.g. --set cutflow.kafka.bootstrap-servers=kafka:9092 (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    CutflowConfig config = CutflowConfig.load(settings);
    int p = port != null ? port : config.getInt(IngestConfig.HTTP_PORT);
    if (p < 0 || p > 65535) { // the setting's validator checks the same range
      throw new IllegalArgumentException(
          "--port " + p + " is outside 0..65535; give a port, or 0 for any free one");
    }
    IngestServer server;
    try {
      server = IngestServer.start(config, p, Metrics.process().registry());
    } catch (JavalinBindException e) {
      // a setting's mistake, like a bad flag: one line, exit 2 (the start closed what it opened)
      throw new IllegalArgumentException(
          "port "
              + p
              + " on "
              + config.getString(OpsConfig.HOST)
              + " cannot be bound ("
              + e.getMessage()
              + "); choose another with --port N or "
              + IngestConfig.HTTP_PORT.name()
              + " ("
              + IngestConfig.HTTP_PORT.envName()
              + ")");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "ingest-server-stop"));
    System.err.println(
        "cutflow ingest-server: "
            + server.url()
            + " (Kafka "
            + config.getString(KafkaConfig.BOOTSTRAP_SERVERS)
            + ", S3 "
            + config.getString(StorageConfig.S3_ENDPOINT)
            + ")");
    if (server.awaitReady(Duration.ofMinutes(2))) {
      System.err.println("cutflow ingest-server: ready");
    } else {
      System.err.println(
          "cutflow ingest-server: job status store not ready yet; /readyz will say when");
    }
    stopped.await();
    return 0;
  }
}
