package io.cutflow.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.cutflow.common.config.CutflowConfig;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The address an ingest instance advertises to the others ({@code application.server}). */
class AdvertisedUrlTest {
  @Test
  void theConfiguredUrlWins() {
    CutflowConfig c =
        CutflowConfig.isolated(
            Map.of("cutflow.ingest.advertised-url", "http://ingest-1.svc:8080/"));
    URI u = IngestServer.advertisedUrl(c, "0.0.0.0", 41234);
    assertEquals("ingest-1.svc", u.getHost());
    assertEquals(8080, u.getPort());
  }

  @Test
  void defaultIsTheBindHostAndBoundPort() {
    URI u = IngestServer.advertisedUrl(CutflowConfig.isolated(Map.of()), "127.0.0.1", 41234);
    assertEquals(URI.create("http://127.0.0.1:41234"), u);
  }

  @Test
  void aWildcardBindAdvertisesAName() {
    URI u = IngestServer.advertisedUrl(CutflowConfig.isolated(Map.of()), "0.0.0.0", 41234);
    assertNotNull(u.getHost());
    assertNotEquals("0.0.0.0", u.getHost(), "peers cannot reach a wildcard address");
    assertEquals(41234, u.getPort());
  }
}
