package io.cutflow.ingest.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectMissingException;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.http.ApiError;
import io.cutflow.ingest.http.BoundedBody;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The web UI's routes: the page and its two files (plain HTML/CSS/JS from this jar, no build step,
 * nothing fetched from elsewhere), {@code GET /v1/ui-config}, the result events ({@code GET
 * /v1/events}) and the ZIP of a session's cutouts ({@code POST /v1/zips}, {@code GET
 * /v1/zips/{token}}). The page submits through the ordinary {@code POST /v1/jobs}. {@code
 * io.cutflow.ingest.http.IngestApi} registers them with its authentication and metrics.
 */
public final class WebUiRoutes {
  /** Most jobs in one ZIP. */
  static final int MAX_ZIP_JOBS = 10_000;

  /** The largest ZIP request read: {@link #MAX_ZIP_JOBS} ids of 256 characters, quoted, fit. */
  static final int MAX_ZIP_BODY_BYTES = 4 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What the page and scripts may do: only this jar's files, no inline script, no framing; images
   * from the API and the page's own blob: URLs (the selected files, the fetched cutouts).
   */
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:;"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final Map<String, String> FILES =
      Map.of(
          "index.html", "text/html; charset=utf-8",
          "app.css", "text/css; charset=utf-8",
          // JavaScript modules: app.js imports the others
          "app.js", "text/javascript; charset=utf-8",
          "server.js", "text/javascript; charset=utf-8",
          "tiles.js", "text/javascript; charset=utf-8",
          "events.js", "text/javascript; charset=utf-8",
          "chart.js", "text/javascript; charset=utf-8",
          "pick.js", "text/javascript; charset=utf-8");

  /**
   * One route; {@code secured} ones need the API key when one is configured.
   *
   * @param name the route's label in the request metrics
   */
  public record Route(String method, String path, String name, boolean secured, Handler handler) {}

  private final WebUiSettings settings;
  private final JobEvents events;
  private final ObjectStore store;
  private final Function<String, Optional<JobResult>> results;
  private final ZipLinks zips;
  private final Map<String, byte[]> files = new LinkedHashMap<>();

  /**
   * @param results a job's result when it is done or failed (recent events first, then the status
   *     store), for the ZIP
   */
  public WebUiRoutes(
      WebUiSettings settings,
      JobEvents events,
      ObjectStore store,
      Function<String, Optional<JobResult>> results) {
    this(settings, events, store, results, Clock.systemUTC());
  }

  WebUiRoutes(
      WebUiSettings settings,
      JobEvents events,
      ObjectStore store,
      Function<String, Optional<JobResult>> results,
      Clock clock) {
    this.settings = settings;
    this.events = events;
    this.store = store;
    this.results = results;
    this.zips = new ZipLinks(clock);
    for (String name : FILES.keySet()) {
      files.put(name, resource(name));
    }
  }

  public List<Route> routes() {
    return List.of(
        new Route("GET", "/", "get_webui", false, ctx -> file(ctx, "index.html")),
        new Route(
            "GET",
            "/webui/{file}",
            "get_webui_file",
            false,
            ctx -> file(ctx, ctx.pathParam("file"))),
        new Route("GET", "/v1/ui-config", "get_v1_ui_config", false, this::uiConfig),
        new Route("GET", "/v1/events", "get_v1_events", true, events.handler()),
        new Route("POST", "/v1/zips", "post_v1_zips", true, this::createZip),
        // the token is the credential: a plain link, which the browser downloads as it streams
        new Route("GET", "/v1/zips/{token}", "get_v1_zips_token", false, this::zip));
  }

  private void file(Context ctx, String name) {
    byte[] body = files.get(name);
    if (body == null) {
      throw new ApiError(404, "not_found", "no such web UI file: " + name);
    }
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", "no-cache");
    ctx.contentType(FILES.get(name)).result(body);
  }

