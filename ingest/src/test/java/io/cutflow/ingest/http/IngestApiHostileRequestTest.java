package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Requests a client should not send, over real HTTP against the started API: each gets the API's
 * JSON error body ({@code {"error", "message"}}, {@code application/json}), never Jetty's HTML
 * page, and a wrong method on a known path is 405 with {@code Allow}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestApiHostileRequestTest {
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private InProcessApi api;

  @BeforeAll
  void start() throws IOException {
    api = new InProcessApi(InProcessApi.settings(4, ""));
  }

  @AfterAll
  void stop() {
    api.close();
  }

  @Test
  void aWrongMethodOnAKnownPathIs405WithAllow() throws Exception {
    HttpResponse<String> delete = send("DELETE", "/api/remove");
    assertError(delete, 405, "method_not_allowed");
    assertEquals("POST", delete.headers().firstValue("Allow").orElse(""));

    HttpResponse<String> get = send("GET", "/api/remove");
    assertError(get, 405, "method_not_allowed");
    assertEquals("POST", get.headers().firstValue("Allow").orElse(""));

    HttpResponse<String> post = send("POST", "/v1/jobs/0b6c-some-job");
    JsonNode body = assertError(post, 405, "method_not_allowed");
    assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    assertEquals("GET", body.get("allow").get(0).asText(), body.toString());

    assertError(send("PUT", "/healthz"), 405, "method_not_allowed");
    assertError(send("DELETE", "/v1/jobs/"), 405, "method_not_allowed");

    HttpResponse<String> options = send("OPTIONS", "/v1/jobs");
    assertEquals(204, options.statusCode(), options.body());
    assertEquals("POST", options.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void anUnknownPathIsStill404() throws Exception {
    assertError(send("GET", "/v1/nothing-here"), 404, "not_found");
    assertError(send("DELETE", "/v1/jobs/a/b/c"), 404, "not_found");
  }

  @Test
  void aNulInThePathIsAJson400() throws Exception {
    JsonNode body = assertError(send("GET", "/v1/jobs/abc%00def"), 400, "bad_request");
    assertTrue(body.get("message").asText().contains("%00"), body.toString());
    assertError(send("GET", "/v1/jobs/%00"), 400, "bad_request");
  }

  @Test
  void anOverlongJobIdIsInvalid() throws Exception {
    JsonNode body =
        assertError(
            send("GET", "/v1/jobs/" + "x".repeat(JobIds.MAX_LENGTH + 1)), 400, "invalid_job_id");
    assertTrue(body.get("message").asText().contains("1.." + JobIds.MAX_LENGTH), body.toString());
    assertError(
        send("GET", "/v1/jobs/" + "x".repeat(JobIds.MAX_LENGTH + 1) + "/cutout"),
        400,
        "invalid_job_id");
    assertError(send("GET", "/v1/jobs/a%01b"), 400, "invalid_job_id");
    assertError(send("GET", "/v1/jobs/a..b/cutout"), 400, "invalid_job_id");
  }

  @Test
  void aUriJettyRefusesIsAJson414() throws Exception {
    JsonNode body =
        assertError(send("GET", "/v1/jobs/" + "y".repeat(9 * 1024)), 414, "uri_too_long");
    assertTrue(body.get("message").asText().contains("512"), body.toString());
  }

  @Test
  void headersJettyRefusesAreAJson431() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.url("/healthz")))
            .timeout(Duration.ofSeconds(30))
            .header("X-Padding", "z".repeat(9 * 1024))
            .GET()
            .build();
    assertError(http.send(request, HttpResponse.BodyHandlers.ofString()), 431, "headers_too_large");
  }

  @Test
  void aBodyCutShortIsAJson400() throws Exception {
    // declares 500 bytes, sends a few, then closes its side: Jetty reports an early EOF
    String request =
        "POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data;"
            + " boundary=x\r\nContent-Length: 500\r\n\r\n--x\r\nContent-Disposition: form-data;"
            + " name=\"file\"; filename=\"a.png\"\r\n\r\nabc";
    String response = raw(api, request.getBytes(StandardCharsets.ISO_8859_1));
    assertTrue(response.startsWith("HTTP/1.1 400"), response);
    assertTrue(response.contains("Content-Type: application/json"), response);
    JsonNode body = json.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    assertEquals("malformed_multipart", body.get("error").asText(), response);
  }

  @Test
  void aFileNameTooLongForAMultipartHeaderLineIsAJson400ThatSaysSo() throws Exception {
    JsonNode body = assertError(postNamed("n".repeat(1100) + ".png"), 400, "malformed_multipart");
    assertTrue(body.get("message").asText().contains("shorten the file name"), body.toString());
    assertTrue(body.get("message").asText().contains("998"), body.toString());

    HttpResponse<String> longButFitting = postNamed("n".repeat(900) + ".png");
    assertEquals(202, longButFitting.statusCode(), longButFitting.body());
  }

  /** One PNG posted to /v1/jobs under the file name {@code name}. */
  private HttpResponse<String> postNamed(String name) throws Exception {
    byte[] body =
        new String(Multipart.body(InProcessApi.PNG), StandardCharsets.ISO_8859_1)
            .replace("filename=\"a.png\"", "filename=\"" + name + "\"")
            .getBytes(StandardCharsets.ISO_8859_1);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.url("/v1/jobs")))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "multipart/form-data; boundary=" + Multipart.BOUNDARY)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void linksNeverComeFromTheHostHeader() throws Exception {
    // java.net.http does not let a caller set Host, so this one is written by hand
    String response = rawMultipartPost("/v1/jobs", "evil.example");
    assertTrue(response.startsWith("HTTP/1.1 202"), response);
    assertFalse(response.contains("evil.example"), response);
    JsonNode job = json.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    String id = job.get("jobs").get(0).get("job_id").asText();
    assertEquals("/v1/jobs/" + id, job.get("jobs").get(0).get("status_url").asText());
    assertEquals("/v1/jobs/" + id + "/cutout", job.get("jobs").get(0).get("cutout_url").asText());
    assertTrue(response.contains("\r\nLocation: /v1/jobs/" + id + "\r\n"), response);
  }

  @Test
  void linksUseTheConfiguredPublicUrl() throws Exception {
    try (InProcessApi behindProxy =
        new InProcessApi(InProcessApi.settings(4, "https://cutflow.example.com/api/"))) {
      String response = rawMultipartPost(behindProxy, "/v1/jobs", "evil.example");
      assertFalse(response.contains("evil.example"), response);
      JsonNode job = json.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
      String id = job.get("jobs").get(0).get("job_id").asText();
      assertEquals(
          "https://cutflow.example.com/api/v1/jobs/" + id,
          job.get("jobs").get(0).get("status_url").asText());
    }
  }

  @Test
  void aJobIdIsEncodedInALink() {
    Links links = new Links("");
    assertEquals("/v1/jobs/a%2Fb%3Fc%23d%20e/cutout", links.cutout("a/b?c#d e"));
    assertEquals("/v1/jobs/0b6c-11.x_~", links.job("0b6c-11.x_~"));
  }

  // ---------------------------------------------------------------- helpers

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.url(path)))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode assertError(HttpResponse<String> r, int status, String code) throws IOException {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        r.headers().map() + " " + r.body());
    JsonNode body = json.readTree(r.body());
    assertEquals(code, body.get("error").asText(), r.body());
    assertTrue(body.get("message").asText().length() > 0, r.body());
    return body;
  }

  private String rawMultipartPost(String path, String host) throws IOException {
    return rawMultipartPost(api, path, host);
  }

  private static String rawMultipartPost(InProcessApi target, String path, String host)
      throws IOException {
    byte[] body = Multipart.body(InProcessApi.PNG);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\nContent-Type: multipart/form-data; boundary="
            + Multipart.BOUNDARY
            + "\r\nContent-Length: "
            + body.length
            + "\r\nConnection: close\r\n\r\n";
    byte[] request =
        Arrays.copyOf(head.getBytes(StandardCharsets.ISO_8859_1), head.length() + body.length);
    System.arraycopy(body, 0, request, head.length(), body.length);
    return raw(target, request);
  }

  /** Sends bytes as they are, closes the sending side and reads the whole answer. */
  private static String raw(InProcessApi target, byte[] request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", target.app.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      socket.shutdownOutput();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
