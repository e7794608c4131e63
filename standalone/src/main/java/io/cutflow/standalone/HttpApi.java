package io.cutflow.standalone;

import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.ops.Metrics;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.ingest.webui.WebUiSettings;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.model.ModelRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The ingest HTTP API of {@code up}: started on the embedded stack, and where it really is. */
final class HttpApi {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  private HttpApi() {}

  /**
   * Starts it on {@code port} of {@code cutflow.ops.host} in {@code config}; the web UI offers
   * {@code models}.
   */
  static IngestServer start(
      CutflowConfig config, int port, List<WebUiSettings.ModelChoice> models) {
    return IngestServer.start(config, port, Metrics.process().registry(), models);
  }

  /**
   * The web UI's model catalogue: every model of the manifest whose weights are in the cache, the
   * one the workers load ({@code cutflow.worker.model}, else the manifest's default) marked served.
   */
  static List<WebUiSettings.ModelChoice> models(ModelRegistry registry, CutflowConfig config) {
    String configured = config.getString(WorkerConfig.MODEL);
    String served = configured.isBlank() ? registry.defaultModel().name() : configured;
    List<WebUiSettings.ModelChoice> out = new ArrayList<>();
    for (ModelRegistry.ModelStatus m : registry.list()) {
      if (m.state() == ModelRegistry.State.PRESENT || m.state() == ModelRegistry.State.VERIFIED) {
        String name = m.spec().name();
        out.add(new WebUiSettings.ModelChoice(name, m.spec().description(), name.equals(served)));
      }
    }
    return out;
  }

  /** Waits until job status answers (its Kafka Streams application runs). */
  static void awaitReady(IngestServer server) throws IOException, InterruptedException {
    if (!server.awaitReady(Duration.ofSeconds(60))) {
      throw new IOException("the HTTP API's job status did not start within 60 s");
    }
  }

  /** The address it bound, with where to find the docs; a wildcard bind says so. */
  static String describe(String host, int port) {
    String url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    String where = isWildcard(host) ? " (every interface of this machine)" : "";
    return url
        + where
        + "  (docs/http-api.md; rembg-compatible POST "
        + (isWildcard(host) ? "http://127.0.0.1:" + port : url)
        + "/api/remove)";
  }

  /** The web UI's address: the API's root, on loopback for a wildcard bind. */
  static String webUi(String host, int port) {
    String h = isWildcard(host) ? "127.0.0.1" : host;
    return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port + "/";
  }

  /**
   * Bound beyond loopback with no API key: anyone who can reach the port may upload and read
   * cutouts. Warns on {@code err} (and in the log), naming the key that closes it.
   */
  static boolean warnIfOpen(String host, int port, CutflowConfig config, PrintStream err) {
    if (isLoopback(host) || !config.getPassword(IngestConfig.API_KEY).isEmpty()) {
      return false;
    }
    ConfigKey key = IngestConfig.API_KEY;
    err.println(
        "cutflow up: WARNING: the HTTP API on "
            + host
            + ":"
            + port
            + " is open to anyone who can reach it: no API key. Set "
            + ConfigKey.envName(key.name())
            + " ("
            + key.name()
            + "), or bind 127.0.0.1 (--host 127.0.0.1).");
    log.atInfo() // the warning itself went to the terminal above; this is for the log file
        .setMessage("HTTP API reachable beyond this machine without an API key")
        .addKeyValue("host", host)
        .addKeyValue("port", port)
        .addKeyValue("key", key.name())
        .log();
    return true;
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean isWildcard(String host) {
    try {
      return InetAddress.getByName(host).isAnyLocalAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
