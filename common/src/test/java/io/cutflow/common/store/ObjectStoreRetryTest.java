package io.cutflow.common.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.cutflow.common.config.CutflowConfig;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/** Retry behaviour against a real HTTP server that fails on purpose (no mocks of the SDK). */
class ObjectStoreRetryTest {

  private static CutflowConfig config(String endpoint, int attempts) {
    return CutflowConfig.isolated(
        Map.of(
            "cutflow.s3.endpoint", endpoint,
            "cutflow.s3.access-key", "test-access",
            "cutflow.s3.secret-key", "test-secret",
            "cutflow.s3.retry.attempts", String.valueOf(attempts),
            "cutflow.s3.retry.backoff-ms", "10",
            "cutflow.s3.retry.max-backoff-ms", "40"));
  }

  @Test
  void transient5xxIsRetriedUntilSuccess() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          int n = calls.incrementAndGet();
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().add("x-amz-request-id", "r" + n);
          if (n <= 2) {
            ex.sendResponseHeaders(503, -1);
          } else {
            ex.sendResponseHeaders(200, -1);
          }
          ex.close();
        });
    server.start();
    try (ObjectStore store =
        ObjectStore.fromConfig(config("http://127.0.0.1:" + server.getAddress().getPort(), 4))) {
      assertTrue(store.bucketExists("some-bucket"));
      assertEquals(3, calls.get());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void openRetriesTheOpeningThenStreamsTheBodyAndAMissingObjectIsMissing() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    byte[] body = new byte[300_000];
    new Random(3).nextBytes(body);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          int n = calls.incrementAndGet();
          ex.getRequestBody().readAllBytes();
          if (ex.getRequestURI().getPath().contains("missing")) {
            // as S3 answers a GET for no such key: 404 with its XML error
            byte[] error =
                ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>"
                        + "<Message>The specified key does not exist.</Message></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/xml");
            ex.sendResponseHeaders(404, error.length);
            ex.getResponseBody().write(error);
          } else if (n <= 2) {
            ex.sendResponseHeaders(503, -1);
          } else {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
          }
          ex.close();
        });
    server.start();
    try (ObjectStore store =
        ObjectStore.fromConfig(config("http://127.0.0.1:" + server.getAddress().getPort(), 4))) {
      try (InputStream in = store.open("bucket", "cutout.png")) {
        assertArrayEquals(body, in.readAllBytes());
      }
      assertEquals(3, calls.get(), "two 503s retried, then the body");
      assertThrows(ObjectMissingException.class, () -> store.open("bucket", "missing.png"));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void clientErrorIsNotRetriedAndNotFoundIsMissing() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          calls.incrementAndGet();
          ex.getRequestBody().readAllBytes();
          boolean missing = ex.getRequestURI().getPath().contains("missing");
          ex.sendResponseHeaders(missing ? 404 : 403, -1);
          ex.close();
        });
    server.start();
    try (ObjectStore store =
        ObjectStore.fromConfig(config("http://127.0.0.1:" + server.getAddress().getPort(), 5))) {
      assertTrue(store.stat("bucket", "missing.jpg").isEmpty());
      assertEquals(1, calls.get());
      ObjectStoreException e =
          assertThrows(ObjectStoreException.class, () -> store.stat("bucket", "forbidden.jpg"));
      assertTrue(!(e instanceof ObjectMissingException), e.toString());
      // a refusal is an answer: nothing a caller that waits for the store should wait on
      assertTrue(!(e instanceof ObjectStoreUnavailableException), e.toString());
      assertEquals(2, calls.get());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void connectionRefusedIsRetriedThenFailsBounded() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (ObjectStore store = ObjectStore.fromConfig(config("http://127.0.0.1:" + port, 3))) {
      long t0 = System.nanoTime();
      ObjectStoreException e =
          assertThrows(ObjectStoreUnavailableException.class, () -> store.get("bucket-x", "k", 10));
      assertTrue(e.getMessage().contains("after 3 attempt"), e.getMessage());
      assertEquals("storage_failed", e.failureCode().code());
      assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10);
    }
  }

  @Test
  void anOutageLogsEveryRetryAndTheFinalFailureOnce() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<ILoggingEvent> events = captureObjectStoreLog();
    try (ObjectStore store = ObjectStore.fromConfig(config("http://127.0.0.1:" + port, 3))) {
      assertThrows(ObjectStoreException.class, () -> store.get("bucket-x", "a/key.png", 10));
    } finally {
      releaseObjectStoreLog();
    }
    List<ILoggingEvent> retries = events.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    List<ILoggingEvent> failures =
        events.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
    assertEquals(2, retries.size(), events.toString());
    for (int i = 0; i < 2; i++) {
      Map<String, Object> kv = keyValues(retries.get(i));
      assertEquals("get", kv.get("operation"), kv.toString());
      assertEquals("bucket-x", kv.get("bucket"), kv.toString());
      assertEquals("a/key.png", kv.get("key"), kv.toString());
      assertEquals(i + 1, kv.get("attempt"), kv.toString());
      assertEquals(3, kv.get("attempts"), kv.toString());
      long delay = ((Number) kv.get("delay_ms")).longValue();
      assertTrue(delay >= 0 && delay <= 40, kv.toString());
      assertTrue(String.valueOf(kv.get("cause")).contains("Exception"), kv.toString());
    }
    assertEquals(1, failures.size(), events.toString());
    Map<String, Object> last = keyValues(failures.get(0));
    assertEquals("get", last.get("operation"), last.toString());
    assertEquals("bucket-x", last.get("bucket"), last.toString());
    assertEquals("a/key.png", last.get("key"), last.toString());
    assertEquals(3, last.get("attempts"), last.toString());
    assertTrue(last.containsKey("cause") && last.containsKey("elapsed_ms"), last.toString());
  }

  @Test
  void aRecoveredCallLogsItsRetriesButNoFailure() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(calls.incrementAndGet() == 1 ? 503 : 200, -1);
          ex.close();
        });
    server.start();
    List<ILoggingEvent> events = captureObjectStoreLog();
    try (ObjectStore store =
        ObjectStore.fromConfig(config("http://127.0.0.1:" + server.getAddress().getPort(), 4))) {
      assertTrue(store.bucketExists("some-bucket"));
    } finally {
      releaseObjectStoreLog();
      server.stop(0);
    }
    // the close() DEBUG line is not what this test reads
    List<ILoggingEvent> logged =
        events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    assertEquals(1, logged.size(), logged.toString());
    assertEquals(Level.WARN, logged.get(0).getLevel());
    Map<String, Object> kv = keyValues(logged.get(0));
    assertEquals("bucketExists", kv.get("operation"), kv.toString());
    assertEquals("some-bucket", kv.get("bucket"), kv.toString());
    assertEquals(1, kv.get("attempt"), kv.toString());
  }

  private ListAppender<ILoggingEvent> appender;

  private List<ILoggingEvent> captureObjectStoreLog() {
    Logger logger = (Logger) LoggerFactory.getLogger(ObjectStore.class);
    appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    return appender.list;
  }

  private void releaseObjectStoreLog() {
    ((Logger) LoggerFactory.getLogger(ObjectStore.class)).detachAppender(appender);
  }

  private static Map<String, Object> keyValues(ILoggingEvent event) {
    Map<String, Object> kv = new LinkedHashMap<>();
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      pairs.forEach(p -> kv.put(p.key, p.value));
    }
    return kv;
  }

  @Test
  void backoffGrowsAndIsCapped() {
    RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(1000));
    for (int i = 0; i < 50; i++) {
      long b1 = p.backoff(1).toMillis();
      long b3 = p.backoff(3).toMillis();
      long b20 = p.backoff(20).toMillis();
      assertTrue(b1 >= 50 && b1 <= 100, "b1=" + b1);
      assertTrue(b3 >= 200 && b3 <= 400, "b3=" + b3);
      assertTrue(b20 >= 500 && b20 <= 1000, "b20=" + b20);
    }
  }
}
