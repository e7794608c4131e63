package io.cutflow.standalone.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.process.JavaProcess;
import io.cutflow.standalone.fault.ProcessFaults;
import io.cutflow.standalone.infra.ChildLogs;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestHttp;
import io.cutflow.standalone.infra.IngestUnderTest;
import io.cutflow.standalone.infra.WorkerUnderTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Uploads to an ingest server (its own JVM) while the real broker is frozen (SIGSTOP): the first
 * waits out the publish deadline and gets 503; the next are refused at once, before anything is
 * stored, instead of each holding a thread and its upload memory for the deadline; once the broker
 * is back, uploads are accepted again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaOutageEndToEndTest {
  private EmbeddedStack stack;
  private JavaProcess ingest;
  private IngestHttp http;
  private byte[] png;

  @BeforeAll
  void start() throws Exception {
    stack = EmbeddedStack.start();
    ingest =
        JavaProcess.builder("io.cutflow.standalone.CutflowCli")
            .jvmArgs("-Xmx256m", "-XX:+UseSerialGC")
            .systemProperties(
                IngestUnderTest.config(stack, "kafka-outage", Map.of()).resolvedValues())
            .args("ingest-server", "--port", "0")
            .name("ingest-kafka-outage")
            .logFile(ChildLogs.file("ingest-kafka-outage"))
            .start();
    String base = IngestUnderTest.awaitReady(ingest);
    http = new IngestHttp(() -> base, "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", out);
    png = out.toByteArray();
  }

  @AfterAll
  void stop() throws Exception {
    ProcessFaults.thaw(stack.kafka().process().handle());
    WorkerUnderTest.closeAll(ingest, stack);
  }

  @Test
  void uploadsAreRefusedAtOnceWhileKafkaTakesNothingAndAcceptedOnceItIsBack() throws Exception {
    assertEquals(202, upload().statusCode(), "before the outage");

    ProcessHandle broker = stack.kafka().process().handle();
    ProcessFaults.freeze(broker);
    long firstMs;
    long refusedMs;
    try {
      long t0 = System.nanoTime();
      HttpResponse<String> first = upload();
      firstMs = msSince(t0);
      assertEquals(503, first.statusCode(), first.body());
      assertTrue(first.body().contains("could not queue the job"), first.body());

      long t1 = System.nanoTime();
      HttpResponse<String> refused = upload();
      refusedMs = msSince(t1);
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("Kafka is not taking jobs"), refused.body());
      assertTrue(refused.body().contains("\"dependency\":\"kafka\""), refused.body());
      assertEquals("5", refused.headers().firstValue("Retry-After").orElse(""));
      assertTrue(
          refusedMs < firstMs / 4,
          "refused at once (" + refusedMs + " ms), not after the deadline (" + firstMs + " ms)");
      assertTrue(
          http.getString("/metrics", false)
              .body()
              .contains("cutflow_ingest_dependency_refusing{dependency=\"kafka\",} 1.0"),
          "the gauge the alert CutflowIngestRefusingSubmissions reads");
    } finally {
      ProcessFaults.thaw(broker);
    }

    long t2 = System.nanoTime();
    int attempts = 0;
    HttpResponse<String> last;
    do {
      attempts++;
      last = upload();
      if (last.statusCode() != 202) {
        Thread.sleep(1_000);
      }
    } while (last.statusCode() != 202 && msSince(t2) < Duration.ofMinutes(2).toMillis());
    assertEquals(202, last.statusCode(), "accepted again once Kafka is back: " + last.body());
    assertTrue(
        http.getString("/metrics", false)
            .body()
            .contains("cutflow_ingest_dependency_refusing{dependency=\"kafka\",} 0.0"));
    System.out.printf(
        "kafka outage: first upload 503 after %d ms, the next refused in %d ms;"
            + " after the thaw accepted within %d ms (%d attempts)%n",
        firstMs, refusedMs, msSince(t2), attempts);
    assertTrue(ingest.isAlive(), ingest.logTail(40));
  }

  private HttpResponse<String> upload() throws Exception {
    return http.send(
        http.post("/v1/jobs", false, List.of(IngestHttp.part("file", "a.png", png)), Map.of()));
  }

  private static long msSince(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }
}
