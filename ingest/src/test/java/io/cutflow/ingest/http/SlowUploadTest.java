package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Clients that send an upload's body slowly, over real HTTP against the started API: one slower on
 * average than {@code cutflow.ingest.min-data-rate-bytes} once {@link MinBodyRate#GRACE} has passed
 * has its connection closed long before the idle timeout and gives its upload-memory reservation
 * back; one that keeps to the rate is served, however long it takes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowUploadTest {
  private static final long MIN_RATE = 64 * 1024;
  private InProcessApi api;

  @BeforeAll
  void start() throws IOException {
    api = new InProcessApi(InProcessApi.settings(4, "").withMinDataRateBytes(MIN_RATE));
  }

  @AfterAll
  void stop() {
    api.close();
  }

  @Test
  void aBodyTrickledBelowTheMinimumRateHasItsConnectionClosedAndItsReservationGivenBack()
      throws Exception {
    byte[] body = Multipart.body(withPng(900 * 1024));
    long t0 = System.nanoTime();
    // 8 KiB at once, then 64 bytes every 100 ms: never idle, 640 B/s on average
    String answer = postAtRate(body, 8 * 1024, 64, 100);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    // closed while the client is still sending: no answer gets through, and certainly no 202
    assertFalse(answer.startsWith("HTTP/1.1 2"), answer);
    long grace = MinBodyRate.GRACE.toMillis();
    assertTrue(
        tookMs >= grace - 500 && tookMs < grace + 5_000,
        "closed after " + tookMs + " ms; grace " + grace + " ms");
    await("the upload memory given back", () -> reservedBytes() == 0);
    await(
        "the request counted as a 408",
        () -> api.registry.getMeters().keySet().stream().anyMatch(n -> n.endsWith(".408")));
    assertEquals(0, api.published().size(), "nothing queued for it");

    // the server goes on taking uploads
    HttpResponse<String> next =
        HttpClient.newHttpClient()
            .send(
                Multipart.post(api.url("/v1/jobs"), InProcessApi.PNG),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(202, next.statusCode(), next.body());
  }

  @Test
  void aSlowBodyThatKeepsToTheRateIsServedPastTheGrace() throws Exception {
    int queuedBefore = api.published().size();
    byte[] body = Multipart.body(withPng(900 * 1024));
    // 15 KiB every 100 ms: about 150 KiB/s, twice the minimum, for 6 s (past the 5 s grace)
    String answer = postAtRate(body, 15 * 1024, 15 * 1024, 100);
    assertTrue(answer.startsWith("HTTP/1.1 202 "), answer);
    assertEquals(queuedBefore + 1, api.published().size());
  }

  /**
   * Sends a multipart POST of {@code body} to /v1/jobs: {@code first} bytes at once, then {@code
   * step} bytes every {@code everyMs} from another thread, and returns the whole answer as text.
   */
  private String postAtRate(byte[] body, int first, int step, long everyMs) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", api.app.port())) {
      socket.setSoTimeout(40_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data;"
                  + " boundary="
                  + Multipart.BOUNDARY
                  + "\r\nContent-Length: "
                  + body.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, first);
      out.flush();
      Thread sender =
          new Thread(
              () -> {
                try {
                  for (int at = first; at < body.length; at += step) {
                    Thread.sleep(everyMs);
                    out.write(body, at, Math.min(step, body.length - at));
                    out.flush();
                  }
                } catch (IOException | InterruptedException e) {
                  // the server answered and closed: nothing more to send
                }
              });
      sender.setDaemon(true);
      sender.start();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      try {
        in.transferTo(answer);
      } catch (SocketException e) {
        // reset by the server while this side was still sending
      }
      sender.interrupt();
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private long reservedBytes() {
    return ((Number) api.registry.getGauges().get("ingest.upload.memory-bytes").getValue())
        .longValue();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within 5 s: " + what);
      Thread.sleep(20);
    }
  }

  /** The test PNG followed by zeros, {@code size} bytes in all: sniffed as a PNG. */
  private static byte[] withPng(int size) {
    return Arrays.copyOf(InProcessApi.PNG, size);
  }
}
