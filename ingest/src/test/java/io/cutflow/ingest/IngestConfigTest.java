package io.cutflow.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.CutflowConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestConfigTest {
  @Test
  void defaults() {
    CutflowConfig c = CutflowConfig.isolated(Map.of());
    assertEquals(30, c.getInt(IngestConfig.MAX_WAITING_REMOVES));
    assertTrue(c.getOptionalString(IngestConfig.PUBLIC_URL).isEmpty(), "relative links");
  }

  @Test
  void publicUrlIsAnAbsoluteHttpBase() {
    for (String ok :
        new String[] {"https://cutflow.example.com", "http://10.0.0.5:8080/cutflow/", "  "}) {
      CutflowConfig.isolated(Map.of("cutflow.ingest.public-url", ok)).validate();
    }
    for (String bad :
        new String[] {
          "cutflow.example.com",
          "/v1",
          "ftp://cutflow.example.com",
          "https://cutflow.example.com/?x=1",
          "https://cutflow.example.com/#top",
          "https://user:pw@cutflow.example.com"
        }) {
      CutflowConfigException e =
          assertThrows(
              CutflowConfigException.class,
              () -> CutflowConfig.isolated(Map.of("cutflow.ingest.public-url", bad)).validate(),
              bad);
      assertEquals("cutflow.ingest.public-url", e.key());
      assertTrue(e.getMessage().contains("http(s)://host[:port][/path]"), e.getMessage());
    }
  }

  @Test
  void maxWaitingRemovesIsPositive() {
    CutflowConfigException e =
        assertThrows(
            CutflowConfigException.class,
            () ->
                CutflowConfig.isolated(Map.of("cutflow.ingest.max-waiting-removes", "0"))
                    .validate());
    assertEquals("cutflow.ingest.max-waiting-removes", e.key());
  }

  @Test
  void advertisedUrlIsPlainHttpHostAndPort() {
    assertTrue(
        CutflowConfig.isolated(Map.of()).getOptionalString(IngestConfig.ADVERTISED_URL).isEmpty(),
        "derived from the bind address by default");
    for (String ok : new String[] {"http://ingest-0.ingest:8080", "http://10.0.0.5:8081/", " "}) {
      CutflowConfig.isolated(Map.of("cutflow.ingest.advertised-url", ok)).validate();
    }
    for (String bad :
        new String[] {
          "ingest-0:8080",
          "https://ingest-0:8443",
          "http://ingest-0",
          "http://ingest-0:8080/prefix",
          "http://ingest-0:8080/?x=1"
        }) {
      CutflowConfigException e =
          assertThrows(
              CutflowConfigException.class,
              () -> CutflowConfig.isolated(Map.of("cutflow.ingest.advertised-url", bad)).validate(),
              bad);
      assertEquals("cutflow.ingest.advertised-url", e.key());
    }
  }
}
