package io.cutflow.common.ops;

import com.codahale.metrics.MetricRegistry;
import io.javalin.Javalin;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A process's operations endpoint on Javalin (Jetty):
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code {"status":"ok"}} while the process is alive;
 *   <li>{@code GET /readyz}: 200 {@code {"status":"ready"}} when the readiness check says so, else
 *       503 {@code {"status":"not_ready","reason":"..."}};
 *   <li>{@code GET /metrics}: the registry in Prometheus text format 0.0.4, named by {@link
 *       MetricNames} (unmapped Dropwizard names with {@code .} and {@code -} turned into {@code
 *       _}).
 * </ul>
 *
 * Each server has its own Prometheus {@link CollectorRegistry} (never the global default), so
 * several servers can run in one JVM. Port 0 binds an ephemeral port; see {@link #port()}.
 */
public final class OpsServer implements AutoCloseable {
  private final Javalin app;
  private final String host;

  private OpsServer(Javalin app, String host) {
    this.app = app;
    this.host = host;
  }

  /** Starts on {@code 0.0.0.0:port}, always ready. */
  public static OpsServer start(int port, MetricRegistry registry) {
    return start("0.0.0.0", port, registry, () -> true, () -> "not ready");
  }

  /** Starts on {@code 0.0.0.0:port} with a readiness check. */
  public static OpsServer start(int port, MetricRegistry registry, BooleanSupplier ready) {
    return start("0.0.0.0", port, registry, ready, () -> "not ready");
  }

  /**
   * @param host interface to bind, e.g. {@code 127.0.0.1}
   * @param port 0 = ephemeral
   * @param ready consulted on every {@code /readyz}
   * @param reason why not ready (consulted only when {@code ready} is false), e.g. "model warming
   *     up"
   */
  public static OpsServer start(
      String host,
      int port,
      MetricRegistry registry,
      BooleanSupplier ready,
      Supplier<String> reason) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(ready, "ready");
    CollectorRegistry prometheus = new CollectorRegistry();
    MetricNames.collector(registry).register(prometheus);

    Javalin app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.startupWatcherEnabled = false;
            });
    app.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
    app.get(
        "/readyz",
        ctx -> {
          boolean ok;
          String why;
          try {
            ok = ready.getAsBoolean();
            why = ok ? null : String.valueOf(reason.get());
          } catch (RuntimeException e) {
            ok = false;
            why = "readiness check failed: " + e;
          }
          ctx.contentType("application/json");
          if (ok) {
            ctx.status(200).result("{\"status\":\"ready\"}");
          } else {
            ctx.status(503).result("{\"status\":\"not_ready\",\"reason\":" + jsonString(why) + "}");
          }
        });
    app.get(
        "/metrics",
        ctx -> {
          StringWriter out = new StringWriter();
          try {
            TextFormat.write004(out, prometheus.metricFamilySamples());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          ctx.contentType(TextFormat.CONTENT_TYPE_004).result(out.toString());
        });
    app.start(host, port);
    return new OpsServer(app, host);
  }

  /** The bound port (the real one when started with 0). */
  public int port() {
    return app.port();
  }

  /** {@code http://<host>:<port>}, with 127.0.0.1 for a wildcard bind. */
  public String url() {
    String h = "0.0.0.0".equals(host) || "::".equals(host) ? "127.0.0.1" : host;
    return "http://" + h + ":" + port();
  }

  @Override
  public void close() {
    app.stop();
  }

  static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
