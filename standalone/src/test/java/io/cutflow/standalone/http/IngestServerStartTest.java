package io.cutflow.standalone.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestHttp;
import io.cutflow.standalone.infra.IngestUnderTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * An ingest server whose port is taken: the start fails naming the port, and what it had opened
 * before (Kafka producer and consumer, object store client) is closed again, so a retry on a free
 * port in the same JVM starts cleanly. An ingest server started while the S3 server is down serves
 * {@code /healthz} and waits, saying why, until the store answers. Real broker and S3 server.
 */
class IngestServerStartTest {

  /** The Kafka client threads alive now (each client has one network or heartbeat thread). */
  private static List<String> kafkaThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("kafka-") || n.contains("heartbeat"))
        .sorted()
        .collect(Collectors.toList());
  }

  @Test
  void aTakenPortFailsTheStartNamingItAndLeavesNoClientRunning() throws Exception {
    try (EmbeddedStack stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of()))) {
      CutflowConfig config = IngestUnderTest.config(stack, "busy-port", Map.of());
      List<String> before = kafkaThreads();
      try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
        RuntimeException e =
            assertThrows(
                RuntimeException.class,
                () -> IngestServer.start(config, taken.getLocalPort(), new MetricRegistry()));
        String message = String.valueOf(e.getMessage());
        assertTrue(message.contains(String.valueOf(taken.getLocalPort())), message);
      }
      // closing a client ends its threads within moments, not at once
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!kafkaThreads().equals(before) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(before, kafkaThreads(), "Kafka clients left running by the failed start");

      try (IngestServer server = IngestServer.start(config, 0, new MetricRegistry())) {
        assertTrue(server.awaitReady(Duration.ofSeconds(120)), "the retry on a free port starts");
      }
    }
  }

  @Test
  void aStartWhileTheStoreIsDownIsAliveNamesWhatItWaitsForAndGoesOnOnceItAnswers()
      throws Exception {
    try (EmbeddedStack stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of()))) {
      CutflowConfig config = IngestUnderTest.config(stack, "store-down-start", Map.of());
      Waiting waiting =
          startWhileDown(config, stack.s3().process().handle(), "waiting for the object store");
      CompletableFuture<IngestServer> starting = waiting.starting();
      IngestHttp http = waiting.http();
      try {
        HttpResponse<String> readyz = waiting.readyz();
        assertFalse(starting.isDone(), "the start waits instead of ending: " + starting);
        assertEquals(503, readyz.statusCode(), readyz.body());
        assertTrue(
            readyz.body().contains("waiting for the object store (checking the bucket ")
                && readyz.body().contains("the ingest server starts by itself once it answers"),
            readyz.body());
        assertEquals(200, http.getString("/healthz", false).statusCode(), "alive meanwhile");
        String metrics = http.getString("/metrics", false).body();
        assertTrue(
            metrics.contains("cutflow_ingest_start_waiting{dependency=\"object_store\",} 1.0"),
            metrics);

        stack.s3().startAgain(Duration.ofSeconds(90));
        try (IngestServer server = starting.get(2, TimeUnit.MINUTES)) {
          assertTrue(server.awaitReady(Duration.ofSeconds(120)), "ready once the store answers");
          assertEquals(200, http.getString("/readyz", false).statusCode());
          assertTrue(
              http.getString("/metrics", false)
                  .body()
                  .contains("cutflow_ingest_start_waiting{dependency=\"object_store\",} 0.0"));
          // the buckets it waited for are there: an upload is stored and its job published
          HttpResponse<String> posted =
              http.send(
                  http.post(
                      "/v1/jobs",
                      false,
                      List.of(IngestHttp.part("file", "s.png", png())),
                      Map.of()));
          assertEquals(202, posted.statusCode(), posted.body());
        }
      } finally {
        starting.thenAccept(IngestServer::close); // a start that outlives a failed assertion
      }
    }
  }

  @Test
  void submissionsWhileTheStartWaitsForKafkaFailAtOnceAndAreTakenOnceItAnswers() throws Exception {
    try (EmbeddedStack stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of()))) {
      CutflowConfig config = IngestUnderTest.config(stack, "kafka-down-start", Map.of());
      Waiting waiting =
          startWhileDown(config, stack.kafka().process().handle(), "waiting for Kafka");
      CompletableFuture<IngestServer> starting = waiting.starting();
      IngestHttp http = waiting.http();
      try {
        assertFalse(starting.isDone(), "the start waits instead of ending: " + starting);
        // no producer yet (it is made once Kafka answers): refused at once, not after the
        // producer's 10 s wait for metadata
        long t0 = System.nanoTime();
        HttpResponse<String> early =
            http.send(
                http.post(
                    "/v1/jobs", false, List.of(IngestHttp.part("file", "e.png", png())), Map.of()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(503, early.statusCode(), early.body());
        assertTrue(early.body().contains("still waiting for Kafka"), early.body());
        assertTrue(ms < 8_000, "answered in " + ms + " ms");

        stack.kafka().startAgain(Duration.ofSeconds(90));
        try (IngestServer server = starting.get(3, TimeUnit.MINUTES)) {
          assertTrue(server.awaitReady(Duration.ofSeconds(120)), "ready once Kafka answers");
          // the Kafka breaker opened on the early failure lets a probe through within seconds
          HttpResponse<String> posted = null;
          long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          while (System.nanoTime() < until) {
            posted =
                http.send(
                    http.post(
                        "/v1/jobs",
                        false,
                        List.of(IngestHttp.part("file", "s.png", png())),
                        Map.of()));
            if (posted.statusCode() == 202) {
              break;
            }
            Thread.sleep(500);
          }
          assertEquals(202, posted.statusCode(), posted.body());
        }
      } finally {
        starting.thenAccept(IngestServer::close); // a start that outlives a failed assertion
      }
    }
  }

  /** A start in the background, its HTTP client, and the last {@code /readyz} answer seen. */
  private record Waiting(
      CompletableFuture<IngestServer> starting, IngestHttp http, HttpResponse<String> readyz) {}

  /**
   * Kills {@code server} (the broker or the S3 server), starts an ingest server in the background
   * and returns once its {@code /readyz} says {@code waitingFor} (or 90 s have passed, or the start
   * ended: the caller asserts which).
   */
  private static Waiting startWhileDown(
      CutflowConfig config, ProcessHandle server, String waitingFor) throws Exception {
    assertTrue(server.destroyForcibly());
    server.onExit().get(30, TimeUnit.SECONDS);
    int port;
    try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      port = free.getLocalPort();
    }
    CompletableFuture<IngestServer> starting =
        CompletableFuture.supplyAsync(() -> IngestServer.start(config, port, new MetricRegistry()));
    IngestHttp http = new IngestHttp(() -> "http://127.0.0.1:" + port, "");
    HttpResponse<String> readyz = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline && !starting.isDone()) {
      try {
        readyz = http.getString("/readyz", false);
        if (readyz.body().contains(waitingFor)) {
          break;
        }
      } catch (IOException notBoundYet) {
        readyz = null; // HTTP comes up first, within moments
      }
      Thread.sleep(200);
    }
    return new Waiting(starting, http, readyz);
  }

  private static byte[] png() throws IOException {
    BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }
}
