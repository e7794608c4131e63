package io.cutflow.standalone;

import io.cutflow.common.cli.OutputFolder;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.OpsConfig;
import io.cutflow.common.ops.OpsServer;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.ingest.bucket.BucketWatch;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.cli.CliArguments;
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
 * Ctrl-C or SIGTERM — each recycled after {@code cutflow.worker.recycle-after} images with a warm
 * standby, and replaced when it crashes — with every endpoint printed so other tools ({@code
 * cutflow ingest}, any Kafka producer, any S3 client) can use it. Uploads to {@code cutflow-inbox}
 * become jobs with no command ({@link BucketInbox}). The HTTP API binds loopback unless told
 * otherwise. A signal stops everything in order ({@link OrderlyStop}) and deletes the data unless
 * {@code --data} keeps it.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description =
        "Start the embedded stack and workers and keep them running until Ctrl-C or SIGTERM,"
            + " which stop everything in order.")
public final class UpCommand implements Callable<Integer> {
  @Option(
      names = {"-w", "--workers"},
      defaultValue = "1",
      description = "Worker processes (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "HTTP API port (default: cutflow.ingest.http-port, 8080; 0 = any free port).")
  Integer port;

  @Option(
      names = "--host",
      paramLabel = "ADDR",
      description =
          "Address the HTTP API binds to (default: cutflow.ops.host where set, else 127.0.0.1:"
              + " this machine only). Another address without cutflow.ingest.api-key is open to"
              + " anyone who can reach it.")
  String host;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Keep broker data, buckets and logs here (default: a temp dir, deleted on exit).")
  Path data;

  @Option(
      names = "--scrape-interval",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description =
          "Scrape and rule-evaluation interval of the Prometheus configuration up writes (default"
              + " ${DEFAULT-VALUE}).")
  int scrapeInterval;

  @Override
  public Integer call() throws Exception {
    if (scrapeInterval < 1) {
      throw new IllegalArgumentException(
          "--scrape-interval must be at least 1 second, got "
              + scrapeInterval
              + "; e.g. --scrape-interval 5");
    }
    CliChecks.workers(workers);
    CliArguments.allowedFor("--port", IngestConfig.HTTP_PORT, port);
    if (data != null) {
      OutputFolder.create("--data", data);
    }
    CutflowConfig base = CutflowConfig.load();
    // The ops host is the key the HTTP API binds to; up's own default is loopback only.
    String bindHost =
        host != null
            ? host
            : base.sourceOf(OpsConfig.HOST) != CutflowConfig.Source.DEFAULT
                ? base.getString(OpsConfig.HOST)
                : "127.0.0.1";
    int httpPort = port != null ? port : base.getInt(IngestConfig.HTTP_PORT);
    CliChecks.portFree(bindHost, httpPort);
    ModelRegistry registry = ModelRegistry.createDefault();
    registry.ensureDefault(FetchProgress.NONE);
    return OrderlyStop.runCommand(
        "up",
        stop -> {
          up(stop, base, bindHost, httpPort, registry);
          return 0;
        });
  }

  private void up(
      OrderlyStop stop, CutflowConfig base, String bindHost, int httpPort, ModelRegistry registry)
      throws Exception {
    Path models = registry.cache().dir();
    PrintStream out = System.out;
    Path dir =
        data != null ? Files.createDirectories(data) : Files.createTempDirectory("cutflow-up-");
    if (data == null) {
      stop.deleteAtEnd(dir);
    }
    stop.step(
        OrderlyStop.Phase.REPORT,
        "report",
        Duration.ofSeconds(1),
        () -> {
          out.println("cutflow stopped" + (data != null ? "; data kept in " + dir : ""));
          out.flush();
        });
    EmbeddedStack stack =
        stop.add(
            OrderlyStop.Phase.SERVERS,
            "broker and S3 server",
            Duration.ofSeconds(40),
            EmbeddedStack.start(base, dir, false, workers));
    stack.keepServersUp(System.err);
    Map<String, String> overrides = new LinkedHashMap<>(stack.overrides());
    overrides.put(WorkerConfig.MODELS_DIR.name(), models.toString());
    // the workers' ops endpoints: this machine only
    overrides.put(OpsConfig.HOST.name(), "127.0.0.1");
    CutflowConfig config = stack.config().withOverrides(overrides);
    Map<String, String> api = new LinkedHashMap<>();
    api.put(OpsConfig.HOST.name(), bindHost);
    api.putAll(BucketInbox.bridgeOn());
    if (config.sourceOf(IngestConfig.STATE_DIR) == CutflowConfig.Source.DEFAULT) {
      // with the rest of the data: kept with --data, deleted without
      api.put(IngestConfig.STATE_DIR.name(), dir.resolve("ingest-state").toString());
    }
    SupervisorSettings settings =
        workerSettings(config, overrides, workers, dir.resolve("workers"));
    RecyclingSupervisor supervisor =
        stop.add(
            OrderlyStop.Phase.WORKERS,
            "workers",
            settings.stopTimeout().plusSeconds(15),
            RecyclingSupervisor.start(config, settings));
    IngestServer http =
        stop.add(
            OrderlyStop.Phase.INGEST,
            "HTTP API",
            Duration.ofSeconds(45),
            HttpApi.start(config.withOverrides(api), httpPort, HttpApi.models(registry, config)));
    OpsServer ops =
        stop.add(
            OrderlyStop.Phase.INGEST,
            "ops endpoint",
            Duration.ofSeconds(5),
            OpsServer.start(
                "127.0.0.1",
                0,
                supervisor.registry(),
                supervisor::allActive,
                () -> "a worker slot is between workers"));
    // a Prometheus on this machine: every process's /metrics, workers followed across recycles
    String apiHost = "0.0.0.0".equals(bindHost) || "::".equals(bindHost) ? "127.0.0.1" : bindHost;
    PrometheusFiles prometheus =
        PrometheusFiles.write(
            dir.resolve("prometheus"),
            apiHost + ":" + http.port(),
            "127.0.0.1:" + ops.port(),
            Duration.ofSeconds(scrapeInterval));
    supervisor.onEndpoints(prometheus::workers);
    if (!supervisor.awaitActive(Duration.ofMinutes(5))) {
      throw new IOException(
          "workers did not start within 5 minutes; logs in " + supervisor.logDir());
    }
    HttpApi.awaitReady(http);
    for (BucketWatch watch : BucketInbox.start(config)) {
      // stopped first: no new jobs while the workers drain
      stop.add(OrderlyStop.Phase.WORKERS, "bucket watcher", Duration.ofSeconds(35), watch);
    }
    out.println("  HTTP API: " + HttpApi.describe(bindHost, http.port()));
    out.println("  web UI: " + HttpApi.webUi(bindHost, http.port()) + "  (open it in a browser)");
    HttpApi.warnIfOpen(bindHost, http.port(), config, System.err);
    out.println("cutflow is up. Use it with:");
    out.println("  export CUTFLOW_KAFKA_BOOTSTRAP_SERVERS=" + stack.kafka().bootstrapServers());
    out.println("  export CUTFLOW_S3_ENDPOINT=" + stack.s3().endpoint());
    out.println("  export CUTFLOW_S3_ACCESS_KEY=" + stack.s3().accessKey());
    out.println("  export CUTFLOW_S3_SECRET_KEY=" + stack.s3().secretKey());
    out.println("  ./cutflow ingest DIR --wait --out OUTDIR");
    BucketInbox.describe(config, stack.s3().endpoint(), out);
    out.println(
        "  workers: "
            + settings.slots()
            + " slot(s), recycled every "
            + settings.recycleAfter()
            + " images (cutflow.worker.recycle-after; 0 = never), warm standby "
            + (settings.warmStandby() ? "on" : "off")
            + "; metrics: "
            + ops.url()
            + "/metrics");
    out.println("  Prometheus (scrapes every process, loads the alert rules):");
    out.println("    " + prometheus.command());
    out.println("logs and data: " + dir + ". Ctrl-C stops everything.");
    out.flush();
    new CountDownLatch(1).await(); // until the stop interrupts us
  }

  /**
   * The workers of {@code up}: {@code workers} slots with {@code config}'s recycle quota and memory
   * ceiling, a warm standby per slot whenever a worker can reach either.
   */
  static SupervisorSettings workerSettings(
      CutflowConfig config, Map<String, String> overrides, int workers, Path logDir) {
    int recycleAfter = config.getInt(WorkerConfig.RECYCLE_AFTER);
    long maxRssMb = config.getLong(WorkerConfig.MAX_RSS_MB);
    return StackWorkers.settings(
        workers,
        recycleAfter,
        maxRssMb,
        StackWorkers.standbyPays(-1, recycleAfter, maxRssMb),
        overrides,
        "cutflow-up",
        logDir);
  }

  /**
   * Starts {@link #workerSettings} and waits until every slot has an active worker (tests start
   * up's workers this way).
   */
  public static RecyclingSupervisor startWorkers(
      CutflowConfig config, Map<String, String> overrides, int workers, Path logDir)
      throws IOException, InterruptedException {
    return StackWorkers.start(
        config, workerSettings(config, overrides, workers, logDir), Duration.ofMinutes(5));
  }
}
