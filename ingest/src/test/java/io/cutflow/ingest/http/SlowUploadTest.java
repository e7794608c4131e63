package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Clients that send an upload's body slowly, over real HTTP against the started API: one below
 * {@code cutflow.ingest.min-data-rate-bytes} is cut off with 408 long before the idle timeout and
 * gives its upload-memory reservation back; one above it is served.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowUploadTest {
  private static final long MIN_RATE = 32 * 1024;
  private final ObjectMapper json = new ObjectMapper();
  private InProcessApi api;

  @BeforeAll
  void start() throws IOException {
    api =
        new InProcessApi(
            new IngestApi.Settings(
                1 << 20,
                4,
                "",
                Duration.ofSeconds(120),
                4,
                64,
                0,
                MIN_RATE,
                "",
                Set.of(),
                Duration.ofSeconds(30)));
  }

  @AfterAll
  void stop() {
    api.close();
  }

  @Test
  void aBodyTrickledBelowTheMinimumRateIs408AndItsReservationIsGivenBack() throws Exception {
    byte[] body = Multipart.body(withPng(900 * 1024));
    long t0 = System.nanoTime();
    // 8 KiB at once, then 64 bytes every 100 ms: never idle, 640 B/s on average
    String answer = postAtRate(body, 8 * 1024, 64, 100);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
    JsonNode error = json.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    assertEquals("request_timeout", error.get("error").asText(), answer);
    String message = error.get("message").asText();
    assertTrue(message.contains("cutflow.ingest.min-data-rate-bytes"), message);
    assertTrue(message.contains(MIN_RATE + " B/s"), message);
    // cut off by the rate, not by the 30 s idle timeout: the client never paused 30 s
    assertTrue(tookMs < 15_000, "answered after " + tookMs + " ms");
    assertEquals(0L, reservedBytes(), "the cut-off request holds no upload memory");
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
  void aSlowBodyAboveTheMinimumRateIsServed() throws Exception {
    int queuedBefore = api.published().size();
    byte[] body = Multipart.body(withPng(160 * 1024));
    // 10 KiB every 100 ms: about 100 KiB/s, three times the minimum, for 1.6 s
    String answer = postAtRate(body, 10 * 1024, 10 * 1024, 100);
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
      in.transferTo(answer);
      sender.interrupt();
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private long reservedBytes() {
    return ((Number) api.registry.getGauges().get("ingest.upload.memory-bytes").getValue())
        .longValue();
  }

  /** The test PNG followed by zeros, {@code size} bytes in all: sniffed as a PNG. */
  private static byte[] withPng(int size) {
    return Arrays.copyOf(InProcessApi.PNG, size);
  }
}
