package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import io.cutflow.common.job.JobCodec;
import io.javalin.Javalin;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * A bad option over the real routes: 400 {@code invalid_parameter} whose message is the one the CLI
 * and Kafka give (see {@code OptionErrorsAgreeTest} in standalone). Parameters are read before
 * anything is uploaded, so no Kafka, S3 or status store is needed.
 */
class IngestApiOptionErrorTest {

  @Test
  void badBgcolorIs400WithTheSharedMessage() throws Exception {
    IngestApi api =
        new IngestApi(
            new IngestApi.Settings(1 << 20, 4, "", Duration.ofSeconds(5)),
            null,
            null,
            null,
            null,
            new HttpMetrics(new MetricRegistry()),
            () -> true,
            Runnable::run);
    Javalin app = api.create().start(0);
    try {
      for (String path : new String[] {"/api/remove", "/v1/jobs"}) {
        HttpResponse<String> r = post(app.port(), path + "?bgc=300,0,0,0");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode body = JobCodec.newMapper().readTree(r.body());
        assertEquals("invalid_parameter", body.get("error").asText());
        assertEquals(
            "bgc: each of R,G,B,A must be 0..255, got '300,0,0,0'", body.get("message").asText());
      }
    } finally {
      app.stop();
    }
  }

  private static HttpResponse<String> post(int port, String pathAndQuery) throws Exception {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB), "png", png);
    String boundary = "cutflow-test";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\";"
                + " filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.writeBytes(png.toByteArray());
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }
}
