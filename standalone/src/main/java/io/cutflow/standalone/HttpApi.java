package io.cutflow.standalone;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.ops.Metrics;
import io.cutflow.ingest.http.IngestServer;
import java.io.PrintStream;

/** Starts the ingest HTTP API on the embedded stack and says where it is. */
final class HttpApi {
  private HttpApi() {}

  static IngestServer start(CutflowConfig config, int port, PrintStream out) throws Exception {
    IngestServer server = IngestServer.start(config, port, Metrics.process().registry());
    server.awaitReady(java.time.Duration.ofSeconds(60));
    out.println(
        "  HTTP API: "
            + server.url()
            + "  (docs/http-api.md; rembg-compatible POST "
            + server.url()
            + "/api/remove)");
    return server;
  }
}
