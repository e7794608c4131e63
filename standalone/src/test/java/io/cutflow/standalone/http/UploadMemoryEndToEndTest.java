package io.cutflow.standalone.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.process.JavaProcess;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestHttp;
import io.cutflow.standalone.infra.IngestUnderTest;
import io.cutflow.standalone.infra.WorkerUnderTest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A burst of large uploads against an ingest server with a small heap, in a JVM of its own that
 * exits on {@code OutOfMemoryError} as the container image's does. Before the upload memory was
 * bounded ({@code cutflow.ingest.upload-memory-bytes}), 12 uploads of 30 MB at once against a 384
 * MiB heap answered 5 of them 500 (OutOfMemoryError); with the container's flag the server would
 * have exited. Now they take turns: every one is accepted and the server stays up.
 */
class UploadMemoryEndToEndTest {
  private static final int UPLOADS = 10;
  private static final int WIDTH = 2900;
  private static final int HEIGHT = 2800; // 24.4 MB as a 24-bit BMP

  @Test
  void aBurstOfLargeUploadsIsTakenInTurnsNotAnOutOfMemoryError() throws Exception {
    EmbeddedStack stack = EmbeddedStack.start();
    JavaProcess ingest = null;
    ExecutorService clients = Executors.newFixedThreadPool(UPLOADS);
    try {
      ingest =
          JavaProcess.builder("io.cutflow.standalone.CutflowCli")
              .jvmArgs("-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError")
              .systemProperties(
                  IngestUnderTest.config(stack, "upload-memory", Map.of()).resolvedValues())
              .args("ingest-server", "--port", "0")
              .name("ingest-small-heap")
              .start();
      String base = awaitReady(ingest);
      IngestHttp http = new IngestHttp(() -> base, "");
      byte[] bmp = noiseBmp(WIDTH, HEIGHT);

      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < UPLOADS; i++) {
        String name = "large-" + i + ".bmp";
        answers.add(
            clients.submit(
                () ->
                    http.send(
                        http.post(
                            "/v1/jobs",
                            false,
                            List.of(IngestHttp.part("file", name, bmp)),
                            Map.of()))));
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<HttpResponse<String>> f : answers) {
        HttpResponse<String> r = f.get(3, TimeUnit.MINUTES);
        statuses.add(r.statusCode());
        assertEquals(202, r.statusCode(), r.body());
      }
      System.out.println(
          "upload memory: "
              + UPLOADS
              + " uploads of "
              + bmp.length
              + " bytes at once, 256 MiB heap: "
              + statuses);

      assertTrue(ingest.isAlive(), "the ingest server is still up:\n" + ingest.logTail(40));
      String log = Files.readString(ingest.logFile());
      assertFalse(log.contains("OutOfMemoryError"), ingest.logTail(40));
      String metrics = http.getString("/metrics", false).body();
      assertTrue(
          metrics.contains("cutflow_ingest_upload_memory_bytes 0.0"),
          "every reservation given back:\n" + metrics);
    } finally {
      clients.shutdownNow();
      WorkerUnderTest.closeAll(ingest, stack);
    }
  }

  /** The server's URL once its log says it is ready. */
  private static String awaitReady(JavaProcess ingest) throws Exception {
    Pattern url = Pattern.compile("cutflow ingest-server: (http://\\S+)");
    AtomicReference<String> found = new AtomicReference<>();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline && ingest.isAlive()) {
      String log = Files.exists(ingest.logFile()) ? Files.readString(ingest.logFile()) : "";
      Matcher m = url.matcher(log);
      if (m.find()) {
        found.set(m.group(1));
      }
      if (found.get() != null && log.contains("cutflow ingest-server: ready")) {
        return found.get();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the ingest server did not get ready:\n" + ingest.logTail(40));
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
