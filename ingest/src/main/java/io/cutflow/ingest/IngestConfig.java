package io.cutflow.ingest;

import static io.cutflow.common.config.ConfigKey.Type.BOOLEAN;
import static io.cutflow.common.config.ConfigKey.Type.INT;
import static io.cutflow.common.config.ConfigKey.Type.LONG;
import static io.cutflow.common.config.ConfigKey.Type.PASSWORD;
import static io.cutflow.common.config.ConfigKey.Type.STRING;

import io.cutflow.common.config.ConfigDef;
import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.ConfigKeys;
import io.cutflow.common.config.Validator;
import io.cutflow.common.config.Validators;
import java.net.URI;

/** Settings of the ingest service: its HTTP API, upload limits and job-status topology. */
public final class IngestConfig implements ConfigKeys {
  public static final ConfigDef DEF = new ConfigDef("ingest", 50);

  public static final ConfigKey HTTP_PORT =
      DEF.define(
          "cutflow.ingest.http-port",
          INT,
          8080,
          Validators.port(),
          "Port of the ingest HTTP API and web UI; 0 = ephemeral.");
  public static final ConfigKey MAX_UPLOAD_BYTES =
      DEF.define(
          "cutflow.ingest.max-upload-bytes",
          LONG,
          32L * 1024 * 1024,
          Validators.atLeast(1),
          "Largest HTTP upload in bytes (the whole request body of POST /v1/jobs or /api/remove); larger ones get 413.");
  public static final ConfigKey MAX_FILES =
      DEF.define(
          "cutflow.ingest.max-files",
          INT,
          100,
          Validators.between(1, 10_000),
          "Most images in one POST /v1/jobs request; more get 400.");
  public static final ConfigKey API_KEY =
      DEF.define(
          "cutflow.ingest.api-key",
          PASSWORD,
          "",
          "API key the ingest HTTP API requires (header X-API-Key or Authorization: Bearer); empty = no authentication. /healthz, /readyz and /metrics stay open.");
  public static final ConfigKey REMOVE_TIMEOUT_MS =
      DEF.define(
          "cutflow.ingest.remove-timeout-ms",
          LONG,
          60_000,
          Validators.atLeast(1),
          "How long POST /api/remove waits for the cutout before answering 504 (the job still completes).");
  public static final ConfigKey MAX_WAITING_REMOVES =
      DEF.define(
          "cutflow.ingest.max-waiting-removes",
          INT,
          30,
          Validators.between(1, 100_000),
          "Most POST /api/remove requests one ingest instance lets wait for their cutout at once; more get 503 with Retry-After (nothing is stored or queued for them). Size it as workers' throughput x cutflow.ingest.remove-timeout-ms: 30 = one 2-core worker (about 0.5 images/s) x 60 s, so an admitted request can finish before its timeout.");
  public static final ConfigKey UPLOAD_MEMORY_BYTES =
      DEF.define(
          "cutflow.ingest.upload-memory-bytes",
          LONG,
          0L,
          Validators.atLeast(0),
          "Bytes of uploaded (or fetched-by-URL) images one ingest instance holds in memory at once: each request reserves its Content-Length (else cutflow.ingest.max-upload-bytes), plus max-upload-bytes for an image by URL, before reading its body, and gives it back once its images are stored and queued. A request that does not fit waits up to 30 s, its body unread, then gets 503 overloaded with Retry-After. 0 = a quarter of the JVM's maximum heap (an upload takes about twice its size in heap on its way to the object store).");
  public static final ConfigKey MIN_DATA_RATE_BYTES =
      DEF.define(
          "cutflow.ingest.min-data-rate-bytes",
          LONG,
          16_384L,
          Validators.atLeast(0),
          "Slowest average rate, in bytes per second, at which a request body may arrive once 5 s have passed since the server began reading it; a slower one has its connection closed (a body that has all arrived never is). Keeps a few clients trickling large uploads from holding cutflow.ingest.upload-memory-bytes and the server's threads (a connection idle for 30 s is closed anyway). 0 = no minimum.");
  public static final ConfigKey MAX_WAITING_LOOKUPS =
      DEF.define(
          "cutflow.ingest.max-waiting-lookups",
          INT,
          64,
          Validators.between(1, 100_000),
          "Most GET /v1/jobs/{id}[/cutout] requests for a job not in the status store yet that one ingest instance lets wait at once (each waits, holding an HTTP thread, until the store has read what was queued when it asked: milliseconds when idle, at most about 6.5 s); more get 503 overloaded with Retry-After. Keeps a burst of wrong or too-early job ids from taking the threads (Jetty's pool has 250) that other requests need.");
  public static final ConfigKey PUBLIC_URL =
      DEF.define(
          "cutflow.ingest.public-url",
          STRING,
          "",
          Validators.emptyOr(publicUrl()),
          "Base URL clients reach the ingest HTTP API at (e.g. https://cutflow.example.com or http://host:8080/prefix), used for the status_url, cutout_url, Location and output.url links; empty = links relative to the server root (/v1/jobs/{id}). Never taken from the request's Host header.");
  public static final ConfigKey URL_FETCH_ALLOW_HOSTS =
      DEF.define(
          "cutflow.ingest.url-fetch.allow-hosts",
          STRING,
          "",
          "Comma-separated host names (or IP literals) that images by URL (GET /api/remove?url=, POST /v1/jobs {\"url\"}) may be fetched from even though they resolve to loopback, private, link-local or other non-public addresses; empty = only public addresses. Names are matched exactly, case-insensitively.");
  public static final ConfigKey URL_FETCH_TIMEOUT_MS =
      DEF.define(
          "cutflow.ingest.url-fetch.timeout-ms",
          LONG,
          30_000,
          Validators.between(1, 600_000),
          "Total time to fetch an image by URL (DNS, connecting, every redirect and the whole body); slower fetches are refused with 400 url_timeout.");
  public static final ConfigKey ADVERTISED_URL =
      DEF.define(
          "cutflow.ingest.advertised-url",
          STRING,
          "",
          Validators.emptyOr(advertisedUrl()),
          "http://host:port at which the other ingest instances reach this one (Kafka Streams application.server): a status or cutout request for a job whose status another instance holds is forwarded there. Empty = this instance's bind address (cutflow.ops.host, or this machine's host name for a wildcard bind) and bound HTTP port.");
  public static final ConfigKey APPLICATION_ID =
      DEF.define(
          "cutflow.ingest.application-id",
          STRING,
          "cutflow-ingest-status",
          Validators.kafkaName(),
          "Kafka Streams application.id of the ingest's job-status topology (consumer group and prefix of its changelog topic).");
  public static final ConfigKey STATE_DIR =
      DEF.define(
          "cutflow.ingest.state-dir",
          STRING,
          "",
          "Kafka Streams state directory of the job-status store; empty = a fresh temporary directory per start (the store is then restored from its changelog topic).");

