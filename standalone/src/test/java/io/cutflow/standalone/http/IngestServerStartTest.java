package io.cutflow.standalone.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestUnderTest;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An ingest server whose port is taken: the start fails naming the port, and what it had opened
 * before (Kafka producer and consumer, object store client) is closed again, so a retry on a free
 * port in the same JVM starts cleanly. Real broker and S3 server.
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
}
