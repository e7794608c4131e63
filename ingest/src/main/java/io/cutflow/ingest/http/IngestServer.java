package io.cutflow.ingest.http;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.OpsConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.ops.StartupWait;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.ResultWatcher;
import io.cutflow.ingest.bucket.BucketBridgeService;
import io.cutflow.ingest.fetch.UrlFetcher;
import io.cutflow.ingest.status.JobStatus;
import io.cutflow.ingest.status.JobStatusService;
import io.cutflow.ingest.status.ResultWaiters;
import io.cutflow.ingest.webui.JobEvents;
import io.cutflow.ingest.webui.WebUiRoutes;
import io.cutflow.ingest.webui.WebUiSettings;
import io.javalin.Javalin;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest HTTP service, wired: object store, job producer, job-status Kafka Streams application
 * and the Javalin API ({@link IngestApi}). Creates the topics and buckets it needs.
 *
 * <pre>{@code
 * try (IngestServer server = IngestServer.start(config, 8080, Metrics.process().registry())) {
 *   server.awaitReady(Duration.ofSeconds(60));
 *   ... http://localhost:8080/api/remove ...
 * }
 * }</pre>
 */
public final class IngestServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IngestServer.class);

  private final Javalin app;
  private final JobStatusService status;
  private final ResultWatcher allResults;
  private final Producer<String, String> producer;
  private final ObjectStore store;
  private final ExecutorService responder;
  private final String host;
  private final BucketBridgeService bridge;
  private final JobEvents events;

  private IngestServer(
      Javalin app,
      JobStatusService status,
      ResultWatcher allResults,
      Producer<String, String> producer,
      ObjectStore store,
      ExecutorService responder,
      String host,
      BucketBridgeService bridge,
      JobEvents events) {
    this.events = events;
    this.app = app;
    this.status = status;
    this.allResults = allResults;
    this.producer = producer;
    this.store = store;
    this.responder = responder;
    this.host = host;
    this.bridge = bridge;
  }

  /**
   * Starts the service on {@code port} (0 = ephemeral) of {@code cutflow.ops.host}. HTTP comes up
   * first; while Kafka or the object store does not answer, the start waits for it ({@link
   * StartupWait}: {@code /readyz} says so), for as long as that lasts. Returns once the topics and
   * buckets are there and the status store is starting; job status answers 503 until it is ready
   * ({@link #awaitReady}).
   */
  public static IngestServer start(CutflowConfig config, int port, MetricRegistry registry) {
    return start(config, port, registry, List.of());
  }

  /**
   * As {@link #start(CutflowConfig, int, MetricRegistry)}, with the models the web UI offers (see
   * {@link WebUiSettings#models()}; {@code cutflow up} knows them, a lone ingest does not).
   */
  public static IngestServer start(
      CutflowConfig config,
      int port,
      MetricRegistry registry,
      List<WebUiSettings.ModelChoice> models) {
    Topics topics = new Topics(config);
    ObjectStore store = ObjectStore.fromConfig(config);
    String raw = config.getString(StorageConfig.BUCKET_RAW);
    JobCodec codec = new JobCodec();
    Properties producerProps = KafkaClients.producerProperties(config, "cutflow-ingest");
    // send() waits in the request's thread for the topic's metadata (60 s by default) before the
    // publish deadline even starts: with the broker unreachable, each request held its thread 60 s
    producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    // made once Kafka answers (its name may not resolve before: its clients refuse that as they
    // are made, and an unconnected producer only logs reconnects); submissions fail until then
    AtomicReference<Producer<String, String>> producer = new AtomicReference<>();
    JobSubmitter submitter =
        new JobSubmitter(
            store,
            () -> {
              Producer<String, String> p = producer.get();
              if (p == null) {
                throw new TimeoutException("the ingest server is still waiting for Kafka");
              }
              return p;
            },
            codec,
            topics,
            raw);
    ResultWaiters waiters = new ResultWaiters();
    AtomicReference<IngestApi> api = new AtomicReference<>();
    Consumer<JobResult> onResult =
        result -> {
          waiters.accept(result); // idempotent: the first of the two feeds below wakes the waiter
          IngestApi a = api.get();
          if (a != null) {
            a.onResult(result);
          }
        };
    // the web UI's events come from every result (allResults, made once Kafka answers)
    JobEvents events = new JobEvents();
    JobStatusService status = JobStatusService.create(config, topics, codec, onResult);
    AtomicReference<String> advertised = new AtomicReference<>();
    // a start while Kafka or the store does not answer waits for it with HTTP up: /healthz answers
    // (no liveness restart), /readyz says what it waits for (the process ends on SIGTERM meanwhile)
    StartupWait startup = new StartupWait("the ingest server", () -> false);
    HttpMetrics metrics = new HttpMetrics(registry);
    for (StartupWait.Dependency d : StartupWait.Dependency.values()) {
      metrics.startWaiting(d.label, () -> startup.waiting(d));
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService responder =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "ingest-respond-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    IngestApi.Settings settings =
        new IngestApi.Settings(
            config.getLong(IngestConfig.MAX_UPLOAD_BYTES),
            config.getInt(IngestConfig.MAX_FILES),
            config.getPassword(IngestConfig.API_KEY),
            Duration.ofMillis(config.getLong(IngestConfig.REMOVE_TIMEOUT_MS)),
            config.getInt(IngestConfig.MAX_WAITING_REMOVES),
            config.getInt(IngestConfig.MAX_WAITING_LOOKUPS),
            config.getLong(IngestConfig.UPLOAD_MEMORY_BYTES),
            config.getLong(IngestConfig.MIN_DATA_RATE_BYTES),
            config.getOptionalString(IngestConfig.PUBLIC_URL).orElse(""),
            UrlFetcher.hostList(
                config.getOptionalString(IngestConfig.URL_FETCH_ALLOW_HOSTS).orElse("")),
            Duration.ofMillis(config.getLong(IngestConfig.URL_FETCH_TIMEOUT_MS)));
    api.set(
        new IngestApi(
            settings,
            submitter,
            store,
            status,
            waiters,
            metrics,
            status::isRunning,
            responder,
            JobRouting.overHttp(status::ownerOf, advertised::get)));
    api.get()
        .withWebUi(
            new WebUiRoutes(
                new WebUiSettings(
                    settings.maxUploadBytes(),
                    settings.maxFiles(),
                    !settings.apiKey().isEmpty(),
                    models),
                events,
                store,
                jobId -> events.recent(jobId).or(() -> finished(status, jobId))));
    api.get().withStartup(startup::reason);
    String host = config.getString(OpsConfig.HOST);
    Javalin app = api.get().create();
    AtomicReference<ResultWatcher> allResults = new AtomicReference<>();
    AtomicReference<BucketBridgeService> bridge = new AtomicReference<>();
    // what a failed start undoes (close() does the same for a started server, bridge first)
    Runnable undo =
        () -> {
          if (bridge.get() != null) {
            bridge.get().close();
          }
          app.stop();
          status.close();
          if (allResults.get() != null) {
            allResults.get().close();
          }
          if (producer.get() != null) {
            producer.get().close();
          }
          store.close();
          responder.shutdownNow();
          events.close();
        };
    try {
      app.start(host, port);
      startup.until(
          StartupWait.Dependency.KAFKA,
          "checking the topics",
          () -> {
            try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
              topics.ensureTopics(admin);
              return topics.ensureTopics(
                  admin, Duration.ofSeconds(30), List.of(topics.throughput()));
            }
          });
      producer.set(new KafkaProducer<>(producerProps));
      for (String bucket : List.of(raw, config.getString(StorageConfig.BUCKET_CUTOUTS))) {
        startup.until(
            StartupWait.Dependency.OBJECT_STORE,
            "checking the bucket " + bucket,
            () -> {
              store.ensureBucket(bucket);
              return null;
            });
      }
      // every result, whichever instance holds its job's status partition: with several
      // instances, an /api/remove waiting here is woken even when the status topology runs that
      // job elsewhere (positioned at the end now, before this instance publishes anything); the
      // web UI's events too: a page connected to any instance hears about all of its jobs
      allResults.set(
          startup.until(
              StartupWait.Dependency.KAFKA,
              "reading the end of " + topics.results(),
              () ->
                  new ResultWatcher(
                      config.getString(KafkaConfig.BOOTSTRAP_SERVERS),
                      topics.results(),
                      codec,
                      result -> {
                        onResult.accept(result);
                        events.publish(result);
                      })));
      // the status store starts once the port is bound: the advertised address defaults to it
      URI self = advertisedUrl(config, host, app.port());
      advertised.set(self.toString());
      status.start(new HostInfo(self.getHost(), self.getPort()));
      log.atInfo()
          .setMessage("job-status store advertised to the other ingest instances")
          .addKeyValue("application_server", self)
          .log();
      // the bridge's jobs are ordinary jobs: status through this server's GET /v1/jobs/{id}
      if (config.getBoolean(IngestConfig.BRIDGE_ENABLED)) {
        bridge.set(
            startup.until(
                StartupWait.Dependency.KAFKA,
                "starting the bucket bridge",
                () -> BucketBridgeService.start(config, registry)));
      }
    } catch (RuntimeException e) {
      undo.run();
      throw e;
    }
    IngestServer server =
        new IngestServer(
            app,
            status,
            allResults.get(),
            producer.get(),
            store,
            responder,
            host,
            bridge.get(),
            events);
    log.info(
        "ingest HTTP API on {} (api key {})",
        server.url(),
        settings.apiKey().isEmpty() ? "off" : "on");
    return server;
  }

  /** A job's result from this instance's status store; empty while queued, unknown or not ready. */
  private static Optional<JobResult> finished(JobStatusService status, String jobId) {
    try {
      return status.get(jobId).map(JobStatus::result);
    } catch (JobStatusService.NotReadyException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code cutflow.ingest.advertised-url}, else {@code http://<bind host>:<port>} with this
   * machine's host name for a wildcard bind (the other instances must reach it; a loopback name
   * would make every instance look like the same one).
   */
  static URI advertisedUrl(CutflowConfig config, String host, int port) {
    Optional<String> configured = config.getOptionalString(IngestConfig.ADVERTISED_URL);
    if (configured.isPresent()) {
      return URI.create(configured.get().trim().replaceAll("/+$", ""));
    }
    String h = host;
    if ("0.0.0.0".equals(host) || "::".equals(host) || host.isBlank()) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        // one instance needs no peers; several need a reachable name, which only the operator knows
        h = "127.0.0.1";
        log.atWarn()
            .setMessage(
                "this machine's host name does not resolve; advertising loopback to other ingest"
                    + " instances: set cutflow.ingest.advertised-url when running several")
            .addKeyValue("bind", host)
            .addKeyValue("error", e.getMessage())
            .log();
      }
    }
    String bracketed = h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    URI uri = URI.create("http://" + bracketed + ":" + port);
    if (uri.getHost() == null) {
      throw new IllegalStateException(
          "this machine's name '"
              + h
              + "' is not a valid URL host; set cutflow.ingest.advertised-url to http://<host>:"
              + port);
    }
    return uri;
  }

  /** The bound port. */
  public int port() {
    return app.port();
  }

  /** {@code http://<host>:<port>}, with 127.0.0.1 for a wildcard bind. */
  public String url() {
    String h = "0.0.0.0".equals(host) || "::".equals(host) ? "127.0.0.1" : host;
    return "http://" + h + ":" + port();
  }

  /** Whether job status can be queried (the Kafka Streams application is running). */
  public boolean isReady() {
    return status.isRunning();
  }

  /** Waits until {@link #isReady()}; false on timeout. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return status.awaitRunning(timeout);
  }

  /** Whether the bucket bridge runs here ({@code cutflow.bridge.enabled}) and is running. */
  public boolean bridgeRunning() {
    return bridge != null && bridge.isRunning();
  }

  /** Waits until the bucket bridge runs; false on timeout or when it is not enabled. */
  public boolean awaitBridge(Duration timeout) throws InterruptedException {
    return bridge != null && bridge.awaitRunning(timeout);
  }

  @Override
  public void close() {
    if (bridge != null) {
      bridge.close();
    }
    events.close(); // ends the pages' open event streams before the server stops
    app.stop();
    responder.shutdownNow();
    status.close();
    allResults.close();
    producer.close(Duration.ofSeconds(10));
    store.close();
  }
}
