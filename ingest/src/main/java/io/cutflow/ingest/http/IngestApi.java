package io.cutflow.ingest.http;

import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.ingest.JobSubmitter;
import io.cutflow.ingest.fetch.HostResolver;
import io.cutflow.ingest.fetch.UrlFetcher;
import io.cutflow.ingest.stats.ThroughputTopology;
import io.cutflow.ingest.status.JobStatusService;
import io.cutflow.ingest.status.ResultWaiters;
import io.cutflow.ingest.webui.WebUiRoutes;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.json.JavalinJackson;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The ingest HTTP API on Javalin: every route in {@link #create()}, which are secured ({@link
 * ApiKeyCheck}), request metrics and error rendering. The endpoints live in {@link JobsEndpoints}
 * and {@link RemoveEndpoint}; uploads are read by {@link Uploads}. Every error is {@code {"error":
 * code, "message": ...}} (see {@link ApiError}).
 */
final class IngestApi {
  private static final String ROUTE = "cutflow.route";
  private static final String STARTED = "cutflow.started";

  /**
   * What the API needs; {@code apiKey} empty = no authentication, {@code publicUrl} empty =
   * relative links.
   */
  record Settings(
      long maxUploadBytes,
      int maxFiles,
      String apiKey,
      Duration removeTimeout,
      int maxWaitingRemoves,
      int maxWaitingLookups,
      long uploadMemoryBytes,
      long minDataRateBytes,
      String publicUrl,
      Set<String> urlAllowHosts,
      Duration urlFetchTimeout) {

    /**
     * The defaults of {@code cutflow.ingest.max-waiting-lookups}, {@code upload-memory-bytes},
     * {@code min-data-rate-bytes} and the {@code cutflow.ingest.url-fetch.*} settings.
     */
    Settings(
        long maxUploadBytes,
        int maxFiles,
        String apiKey,
        Duration removeTimeout,
        int maxWaitingRemoves,
        String publicUrl) {
      this(
          maxUploadBytes,
          maxFiles,
          apiKey,
          removeTimeout,
          maxWaitingRemoves,
          Integer.parseInt(IngestConfig.MAX_WAITING_LOOKUPS.defaultValue()),
          0,
          Long.parseLong(IngestConfig.MIN_DATA_RATE_BYTES.defaultValue()),
          publicUrl,
          Set.of(),
          Duration.ofMillis(Long.parseLong(IngestConfig.URL_FETCH_TIMEOUT_MS.defaultValue())));
    }

    /** These settings with another {@code cutflow.ingest.min-data-rate-bytes}. */
    Settings withMinDataRateBytes(long bytesPerSecond) {
      return new Settings(
          maxUploadBytes,
          maxFiles,
          apiKey,
          removeTimeout,
          maxWaitingRemoves,
          maxWaitingLookups,
          uploadMemoryBytes,
          bytesPerSecond,
          publicUrl,
          urlAllowHosts,
          urlFetchTimeout);
    }

    /** The defaults of {@code cutflow.ingest.max-waiting-removes} and {@code public-url}. */
    Settings(long maxUploadBytes, int maxFiles, String apiKey, Duration removeTimeout) {
      this(
          maxUploadBytes,
          maxFiles,
          apiKey,
          removeTimeout,
          Integer.parseInt(IngestConfig.MAX_WAITING_REMOVES.defaultValue()),
          "");
    }
  }

  private final Settings settings;
  private final ApiKeyCheck apiKey;
  private final JobStatusService status;
  private final HttpMetrics metrics;
  private final BooleanSupplier ready;
  private final Submissions submissions;
  private final JobsEndpoints jobs;
  private final RemoveEndpoint remove;
  private final RouteTable routes = new RouteTable();
  private List<WebUiRoutes.Route> webUi = List.of();
  private Supplier<String> starting = () -> null;

  /** An API that answers every job from its own status store (one instance, or tests). */
  IngestApi(
      Settings settings,
      JobSubmitter submitter,
      ObjectStore store,
      JobStatusService status,
      ResultWaiters waiters,
      HttpMetrics metrics,
      BooleanSupplier ready,
      Executor responder) {
    this(settings, submitter, store, status, waiters, metrics, ready, responder, null);
  }

