package io.cutflow.standalone.infra;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.process.JavaProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  /** The server's URL once its log says it is ready. */
  public static String awaitReady(JavaProcess ingest) throws Exception {
    Pattern url = Pattern.compile("cutflow ingest-server: (http://\\S+)");
    String found = null;
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline && ingest.isAlive()) {
      String log = Files.exists(ingest.logFile()) ? Files.readString(ingest.logFile()) : "";
      Matcher m = url.matcher(log);
      if (m.find()) {
        found = m.group(1);
      }
      if (found != null && log.contains("cutflow ingest-server: ready")) {
        return found;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the ingest server did not get ready:\n" + ingest.logTail(40));
  }
}
