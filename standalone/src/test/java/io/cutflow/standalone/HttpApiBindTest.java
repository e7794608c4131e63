package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code up} says about the address its HTTP API bound. */
class HttpApiBindTest {
  private static String warning(String host, Map<String, String> settings) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    HttpApi.warnIfOpen(host, 8080, CutflowConfig.isolated(settings), err);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyInterfaceWithoutAnApiKeyWarnsAndNamesTheKey() {
    String w = warning("0.0.0.0", Map.of());
    assertTrue(w.startsWith("cutflow up: WARNING: the HTTP API on 0.0.0.0:8080"), w);
    assertTrue(w.contains("CUTFLOW_INGEST_API_KEY (cutflow.ingest.api-key)"), w);
    assertEquals(1, w.lines().count(), w);
  }

  @Test
  void loopbackOrAnApiKeyGivesNoWarning() {
    assertEquals("", warning("127.0.0.1", Map.of()));
    assertEquals("", warning("::1", Map.of()));
    assertEquals("", warning("0.0.0.0", Map.of("cutflow.ingest.api-key", "k")));
  }

  @Test
  void describesTheAddressItReallyBound() {
    assertTrue(HttpApi.describe("127.0.0.1", 8080).startsWith("http://127.0.0.1:8080  ("));
    String wildcard = HttpApi.describe("0.0.0.0", 8080);
    assertTrue(wildcard.startsWith("http://0.0.0.0:8080 (every interface"), wildcard);
    assertTrue(wildcard.contains("POST http://127.0.0.1:8080/api/remove"), wildcard);
    assertTrue(HttpApi.describe("::1", 80).startsWith("http://[::1]:80"));
    assertFalse(HttpApi.isLoopback("0.0.0.0"));
  }

  @Test
  void theWebUiIsTheRootOfAnAddressABrowserCanOpen() {
    assertEquals("http://127.0.0.1:8080/", HttpApi.webUi("0.0.0.0", 8080));
    assertEquals("http://127.0.0.1:8080/", HttpApi.webUi("::", 8080));
    assertEquals("http://10.0.0.5:80/", HttpApi.webUi("10.0.0.5", 80));
    assertEquals("http://[::1]:80/", HttpApi.webUi("::1", 80));
  }
}
