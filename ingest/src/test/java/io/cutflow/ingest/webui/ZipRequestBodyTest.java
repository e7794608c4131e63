package io.cutflow.ingest.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutflow.ingest.http.ApiError;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/zips} reads its body through a bounded stream: a chunked body of any size used to
 * be read whole before it was parsed.
 */
class ZipRequestBodyTest {

  /** Spaces without end, counting what is read. */
  private static final class Endless extends InputStream {
    long read;

    @Override
    public int read() {
      read++;
      return ' ';
    }
  }

  @Test
  void aChunkedBodyIsRefusedOnceItPassesTheLimitAndNothingMoreIsRead() {
    Endless in = new Endless();
    ApiError e = assertThrows(ApiError.class, () -> WebUiRoutes.zipRequestBody(in, -1));
    assertEquals(413, e.status());
    assertEquals(WebUiRoutes.MAX_ZIP_BODY_BYTES + 1, in.read);
  }

  @Test
  void aDeclaredLengthOverTheLimitIsRefusedUnread() {
    Endless in = new Endless();
    assertThrows(
        ApiError.class, () -> WebUiRoutes.zipRequestBody(in, WebUiRoutes.MAX_ZIP_BODY_BYTES + 1L));
    assertEquals(0, in.read);
  }

  @Test
  void aBodyUnderTheLimitIsItsJobIds() throws Exception {
    byte[] body = "{\"job_ids\": [\"a\", \"b\"]}".getBytes(StandardCharsets.UTF_8);
    String text = WebUiRoutes.zipRequestBody(new ByteArrayInputStream(body), body.length);
    assertEquals(List.of("a", "b"), WebUiRoutes.jobIds(text));
  }
}