  /**
   * @param routing asks the instance holding a job's status for it (several instances); null =
   *     every job is answered from this instance's store
   */
  IngestApi(
      Settings settings,
      JobSubmitter submitter,
      ObjectStore store,
      JobStatusService status,
      ResultWaiters waiters,
      HttpMetrics metrics,
      BooleanSupplier ready,
      Executor responder,
      JobRouting routing) {
    this.settings = settings;
    this.apiKey = new ApiKeyCheck(settings.apiKey());
    this.status = status;
    this.metrics = metrics;
    this.ready = ready;
    Uploads uploads =
        new Uploads(
            settings.maxUploadBytes(),
            new UploadBudget(
                settings.uploadMemoryBytes(), UploadBudget.MAX_WAIT, UploadBudget.MAX_WAITING),
            new MinBodyRate(settings.minDataRateBytes(), MinBodyRate.GRACE));
    Responses responses = new Responses(store);
    Links links = new Links(settings.publicUrl());
    DependencyBreaker storage = DependencyBreaker.objectStore();
    DependencyBreaker kafka = DependencyBreaker.kafka();
    this.submissions =
        new Submissions(submitter, status, metrics, storage, kafka, settings.maxWaitingLookups());
    UrlInput urls =
        new UrlInput(
            new UrlFetcher(
                HostResolver.SYSTEM,
                settings.urlAllowHosts(),
                settings.maxUploadBytes(),
                settings.urlFetchTimeout()));
    this.jobs =
        new JobsEndpoints(
            uploads, settings.maxFiles(), submissions, responses, links, urls, routing);
    RemoveAdmission admission =
        new RemoveAdmission(
            settings.maxWaitingRemoves(),
            settings.removeTimeout(),
            submissions::outstanding,
            metrics::completionsPerSecond);
    this.remove =
        new RemoveEndpoint(
            uploads,
            submissions,
            responses,
            waiters,
            metrics,
            settings.removeTimeout(),
            responder,
            admission,
            urls);
    metrics.gauges(admission::waiting, submissions::outstanding, uploads::reservedBytes, ready);
    for (DependencyBreaker b : List.of(storage, kafka)) {
      metrics.dependency(b.dependency(), b::refusing);
    }
  }

  /**
   * Serves the web UI's routes too (the page, its events and ZIPs); call before {@link #create}.
   */
  IngestApi withWebUi(WebUiRoutes ui) {
    this.webUi = ui.routes();
    return this;
  }

  /**
   * What the start still waits for (a dependency that does not answer), for {@code /readyz}; null
   * once it waits for nothing. Call before {@link #create}.
   */
  IngestApi withStartup(Supplier<String> waitingFor) {
    this.starting = waitingFor;
    return this;
  }

