package io.cutflow.standalone;

import io.cutflow.common.config.CutflowConfig;
import java.io.PrintStream;

/** Starts the ingest HTTP API on the embedded stack (the HTTP service lives in the ingest module). */
final class HttpApi {
  private HttpApi() {}

  static AutoCloseable startIfPresent(CutflowConfig config, int port, PrintStream out) {
    out.println("  (HTTP API not built yet: see the ingest service issue)");
    return () -> { };
  }
}