  /** {@code http://host:port}: all that Kafka Streams' application.server carries. */
  private static Validator advertisedUrl() {
    Validator http = Validators.httpUrl();
    return new Validator() {
      @Override
      public String problem(Object value) {
        String problem = http.problem(value);
        if (problem != null) {
          return problem;
        }
        URI uri = URI.create(String.valueOf(value).trim());
        if (!"http".equals(uri.getScheme())) {
          return "is not plain http; instances talk to each other over http://host:port";
        }
        if (uri.getPort() < 1) {
          return "has no port; give http://host:port";
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/"))
            || uri.getRawQuery() != null
            || uri.getRawFragment() != null
            || uri.getRawUserInfo() != null) {
          return "has more than a host and port; give http://host:port";
        }
        return null;
      }

      @Override
      public String allowed() {
        return "http://host:port";
      }
    };
  }

  public static final ConfigKey BRIDGE_ENABLED =
      DEF.define(
          "cutflow.bridge.enabled",
          BOOLEAN,
          false,
          "Run the bucket bridge (S3 event notifications -> jobs) inside cutflow ingest-server; cutflow up always runs it.");
  public static final ConfigKey BRIDGE_TOPIC =
      DEF.define(
          "cutflow.bridge.topic",
          STRING,
          "cutflow.bucket-events",
          Validators.kafkaName(),
          "Topic of S3 event notifications (MinIO's Kafka target or AWS's Records JSON, and what cutflow watch publishes) that the bucket bridge turns into jobs.");
  public static final ConfigKey BRIDGE_BUCKETS =
      DEF.define(
          "cutflow.bridge.buckets",
          STRING,
          "cutflow-inbox",
          bucketList(),
          "Buckets whose uploads become jobs (comma-separated); events of other buckets are skipped. The raw and cutouts buckets never make jobs.");
  public static final ConfigKey BRIDGE_PREFIX =
      DEF.define(
          "cutflow.bridge.prefix",
          STRING,
          "",
          "Only keys starting with this prefix become jobs; empty = every key.");
  public static final ConfigKey BRIDGE_SUFFIXES =
      DEF.define(
          "cutflow.bridge.suffixes",
          STRING,
          "",
          "Only keys ending in one of these suffixes (comma-separated, case-insensitive, e.g. .jpg,.jpeg,.png) become jobs; empty = every key (the worker fails non-images with not_an_image).");
  public static final ConfigKey BRIDGE_OUTPUT_PREFIX =
      DEF.define(
          "cutflow.bridge.output-prefix",
          STRING,
          "",
          "Prefix of the cutout keys of bucket-made jobs: <cutflow.bucket.cutouts>/<prefix><source key without extension>.png; empty = the source key's own path.");
  public static final ConfigKey BRIDGE_DEDUP_WINDOW_MS =
      DEF.define(
          "cutflow.bridge.dedup-window-ms",
          LONG,
          7L * 24 * 60 * 60 * 1000,
          Validators.atLeast(1),
          "How long the bridge remembers a job id (bucket + key + eTag) to drop redelivered events; covers MinIO's queue_dir replay and watcher restarts.");
  public static final ConfigKey BRIDGE_APPLICATION_ID =
      DEF.define(
          "cutflow.bridge.application-id",
          STRING,
          "cutflow-bucket-bridge",
          Validators.kafkaName(),
          "Kafka Streams application.id of the bucket bridge (consumer group, prefix of its de-duplication and cutout-name changelogs and its repartition topics).");
  public static final ConfigKey WATCH_INTERVAL_MS =
      DEF.define(
          "cutflow.watch.interval-ms",
          LONG,
          5_000,
          Validators.atLeast(100),
          "How often cutflow watch lists a bucket (one paged ListObjectsV2 walk) or scans a folder.");
  public static final ConfigKey WATCH_STABLE_MS =
      DEF.define(
          "cutflow.watch.stable-ms",
          LONG,
          2_000,
          Validators.atLeast(0),
          "cutflow watch DIR takes a file once its size and modification time have not changed for this long, so a file still being copied is not taken half-written.");
  public static final ConfigKey WATCH_PROGRESS_TOPIC =
      DEF.define(
          "cutflow.watch.progress-topic",
          STRING,
          "cutflow.watch-progress",
          Validators.kafkaName(),
          "Compacted topic where bucket watchers record what they have published (bucket/key -> eTag), read back on start so a restart publishes nothing twice.");

  /** An absolute http(s) URL with nothing a base URL cannot carry (query, fragment, user info). */
  private static Validator publicUrl() {
    Validator http = Validators.httpUrl();
    return new Validator() {
      @Override
      public String problem(Object value) {
        String problem = http.problem(value);
        if (problem != null) {
          return problem;
        }
        URI uri = URI.create(String.valueOf(value).trim());
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
          return "has a query or fragment; give scheme://host[:port][/path] only";
        }
        if (uri.getRawUserInfo() != null) {
          return "has user info; give scheme://host[:port][/path] only";
        }
        return null;
      }

      @Override
      public String allowed() {
        return "http(s)://host[:port][/path]";
      }
    };
  }

  /** Comma-separated S3 bucket names, at least one. */
  private static Validator bucketList() {
    Validator bucket = Validators.bucketName();
    return new Validator() {
      @Override
      public String problem(Object value) {
        for (String part : String.valueOf(value).split(",", -1)) {
          if (bucket.problem(part.trim()) != null) {
            return "has '" + part.trim() + "', which is not a bucket name";
          }
        }
        return null;
      }

      @Override
      public String allowed() {
        return "bucket[,bucket...]";
      }
    };
  }

  @Override
  public ConfigDef definition() {
    return DEF;
  }
}
