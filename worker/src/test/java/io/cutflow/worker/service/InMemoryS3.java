package io.cutflow.worker.service;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cutflow.common.config.CutflowConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Just enough of S3 on loopback for the worker's fetch and finish stages: GET and PUT of whole
 * objects, path-style ({@code /bucket/key}), 404 NoSuchKey otherwise; on demand, a whole store down
 * or one object failing. No signatures are checked.
 */
final class InMemoryS3 implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
  private final Set<String> failing = ConcurrentHashMap.newKeySet();
  private volatile boolean down;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  InMemoryS3() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(threads); // a held request must not hold up the others
    server.start();
  }

  /** GETs of this object wait until the returned latch is counted down (an object store hang). */
  CountDownLatch holdGets(String bucket, String key) {
    CountDownLatch gate = new CountDownLatch(1);
    holds.put(bucket + "/" + key, gate);
    return gate;
  }

  /** While down, every request gets 503 ServiceUnavailable (a store restarting or overloaded). */
  void down(boolean on) {
    down = on;
  }

  /** Every request for this object gets 500 InternalError, the others are served. */
  void fail(String bucket, String key) {
    failing.add(bucket + "/" + key);
  }

  /** A configuration whose object store is this one. */
  CutflowConfig config() {
    return CutflowConfig.isolated(
        Map.of(
            "cutflow.s3.endpoint", endpoint(),
            "cutflow.s3.access-key", "test-access",
            "cutflow.s3.secret-key", "test-secret"));
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void put(String bucket, String key, byte[] bytes) {
    objects.put(bucket + "/" + key, bytes);
  }

  /** Keys written under {@code bucket}, e.g. by the finish stage. */
  long countIn(String bucket) {
    return objects.keySet().stream().filter(k -> k.startsWith(bucket + "/")).count();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath().substring(1);
    byte[] body = ex.getRequestBody().readAllBytes();
    ex.getResponseHeaders().add("x-amz-request-id", "in-memory");
    if (down || failing.contains(path)) {
      error(ex, down ? 503 : 500, down ? "ServiceUnavailable" : "InternalError", path);
      return;
    }
    switch (ex.getRequestMethod()) {
      case "PUT" -> {
        objects.put(path, body);
        ex.getResponseHeaders().add("ETag", "\"" + Integer.toHexString(body.length) + "\"");
        ex.sendResponseHeaders(200, -1);
      }
      case "GET", "HEAD" -> {
        CountDownLatch gate = holds.get(path);
        if (gate != null) {
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        byte[] object = objects.get(path);
        if (object == null) {
          error(ex, 404, "NoSuchKey", path);
          return;
        } else {
          ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
          ex.getResponseHeaders().add("ETag", "\"" + Integer.toHexString(object.length) + "\"");
          if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Integer.toString(object.length));
            ex.sendResponseHeaders(200, -1);
          } else {
            ex.sendResponseHeaders(200, object.length);
            ex.getResponseBody().write(object);
          }
        }
      }
      default -> ex.sendResponseHeaders(405, -1);
    }
    ex.close();
  }

  private static void error(HttpExchange ex, int status, String code, String path)
      throws IOException {
    byte[] error =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                + code
                + "</Code><Message>"
                + code
                + "</Message><Resource>/"
                + path
                + "</Resource><RequestId>in-memory</RequestId></Error>")
            .getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/xml");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, error.length);
      ex.getResponseBody().write(error);
    }
    ex.close();
  }

  @Override
  public void close() {
    holds.values().forEach(CountDownLatch::countDown);
    server.stop(0);
    threads.shutdownNow();
  }
}
