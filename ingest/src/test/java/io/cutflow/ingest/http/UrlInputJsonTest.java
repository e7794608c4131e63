package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.CutoutOptions;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JSON body of {@code POST /v1/jobs} read and parsed without a server: options as JSON fields
 * mean what their query parameters mean (a colour as an array, extras as an object), a shape an
 * option does not take is 400 naming it (never silently ignored), and the body is read through a
 * stream that stops at the upload limit. {@code IngestApiUrlTest} has the same over HTTP.
 */
class UrlInputJsonTest {
  private static final String URL = "\"url\": \"https://example.com/a.png\"";

  private static CutoutOptions options(String fields) {
    return options(fields, Map.of());
  }

  private static CutoutOptions options(String fields, Map<String, String> query) {
    UrlInput.JsonJob job =
        UrlInput.parse(
            ("{" + URL + (fields.isEmpty() ? "" : ", " + fields) + "}")
                .getBytes(StandardCharsets.UTF_8),
            query::get);
    return CutoutParams.parse(job.param()).options();
  }

  private static ApiError refused(String fields) {
    ApiError e = assertThrows(ApiError.class, () -> options(fields));
    assertEquals(400, e.status());
    assertEquals("invalid_parameter", e.code(), e.getMessage());
    return e;
  }

  @Test
  void aColourArrayIsTheColourItsStringFormIs() {
    List<Integer> red = List.of(255, 0, 0, 255);
    assertEquals(red, options("\"bgc\": \"255,0,0,255\"").bgcolor());
    assertEquals(red, options("\"bgc\": [255, 0, 0, 255]").bgcolor());
    assertEquals(red, options("\"bgcolor\": [255, 0, 0, 255]").bgcolor());
    assertEquals(red, options("\"bgc\": [\"255\", \"0\", \"0\", \"255\"]").bgcolor());
    // the same parser, so the same message as bgc=300,0,0,0
    assertEquals(
        "bgc: each of R,G,B,A must be 0..255, got '300,0,0,0'",
        refused("\"bgc\": [300, 0, 0, 0]").getMessage());
    assertTrue(
        refused("\"bgc\": [1, 2]").getMessage().startsWith("bgc: expected R,G,B,A"),
        "too few components");
  }

  @Test
  void extrasAsAJsonObjectIsTheSameExtrasAsItsText() {
    String prompt = "{\"sam_prompt\": [{\"type\": \"point\", \"data\": [5, 6], \"label\": 1}]}";
    CutoutOptions asObject = options("\"model\": \"sam\", \"extras\": " + prompt);
    CutoutOptions asText =
        options("\"model\": \"sam\", \"extras\": \"" + prompt.replace("\"", "\\\"") + "\"");
    assertEquals(asText, asObject);
    assertEquals(List.of(5, 6), asObject.samPrompt().get(0).get("data"));
    // and what the extras parser refuses in its text, it refuses as an object or array too
    assertTrue(
        refused("\"extras\": {\"sam_prompt\": [1]}").getMessage().startsWith("extras: sam_prompt"));
    assertTrue(
        refused("\"extras\": [1]")
            .getMessage()
            .startsWith("extras: expected a JSON object such as"));
  }

  @Test
  void anArrayOrObjectAnOptionDoesNotTakeIs400NamingIt() {
    assertEquals(
        "om: expected a boolean (true/false, or a string such as \"true\"), got a JSON object",
        refused("\"om\": {\"x\": 1}").getMessage());
    assertEquals(
        "only_mask: expected a boolean (true/false, or a string such as \"true\"), got a JSON"
            + " array",
        refused("\"only_mask\": [true]").getMessage());
    assertEquals(
        "bgc: expected the colour as [R,G,B,A] or \"R,G,B,A\" (each 0..255), got a JSON object",
        refused("\"bgc\": {\"r\": 255}").getMessage());
    assertEquals(
        "model: expected a string, got a JSON array",
        refused("\"model\": [\"u2net\"]").getMessage());
    assertEquals(
        "ae: expected an integer (a number or a string), got a JSON array",
        refused("\"ae\": [3]").getMessage());
    // an object for an option is refused even when the query has the option too
    ApiError e =
        assertThrows(ApiError.class, () -> options("\"cc\": {\"a\": 1}", Map.of("cc", "upper")));
    assertTrue(e.getMessage().startsWith("cc: expected a string"), e.getMessage());
  }

  @Test
  void valuesAndTheQueryFallbackAreAsBefore() {
    CutoutOptions o =
        options(
            "\"om\": true, \"af\": 200, \"model\": \"u2netp\", \"bgc\": null, \"other\": [1]",
            Map.of("bgc", "1,2,3,4", "om", "false"));
    assertTrue(o.onlyMask(), "the body's field wins over the query parameter");
    assertEquals(200, o.alphaMattingForegroundThreshold());
    assertEquals("u2netp", o.model());
    assertEquals(List.of(1, 2, 3, 4), o.bgcolor(), "null in the body: the query parameter");
  }

  @Test
  void aBodyIsReadThroughAStreamThatStopsAtTheLimit() throws Exception {
    long limit = 1000;
    Uploads uploads =
        new Uploads(
            limit,
            new UploadBudget(1 << 20, Duration.ofMillis(10), 1),
            new MinBodyRate(0, MinBodyRate.GRACE));
    byte[] small = "{\"url\": \"x\"}".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(small, uploads.readAll(new ByteArrayInputStream(small), -1));
    byte[] exact = new byte[(int) limit];
    assertArrayEquals(exact, uploads.readAll(new ByteArrayInputStream(exact), -1));

    // chunked (no Content-Length), endless: refused having read one byte past the limit
    EndlessSpaces endless = new EndlessSpaces();
    ApiError e = assertThrows(ApiError.class, () -> uploads.readAll(endless, -1));
    assertEquals(413, e.status());
    assertEquals("payload_too_large", e.code());
    assertEquals(
        "request body (sent without Content-Length) exceeds the limit of 1000 bytes"
            + " (cutflow.ingest.max-upload-bytes)",
        e.getMessage());
    assertEquals(limit + 1, endless.read);

    // a larger Content-Length: refused unread
    EndlessSpaces declared = new EndlessSpaces();
    e = assertThrows(ApiError.class, () -> uploads.readAll(declared, limit + 1));
    assertEquals(413, e.status());
    assertEquals("payload_too_large", e.code());
    assertEquals(0, declared.read);
  }

  /** A body that never ends, counting what was read of it. */
  private static final class EndlessSpaces extends InputStream {
    long read;

    @Override
    public int read() {
      read++;
      return ' ';
    }

    @Override
    public int read(byte[] b, int off, int len) {
      java.util.Arrays.fill(b, off, off + len, (byte) ' ');
      read += len;
      return len;
    }
  }
}
