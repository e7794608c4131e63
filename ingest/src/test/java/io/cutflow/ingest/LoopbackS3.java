package io.cutflow.ingest;

import com.sun.net.httpserver.HttpServer;
import io.cutflow.common.config.CutflowConfig;
import java.util.HashMap;
import java.util.Map;

/** The settings that point a test's object store at an S3 stand-in served on loopback. */
public final class LoopbackS3 {
  private LoopbackS3() {}

  /** The stand-in's endpoint and test keys, plus {@code extra} settings. */
  public static CutflowConfig config(HttpServer s3, Map<String, String> extra) {
    Map<String, String> settings = new HashMap<>(extra);
    settings.put("cutflow.s3.endpoint", "http://127.0.0.1:" + s3.getAddress().getPort());
    settings.put("cutflow.s3.access-key", "test-access");
    settings.put("cutflow.s3.secret-key", "test-secret");
    return CutflowConfig.isolated(settings);
  }
}
