package io.cutflow.standalone.infra;

import io.cutflow.common.config.CutflowConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Settings for an ingest server that a test runs in its own JVM on an {@link EmbeddedStack}. */
public final class IngestUnderTest {
  private IngestUnderTest() {}

  /**
   * The stack's settings, with a job-status application id of its own ({@code applicationPrefix}
   * and a random suffix: a fresh status store, no state from another test), the ops server on
   * loopback, then {@code extra}.
   */
  public static CutflowConfig config(
      EmbeddedStack stack, String applicationPrefix, Map<String, String> extra) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("cutflow.ingest.application-id", applicationPrefix + "-" + UUID.randomUUID());
    settings.put("cutflow.ops.host", "127.0.0.1");
    settings.putAll(extra);
    return stack.config().withOverrides(settings);
  }
}