  /** {@code GET /v1/ui-config}: limits, whether a key is needed, the model catalogue. */
  private void uiConfig(Context ctx) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("max_upload_bytes", settings.maxUploadBytes());
    body.put("max_files", settings.maxFiles());
    body.put("api_key_required", settings.apiKeyRequired());
    List<Map<String, Object>> models = new ArrayList<>();
    for (WebUiSettings.ModelChoice m : settings.models()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("name", m.name());
      v.put("description", m.description());
      v.put("served", m.served());
      models.add(v);
    }
    body.put("models", models);
    ctx.header("Cache-Control", "no-cache");
    ctx.json(body);
  }

  /** {@code POST /v1/zips {"job_ids": [...]}}: a download link for those jobs' cutouts. */
  private void createZip(Context ctx) throws IOException {
    List<String> ids = jobIds(zipRequestBody(ctx.bodyInputStream(), ctx.contentLength()));
    String token = zips.create(ids);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("url", "/v1/zips/" + token);
    body.put("jobs", ids.size());
    body.put("expires_at", zips.get(token).orElseThrow().expires().toString());
    ctx.status(201).json(body);
  }

  /**
   * A ZIP request's body, at most {@link #MAX_ZIP_BODY_BYTES} ({@link BoundedBody}): a larger one
   * is 413, refused unread by its {@code Content-Length} or, sent chunked, once more has arrived.
   */
  static String zipRequestBody(InputStream in, long declared) throws IOException {
    byte[] body = BoundedBody.read(in, declared, MAX_ZIP_BODY_BYTES);
    if (body == null) {
      throw new ApiError(
          413,
          "payload_too_large",
          "a ZIP request's body is at most "
              + MAX_ZIP_BODY_BYTES
              + " bytes ("
              + MAX_ZIP_JOBS
              + " job ids); ask for fewer jobs at a time");
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  static List<String> jobIds(String body) {
    JsonNode ids;
    try {
      ids = JSON.readTree(body == null ? "" : body).path("job_ids");
    } catch (IOException e) {
      throw ApiError.badRequest("invalid_json", "the body is not JSON: " + e.getMessage());
    }
    if (!ids.isArray() || ids.isEmpty()) {
      throw ApiError.badRequest(
          "missing_job_ids", "send {\"job_ids\": [\"<job id>\", ...]} with at least one id");
    }
    if (ids.size() > MAX_ZIP_JOBS) {
      throw ApiError.badRequest(
          "too_many_jobs", ids.size() + " job ids; at most " + MAX_ZIP_JOBS + " in one ZIP");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode id : ids) {
      if (!id.isTextual() || id.asText().isBlank() || id.asText().length() > 256) {
        throw ApiError.badRequest(
            "invalid_job_id", "job ids are non-empty strings of at most 256 characters: " + id);
      }
      out.add(id.asText());
    }
    return out;
  }

  /** {@code GET /v1/zips/{token}}: the ZIP, streamed one cutout at a time. */
  private void zip(Context ctx) throws IOException {
    ZipLinks.Link link =
        zips.get(ctx.pathParam("token"))
            .orElseThrow(
                () ->
                    new ApiError(
                        404,
                        "zip_link_expired",
                        "no such ZIP link: links live "
                            + ZipLinks.TTL.toMinutes()
                            + " minutes on the instance that made them; ask for a new one"));
    List<CutoutZip.Entry> entries = CutoutZip.entries(link.jobIds(), results);
    ctx.status(200);
    ctx.res().setContentType("application/zip");
    ctx.res().setHeader("Content-Disposition", "attachment; filename=\"cutflow-cutouts.zip\"");
    ctx.res().setHeader("X-Cutflow-Cutouts", String.valueOf(entries.size()));
    ctx.res().setHeader("Cache-Control", "no-store");
    // straight to the response (not Javalin's result, which buffers and may compress)
    CutoutZip.write(ctx.res().getOutputStream(), entries, this::openCutout);
  }

  private Optional<InputStream> openCutout(String bucket, String key) {
    try {
      return Optional.of(store.open(bucket, key));
    } catch (ObjectMissingException e) {
      return Optional.empty();
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = WebUiRoutes.class.getResourceAsStream("/webui/" + name)) {
      if (in == null) {
        throw new IllegalStateException("web UI file /webui/" + name + " missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
