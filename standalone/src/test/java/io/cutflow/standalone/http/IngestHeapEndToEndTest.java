package io.cutflow.standalone.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.standalone.infra.ChildLogs;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestHttp;
import io.cutflow.standalone.infra.IngestUnderTest;
import io.cutflow.standalone.infra.WorkerUnderTest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Many large images at once against an ingest server with a small heap (256 MiB), in a JVM of its
 * own that exits on {@code OutOfMemoryError} as the container image's does.
 *
 * <p>Uploads: before the upload memory was bounded ({@code cutflow.ingest.upload-memory-bytes}), 12
 * uploads of 30 MB at once against a 384 MiB heap answered 5 of them 500 (OutOfMemoryError); with
 * the container's flag the server exits. Cutouts: before they were streamed, each {@code GET
 * /v1/jobs/{id}/cutout} read the whole PNG into the heap first. Now both pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestHeapEndToEndTest {
  private static final int AT_ONCE = 10;
  private static final int WIDTH = 2900;
  private static final int HEIGHT = 2800; // 24.4 MB as a 24-bit BMP

  private EmbeddedStack stack;
  private JavaProcess ingest;
  private IngestHttp http;
  private final byte[] large = noiseBmp(WIDTH, HEIGHT);

  @BeforeAll
  void start() throws Exception {
    stack = EmbeddedStack.start();
    ingest =
        JavaProcess.builder("io.cutflow.standalone.CutflowCli")
            .jvmArgs("-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError")
            .systemProperties(IngestUnderTest.config(stack, "heap", Map.of()).resolvedValues())
            .args("ingest-server", "--port", "0")
            .name("ingest-small-heap")
            .logFile(ChildLogs.file("ingest-small-heap"))
            .start();
    String base = IngestUnderTest.awaitReady(ingest);
    http = new IngestHttp(() -> base, "");
  }

  @AfterAll
  void stop() throws Exception {
    WorkerUnderTest.closeAll(ingest, stack);
  }

  /** After each test: the server is up and never ran out of memory. */
  @AfterEach
  void serverSurvived() throws Exception {
    assertTrue(ingest.isAlive(), "the ingest server is still up:\n" + ingest.logTail(40));
    assertFalse(
        Files.readString(ingest.logFile()).contains("OutOfMemoryError"), ingest.logTail(40));
  }

  @Test
  void aBurstOfLargeUploadsIsTakenInTurnsNotAnOutOfMemoryError() throws Exception {
    List<Integer> statuses =
        atOnce(
            i -> {
              HttpResponse<String> r =
                  http.send(
                      http.post(
                          "/v1/jobs",
                          false,
                          List.of(IngestHttp.part("file", "large-" + i + ".bmp", large)),
                          Map.of()));
              assertEquals(202, r.statusCode(), r.body());
              return r.statusCode();
            });
    System.out.println(
        "upload memory: "
            + AT_ONCE
            + " uploads of "
            + large.length
            + " bytes at once, 256 MiB heap: "
            + statuses);
    String metrics = http.getString("/metrics", false).body();
    assertTrue(
        metrics.contains("cutflow_ingest_upload_memory_bytes 0.0"),
        "every reservation given back:\n" + metrics);
  }

  @Test
  void aLargeCutoutFetchedManyTimesAtOnceIsStreamedNotHeld() throws Exception {
    CutflowConfig config = stack.config();
    String jobId = "large-cutout-" + UUID.randomUUID();
    String cutouts = config.getString(StorageConfig.BUCKET_CUTOUTS);
    String raw = config.getString(StorageConfig.BUCKET_RAW);
    try (ObjectStore store = ObjectStore.fromConfig(config)) {
      store.ensureBucket(cutouts);
      store.ensureBucket(raw);
      // any bytes will do: the endpoint passes the stored object on as it is
      store.put(cutouts, jobId + ".png", large, "image/png", Map.of());
      String etag = store.put(raw, jobId + ".bmp", new byte[] {1}, "image/bmp", Map.of());
      publishDone(config, jobId, raw, etag, cutouts);
    }
    http.awaitStatus(jobId, "done", false, Duration.ofSeconds(60));

    byte[] expected = MessageDigest.getInstance("SHA-256").digest(large);
    List<Integer> lengths =
        atOnce(
            i -> {
              HttpResponse<byte[]> r = http.get("/v1/jobs/" + jobId + "/cutout", false);
              assertEquals(200, r.statusCode(), new String(r.body()));
              assertArrayEquals(expected, MessageDigest.getInstance("SHA-256").digest(r.body()));
              return r.body().length;
            });
    System.out.println(
        "cutout streaming: " + AT_ONCE + " downloads at once, 256 MiB heap: " + lengths);
  }

  /** {@code call} for 0..AT_ONCE-1, all at once; their answers in order. */
  private static <T> List<T> atOnce(IndexedCall<T> call) throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(AT_ONCE);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < AT_ONCE; i++) {
        int n = i;
        futures.add(clients.submit((Callable<T>) () -> call.run(n)));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get(3, TimeUnit.MINUTES));
      }
      return out;
    } finally {
      clients.shutdownNow();
    }
  }

  @FunctionalInterface
  private interface IndexedCall<T> {
    T run(int i) throws Exception;
  }

  /** A done result for {@code jobId}, as a worker publishes it, with the large object as cutout. */
  private void publishDone(
      CutflowConfig config, String jobId, String raw, String etag, String cutouts)
      throws Exception {
    JobRequest request =
        new JobRequest(
            JobRequest.SCHEMA,
            jobId,
            new JobRequest.Source(raw, jobId + ".bmp", etag, 1L),
            null,
            CutoutOptions.DEFAULTS,
            Instant.now(),
            Map.of("submitted_via", "test"));
    JobResult result =
        JobResult.ok(
            request,
            new JobResult.StoredObject(cutouts, jobId + ".png", large.length),
            new JobResult.Image(WIDTH, HEIGHT),
            "isnet-general-use-fp16",
            "test",
            1,
            JobResult.Timings.NONE,
            Instant.now(),
            Instant.now());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(KafkaClients.producerProperties(config, "heap-test"))) {
      producer
          .send(
              new ProducerRecord<>(
                  new Topics(config).results(), jobId, new JobCodec().encode(result)))
          .get();
    }
  }

  /** A 24-bit bottom-up BMP of random pixels: large, and nothing compresses it. */
  private static byte[] noiseBmp(int w, int h) {
    int row = (w * 3 + 3) & ~3;
    int size = 54 + row * h;
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(size).putInt(0).putInt(54);
    b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 24);
    b.putInt(0).putInt(row * h).putInt(2835).putInt(2835).putInt(0).putInt(0);
    byte[] pixels = new byte[row * h];
    new Random(7).nextBytes(pixels);
    b.put(pixels);
    return b.array();
  }
}
