package io.cutflow.ingest.http;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.OpsConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.status.JobStatusService;
import io.cutflow.ingest.status.ResultWaiters;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
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
  private final Producer<String, String> producer;
  private final ObjectStore store;
  private final ExecutorService responder;
  private final String host;

  private IngestServer(
      Javalin app,
      JobStatusService status,
      Producer<String, String> producer,
      ObjectStore store,
      ExecutorService responder,
      String host) {
    this.app = app;
    this.status = status;
    this.producer = producer;
    this.store = store;
    this.responder = responder;
    this.host = host;
  }

  /**
   * Starts the service on {@code port} (0 = ephemeral) of {@code cutflow.ops.host}. Returns once
   * HTTP is up; job status answers 503 until the status store is ready ({@link #awaitReady}).
   */
  public static IngestServer start(CutflowConfig config, int port, MetricRegistry registry) {
    Topics topics = new Topics(config);
    try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
      topics.ensureTopics(admin);
      topics.ensureTopics(admin, Duration.ofSeconds(30), List.of(topics.throughput()));
    }
    ObjectStore store = ObjectStore.fromConfig(config);
    String raw = config.getString(StorageConfig.BUCKET_RAW);
    store.ensureBucket(raw);
    store.ensureBucket(config.getString(StorageConfig.BUCKET_CUTOUTS));
    JobCodec codec = new JobCodec();
    Producer<String, String> producer =
        new KafkaProducer<>(KafkaClients.producerProperties(config, "cutflow-ingest"));
    JobSubmitter submitter = new JobSubmitter(store, producer, codec, topics, raw);
    ResultWaiters waiters = new ResultWaiters();
    AtomicReference<IngestApi> api = new AtomicReference<>();
    JobStatusService status =
        JobStatusService.start(
            config,
            topics,
            codec,
            result -> {
              waiters.accept(result);
              IngestApi a = api.get();
              if (a != null) {
                a.onResult(result);
              }
            });
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
            config.getOptionalString(IngestConfig.PUBLIC_URL).orElse(""));
    api.set(
        new IngestApi(
            settings,
            submitter,
            store,
            status,
            waiters,
            new HttpMetrics(registry),
            status::isRunning,
            responder));
    String host = config.getString(OpsConfig.HOST);
    Javalin app = api.get().create();
    try {
      app.start(host, port);
    } catch (RuntimeException e) {
      status.close();
      producer.close();
      store.close();
      responder.shutdownNow();
      throw e;
    }
    IngestServer server = new IngestServer(app, status, producer, store, responder, host);
    log.info(
        "ingest HTTP API on {} (api key {})",
        server.url(),
        settings.apiKey().isEmpty() ? "off" : "on");
    return server;
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

  @Override
  public void close() {
    app.stop();
    responder.shutdownNow();
    status.close();
    producer.close(Duration.ofSeconds(10));
    store.close();
  }
}
