package io.cutflow.ingest.http;

import com.codahale.metrics.MetricRegistry;
import com.sun.net.httpserver.HttpServer;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.LoopbackS3;
import io.cutflow.ingest.status.ResultWaiters;
import io.cutflow.ingest.webui.JobEvents;
import io.cutflow.ingest.webui.WebUiRoutes;
import io.cutflow.ingest.webui.WebUiSettings;
import io.javalin.Javalin;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real API (routes, uploads, submission, waiting) in this JVM with no broker and no worker:
 * jobs go to a {@link MockProducer}, images to a loopback S3 stand-in that counts what it stores
 * and serves a fixed PNG as every cutout, and results are fed in by the test ({@link #finish}), as
 * the status topology would. No job status store: only routes that do not query it work.
 */
final class InProcessApi implements AutoCloseable {
  static final byte[] PNG = png(4, 4);

  final MockProducer<String, String> producer =
      new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
  final AtomicInteger stored = new AtomicInteger();

  /** Every request the S3 stand-in has had. */
  final AtomicInteger s3Requests = new AtomicInteger();

  /** While set, the S3 stand-in answers every request 503 (an outage). */
  final AtomicBoolean s3Down = new AtomicBoolean();

  final MetricRegistry registry = new MetricRegistry();
  final ResultWaiters waiters = new ResultWaiters();
  final JobEvents events = new JobEvents();
  volatile JobResult lastResult;
  final IngestApi api;
  final Javalin app;
  private final HttpServer s3;
  private final ObjectStore store;
  private final JobCodec codec = new JobCodec();

  InProcessApi(IngestApi.Settings settings) throws IOException {
    s3 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s3.createContext(
        "/",
        ex -> {
          s3Requests.incrementAndGet();
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().add("ETag", "\"0123456789abcdef\"");
          if (s3Down.get()) {
            ex.sendResponseHeaders(503, -1);
          } else if ("PUT".equals(ex.getRequestMethod())) {
            stored.incrementAndGet();
            ex.sendResponseHeaders(200, -1);
          } else {
            ex.getResponseHeaders().add("Content-Type", "image/png");
            ex.sendResponseHeaders(200, PNG.length);
            ex.getResponseBody().write(PNG);
          }
          ex.close();
        });
    s3.start();
    CutflowConfig config =
        LoopbackS3.config(
            s3,
            Map.of("cutflow.s3.retry.backoff-ms", "10", "cutflow.s3.retry.max-backoff-ms", "40"));
    store = ObjectStore.fromConfig(config);
    JobSubmitter submitter =
        new JobSubmitter(store, producer, codec, new Topics(config), "cutflow-raw");
    api =
        new IngestApi(
            settings,
            submitter,
            store,
            null,
            waiters,
            new HttpMetrics(registry),
            () -> true,
            Runnable::run);
    api.withWebUi(
        new WebUiRoutes(
            new WebUiSettings(
                settings.maxUploadBytes(),
                settings.maxFiles(),
                !settings.apiKey().isEmpty(),
                List.of(new WebUiSettings.ModelChoice("test-model", "a model", true))),
            events,
            store,
            events::recent));
    app = api.create().start("127.0.0.1", 0);
  }

  String url(String pathAndQuery) {
    return "http://127.0.0.1:" + app.port() + pathAndQuery;
  }

  /** The jobs published so far. */
  List<JobRequest> published() {
    return producer.history().stream().map(ProducerRecord::value).map(this::decode).toList();
  }

  /** Delivers a successful result for the job, as the status topology does when one arrives. */
  void finish(JobRequest request) {
    JobResult result =
        JobResult.ok(
            request,
            new JobResult.StoredObject(
                "cutflow-cutouts", JobRequest.defaultOutputKey(request.jobId()), PNG.length),
            new JobResult.Image(4, 4),
            "test-model",
            "test-worker",
            1,
            JobResult.Timings.NONE,
            Instant.now(),
            Instant.now());
    lastResult = result;
    waiters.accept(result);
    api.onResult(result);
    events.publish(result);
  }

  private JobRequest decode(String json) {
    try {
      return codec.decodeRequest(json);
    } catch (Exception e) {
      throw new IllegalStateException("published job does not parse: " + json, e);
    }
  }

  static IngestApi.Settings settings(int maxWaitingRemoves, String publicUrl) {
    return new IngestApi.Settings(
        1 << 20, 4, "", Duration.ofSeconds(120), maxWaitingRemoves, publicUrl);
  }

  @Override
  public void close() {
    events.close();
    app.stop();
    store.close();
    s3.stop(0);
  }

  private static byte[] png(int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB), "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