  /** The application: every route in one place. */
  Javalin create() {
    Javalin app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.startupWatcherEnabled = false;
              cfg.jsonMapper(new JavalinJackson(JobCodec.newMapper(), false));
              cfg.http.maxRequestSize = settings.maxUploadBytes();
              cfg.jetty.multipartConfig.maxTotalRequestSize(
                  settings.maxUploadBytes(), SizeUnit.BYTES);
              cfg.jetty.multipartConfig.maxFileSize(settings.maxUploadBytes(), SizeUnit.BYTES);
              cfg.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
              // what Jetty refuses before Javalin sees it (bad URI, oversized headers) answers JSON
              JsonErrorHandler jsonErrors = new JsonErrorHandler();
              cfg.jetty.modifyServer(server -> server.setErrorHandler(jsonErrors));
              cfg.jetty.modifyServletContextHandler(h -> h.setErrorHandler(jsonErrors));
            });
    app.before(this::start);

    post(app, "/v1/jobs", secured("post_v1_jobs", jobs::submit));
    get(app, "/v1/jobs/{id}", secured("get_v1_jobs_id", jobs::status));
    get(app, "/v1/jobs/{id}/cutout", secured("get_v1_jobs_id_cutout", jobs::cutout));
    post(app, "/api/remove", secured("post_api_remove", remove::remove));
    // not in the route table: a GET without ?url= answers 405 Allow: POST, as before it existed
    app.get("/api/remove", secured("get_api_remove", remove::removeByUrl));
    get(app, "/v1/stats", secured("get_v1_stats", this::stats));
    get(app, "/healthz", open("get_healthz", ctx -> ctx.json(Map.of("status", "ok"))));
    get(app, "/readyz", open("get_readyz", this::readiness));
    get(
        app,
        "/metrics",
        open(
            "get_metrics",
            ctx ->
                ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape())));
    for (WebUiRoutes.Route r : webUi) {
      Handler h = r.secured() ? secured(r.name(), r.handler()) : open(r.name(), r.handler());
      if (r.method().equals("POST")) {
        post(app, r.path(), h);
      } else {
        get(app, r.path(), h);
      }
    }

    app.exception(
        Exception.class, (e, ctx) -> Responses.error(ctx, Errors.of(e, method(ctx), path(ctx))));
    app.error(404, this::unmatched);
    app.error(405, this::unmatched);
    app.after(this::finish);
    return app;
  }

  private void get(Javalin app, String path, Handler handler) {
    app.get(path, handler);
    routes.add("GET", path);
  }

  private void post(Javalin app, String path, Handler handler) {
    app.post(path, handler);
    routes.add("POST", path);
  }

  /**
   * No route took the request: 405 with {@code Allow} when the path is known (OPTIONS: 204 with
   * {@code Allow}), else 404, both with the JSON error body.
   */
  private void unmatched(Context ctx) {
    if (ctx.attribute(ROUTE) != null) {
      return; // a handler answered 404 itself (unknown_job, not_done, ...)
    }
    String path = path(ctx);
    Set<String> allowed = routes.allowed(path);
    if (allowed.isEmpty()) {
      Responses.error(
          ctx, new ApiError(404, "not_found", "no such endpoint: " + method(ctx) + " " + path));
      return;
    }
    ctx.header("Allow", String.join(", ", allowed));
    if (ctx.method() == HandlerType.OPTIONS) {
      ctx.status(204).result("");
      return;
    }
    Responses.error(
        ctx,
        new ApiError(
            405,
            "method_not_allowed",
            method(ctx) + " is not served on " + path + "; use " + String.join(" or ", allowed),
            Map.of("allow", List.copyOf(allowed))));
  }

  /** The method as sent (Javalin names the ones it does not know INVALID). */
  private static String method(Context ctx) {
    return ctx.req().getMethod();
  }

  /** The request path, for messages and route matching (the raw URI may be anything). */
  private static String path(Context ctx) {
    String p = ctx.path();
    return p == null ? "" : p;
  }

  /** Called by the status topology for every result: feeds the time-to-result metric. */
  void onResult(JobResult result) {
    submissions.onResult(result);
  }

  /** A route without authentication, named for the request metrics. */
  private static Handler open(String name, Handler handler) {
    return ctx -> {
      ctx.attribute(ROUTE, name);
      handler.handle(ctx);
    };
  }

  /** A route that requires the API key when one is configured. */
  private Handler secured(String name, Handler handler) {
    return ctx -> {
      ctx.attribute(ROUTE, name);
      apiKey.check(ctx);
      handler.handle(ctx);
    };
  }

  private void start(Context ctx) {
    ctx.attribute(STARTED, System.nanoTime());
  }

  private void finish(Context ctx) {
    Long t0 = ctx.attribute(STARTED);
    String route = ctx.attribute(ROUTE);
    metrics.request(
        route == null ? "unmatched" : route,
        ctx.statusCode(),
        t0 == null ? 0 : System.nanoTime() - t0);
  }

  /** {@code GET /v1/stats?window=1m|1h}: throughput of the last minute or hour. */
  private void stats(Context ctx) {
    String label = ctx.queryParam("window") == null ? "1m" : ctx.queryParam("window");
    ThroughputTopology.Window window;
    try {
      window = ThroughputTopology.Window.of(label);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_window", e.getMessage());
    }
    ctx.json(status.throughput(window, Instant.now()));
  }

  private void readiness(Context ctx) {
    if (ready.getAsBoolean()) {
      ctx.json(Map.of("status", "ready"));
    } else {
      String waiting = starting.get();
      ctx.status(503)
          .json(
              Map.of(
                  "status",
                  "not_ready",
                  "reason",
                  waiting != null
                      ? waiting
                      : "job status store is " + status.state().name().toLowerCase()));
    }
  }
}
