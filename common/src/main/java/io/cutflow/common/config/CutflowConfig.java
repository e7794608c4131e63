package io.cutflow.common.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Every Cutflow setting, declared once (name, type, default, doc) in the spirit of Kafka's
 * {@code ConfigDef}, and an immutable resolved view over them.
 *
 * <p>Resolution order, first hit wins:
 * <ol>
 *   <li>explicit overrides (a map, e.g. from CLI flags or {@code EmbeddedStack});</li>
 *   <li>a Java system property with the key's name ({@code -Dcutflow.kafka.bootstrap-servers=...});</li>
 *   <li>an environment variable: the name upper-cased with {@code .} and {@code -} as {@code _}
 *       ({@code CUTFLOW_KAFKA_BOOTSTRAP_SERVERS});</li>
 *   <li>the declared default.</li>
 * </ol>
 *
 * <p>Values are parsed when read by the typed getters; a bad value raises a
 * {@link CutflowConfigException} naming the key and its source. The only credentials in here are
 * the well-known MinIO local-stack defaults ({@code minioadmin}); production deployments set
 * {@code CUTFLOW_S3_ACCESS_KEY}/{@code CUTFLOW_S3_SECRET_KEY}.
 */
public final class CutflowConfig {

  /** Value types. */
  public enum Type { STRING, INT, LONG, SHORT, BOOLEAN, PASSWORD }

  /** Where a resolved value came from. */
  public enum Source { OVERRIDE, SYSTEM_PROPERTY, ENVIRONMENT, DEFAULT }

  /**
   * One declared setting.
   *
   * @param defaultValue as a string; null = no default (the getter fails when unset)
   * @param min          lower bound for numeric types, or null
   */
  public record Key(String name, Type type, String defaultValue, String doc, Long min) {
    public Key {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(doc, "doc");
    }

    /** The environment variable consulted for this key, e.g. {@code CUTFLOW_KAFKA_PARTITIONS}. */
    public String envName() {
      return envName(name);
    }

    public static String envName(String name) {
      return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final Map<String, Key> CATALOGUE = new LinkedHashMap<>();

  private static Key define(String name, Type type, Object defaultValue, String doc) {
    return define(name, type, defaultValue, doc, null);
  }

  private static Key define(String name, Type type, Object defaultValue, String doc, Long min) {
    Key key = new Key(name, type, defaultValue == null ? null : String.valueOf(defaultValue), doc, min);
    if (CATALOGUE.putIfAbsent(name, key) != null) {
      throw new IllegalStateException("config key declared twice: " + name);
    }
    return key;
  }

  // ---------------------------------------------------------------- Kafka
  public static final Key KAFKA_BOOTSTRAP_SERVERS = define("cutflow.kafka.bootstrap-servers", Type.STRING,
      "localhost:9092", "Kafka bootstrap servers, host:port[,host:port...].");
  public static final Key KAFKA_TOPIC_JOBS = define("cutflow.kafka.topic.jobs", Type.STRING,
      "cutflow.jobs", "Topic of JobRequest records (cutflow.job-request/v1 JSON), keyed by job id.");
  public static final Key KAFKA_TOPIC_RESULTS = define("cutflow.kafka.topic.results", Type.STRING,
      "cutflow.results", "Topic of JobResult records (cutflow.job-result/v1 JSON), keyed by job id.");
  public static final Key KAFKA_TOPIC_DEAD_LETTERS = define("cutflow.kafka.topic.dead-letters", Type.STRING,
      "cutflow.dead-letters", "Topic of records that can never succeed (bad JSON, undecodable image), with the reason.");
  public static final Key KAFKA_PARTITIONS = define("cutflow.kafka.partitions", Type.INT, 6,
      "Partitions for topics Cutflow creates; bounds how many workers consume in parallel.", 1L);
  public static final Key KAFKA_REPLICATION_FACTOR = define("cutflow.kafka.replication-factor", Type.SHORT, 1,
      "Replication factor for topics Cutflow creates (1 for a single broker; 3 in production).", 1L);
  public static final Key KAFKA_GROUP_ID = define("cutflow.kafka.group-id", Type.STRING, "cutflow-workers",
      "Consumer group of the workers.");

  // ---------------------------------------------------------------- S3 / object storage
  public static final Key S3_ENDPOINT = define("cutflow.s3.endpoint", Type.STRING, "http://localhost:9000",
      "S3-compatible endpoint URL (MinIO, S3Proxy, AWS).");
  public static final Key S3_ACCESS_KEY = define("cutflow.s3.access-key", Type.STRING, "minioadmin",
      "S3 access key. The default is MinIO's local-development account and only fits the local stack.");
  public static final Key S3_SECRET_KEY = define("cutflow.s3.secret-key", Type.PASSWORD, "minioadmin",
      "S3 secret key. The default is MinIO's local-development account and only fits the local stack; never logged.");
  public static final Key S3_REGION = define("cutflow.s3.region", Type.STRING, "us-east-1",
      "S3 region used for request signing.");
  public static final Key S3_RETRY_ATTEMPTS = define("cutflow.s3.retry.attempts", Type.INT, 5,
      "Attempts per object-store call on transient failures (I/O errors, 5xx); 1 = no retry.", 1L);
  public static final Key S3_RETRY_BACKOFF_MS = define("cutflow.s3.retry.backoff-ms", Type.LONG, 100,
      "First retry delay in ms; doubles per attempt (with jitter), capped by cutflow.s3.retry.max-backoff-ms.", 0L);
  public static final Key S3_RETRY_MAX_BACKOFF_MS = define("cutflow.s3.retry.max-backoff-ms", Type.LONG, 5000,
      "Upper bound of one retry delay in ms.", 0L);
  public static final Key BUCKET_RAW = define("cutflow.bucket.raw", Type.STRING, "cutflow-raw",
      "Bucket that uploads land in.");
  public static final Key BUCKET_CUTOUTS = define("cutflow.bucket.cutouts", Type.STRING, "cutflow-cutouts",
      "Bucket for PNG cutouts when a job names no output; key <job_id>.png.");

  // ---------------------------------------------------------------- image limits
  public static final Key IMAGE_MAX_PIXELS = define("cutflow.image.max-pixels", Type.LONG, 100_000_000L,
      "Largest image (width x height) a worker decodes; larger ones fail with image_too_large.", 1L);
  public static final Key IMAGE_MAX_BYTES = define("cutflow.image.max-bytes", Type.LONG, 64L * 1024 * 1024,
      "Largest source object in bytes a worker downloads; larger ones fail with image_too_large.", 1L);

  // ---------------------------------------------------------------- worker
  public static final Key WORKER_MODEL = define("cutflow.worker.model", Type.STRING, "",
      "Model a worker loads and warms at start (a name from models/models.json); empty = the manifest's default. Jobs naming another model fail with model_unavailable.");
  public static final Key WORKER_INTRA_OP_THREADS = define("cutflow.worker.intra-op-threads", Type.INT, 0,
      "ONNX Runtime intra-op threads per worker process; 0 = number of available cores.", 0L);
  public static final Key WORKER_ORT_SPINNING = define("cutflow.worker.ort-spinning", Type.BOOLEAN, false,
      "Let ONNX Runtime's intra-op threads spin between operators. Off by default in workers: the spinning threads compete with decode/encode/upload threads for the same cores.");
  public static final Key WORKER_ORT_MEMORY_PATTERN = define("cutflow.worker.ort-memory-pattern", Type.BOOLEAN, false,
      "ONNX Runtime's memory-pattern planning. Off by default: on, a session holds its activations twice (ISNet: about 1.7 GB RSS instead of 1.0 GB) and needs two slow warm-up runs instead of one, for no measurable gain in steady state (./cutflow cold-start shows both).");
  public static final Key WORKER_MALLOC_HUGE_PAGES = define("cutflow.worker.malloc-huge-pages", Type.BOOLEAN, true,
      "Start worker processes with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (added to any inherited GLIBC_TUNABLES) so that ONNX Runtime's arena gets transparent huge pages: a new session's first run takes about 6 thousand page faults instead of 190 thousand. Needs glibc >= 2.35 and THP in madvise or always mode; elsewhere it does nothing.");
  public static final Key WORKER_STANDBY_NICE = define("cutflow.worker.standby-nice", Type.INT, 19,
      "CPU priority (nice, 0..19) of a standby worker while it loads and warms its model next to a busy active worker; back to 0 once it is ready, or sooner when its predecessor is within a fifth of its quota. Each worker runs in its own session and this is its autogroup's nice, which an unprivileged supervisor can raise and lower again (a process's own nice it could not lower). Needs Linux autogroup (kernel.sched_autogroup_enabled=1) outside a CPU-limited cgroup; elsewhere it does nothing. 0 = off.", 0L);
  public static final Key WORKER_WARM_UP_RUNS = define("cutflow.worker.warm-up-runs", Type.INT, 1,
      "Whole cutouts (decode, model, PNG) a worker runs on a built-in image before it reports ready; with the memory pattern off, one brings the next image to within a few per cent of steady speed. 0 = none (the first real image pays the cold start).", 0L);
  public static final Key WORKER_QUEUE_CAPACITY = define("cutflow.worker.queue-capacity", Type.INT, 4,
      "Records a worker holds between poll and inference (bounds memory and redelivery on crash).", 1L);
  public static final Key WORKER_HTTP_PORT = define("cutflow.worker.http-port", Type.INT, 0,
      "Port of a worker's /healthz, /readyz, /metrics; 0 = ephemeral (several workers share a host).", 0L);
  public static final Key WORKER_RECYCLE_AFTER = define("cutflow.worker.recycle-after", Type.INT, 500,
      "Images a worker process handles before it drains, commits and exits for a fresh one; 0 = never.", 0L);
  public static final Key WORKER_MAX_RSS_MB = define("cutflow.worker.max-rss-mb", Type.LONG, 0,
      "Resident-memory ceiling in MiB after which a worker recycles early; 0 = no ceiling.", 0L);
  public static final Key WORKER_ID = define("cutflow.worker.id", Type.STRING, "",
      "Worker id in results and dead letters (and the base of group.instance.id); empty = <host>-<pid>.");
  public static final Key WORKER_GROUP_INSTANCE_ID = define("cutflow.worker.group-instance-id", Type.STRING, "",
      "Kafka static membership id (group.instance.id) of this worker; a replacement with the same id takes over its partitions without a rebalance. Empty = dynamic membership.");
  public static final Key WORKER_STATIC_SESSION_TIMEOUT_MS = define("cutflow.worker.static-session-timeout-ms", Type.INT, 120_000,
      "session.timeout.ms of static members: how long the group keeps a recycled or crashed worker's partitions for its replacement (same group.instance.id) before moving them. Must be ≤ the broker's group.max.session.timeout.ms.", 6000L);
  public static final Key MODELS_DIR = define("cutflow.models.dir", Type.STRING, "",
      "Directory of fetched, verified model files; empty = $CUTFLOW_MODEL_CACHE, else <repo>/models/cache, else ~/.cache/cutflow/models.");

  // ---------------------------------------------------------------- ops / ingest
  public static final Key OPS_PORT = define("cutflow.ops.port", Type.INT, 9400,
      "Port of /healthz, /readyz, /metrics of single-instance processes (ingest, supervisor); 0 = ephemeral.", 0L);
  public static final Key OPS_HOST = define("cutflow.ops.host", Type.STRING, "0.0.0.0",
      "Interface the ops endpoint binds to.");
  public static final Key INGEST_HTTP_PORT = define("cutflow.ingest.http-port", Type.INT, 8080,
      "Port of the ingest HTTP API and web UI; 0 = ephemeral.", 0L);
  public static final Key INGEST_MAX_UPLOAD_BYTES = define("cutflow.ingest.max-upload-bytes", Type.LONG,
      32L * 1024 * 1024,
      "Largest HTTP upload in bytes (the whole request body of POST /v1/jobs or /api/remove); larger ones get 413.", 1L);
  public static final Key INGEST_MAX_FILES = define("cutflow.ingest.max-files", Type.INT, 100,
      "Most images in one POST /v1/jobs request; more get 400.", 1L);
  public static final Key INGEST_API_KEY = define("cutflow.ingest.api-key", Type.PASSWORD, "",
      "API key the ingest HTTP API requires (header X-API-Key or Authorization: Bearer); empty = no authentication. /healthz, /readyz and /metrics stay open.");
  public static final Key INGEST_REMOVE_TIMEOUT_MS = define("cutflow.ingest.remove-timeout-ms", Type.LONG, 60_000,
      "How long POST /api/remove waits for the cutout before answering 504 (the job still completes).", 1L);
  public static final Key INGEST_APPLICATION_ID = define("cutflow.ingest.application-id", Type.STRING,
      "cutflow-ingest-status",
      "Kafka Streams application.id of the ingest's job-status topology (consumer group and prefix of its changelog topic).");
  public static final Key INGEST_STATE_DIR = define("cutflow.ingest.state-dir", Type.STRING, "",
      "Kafka Streams state directory of the job-status store; empty = a fresh temporary directory per start (the store is then restored from its changelog topic).");

  // ================================================================ instance

  private final Map<String, String> overrides;
  private final Map<String, String> systemProperties;
  private final Map<String, String> environment;

  private CutflowConfig(Map<String, String> overrides, Map<String, String> systemProperties,
      Map<String, String> environment) {
    for (String name : overrides.keySet()) {
      if (!CATALOGUE.containsKey(name)) {
        throw new CutflowConfigException(name, "unknown setting (known: see CutflowConfig.markdownTable())");
      }
    }
    this.overrides = Map.copyOf(overrides);
    this.systemProperties = Map.copyOf(systemProperties);
    this.environment = Map.copyOf(environment);
  }

  /** Defaults, system properties and environment of this process. */
  public static CutflowConfig load() {
    return load(Map.of());
  }

  /** Overrides (e.g. from CLI flags) on top of this process's system properties and environment. */
  public static CutflowConfig load(Map<String, String> overrides) {
    return of(overrides, systemPropertiesOf(System.getProperties()), System.getenv());
  }

  /** Fully explicit sources, for tests and embedding. */
  public static CutflowConfig of(Map<String, String> overrides, Map<String, String> systemProperties,
      Map<String, String> environment) {
    return new CutflowConfig(stripNulls(overrides), stripNulls(systemProperties), stripNulls(environment));
  }

  /** Only overrides and defaults: ignores this process's system properties and environment. */
  public static CutflowConfig isolated(Map<String, String> overrides) {
    return of(overrides, Map.of(), Map.of());
  }

  /** A copy with more overrides on top (later wins). */
  public CutflowConfig withOverrides(Map<String, String> more) {
    Map<String, String> merged = new LinkedHashMap<>(overrides);
    merged.putAll(more);
    return new CutflowConfig(merged, systemProperties, environment);
  }

  public Map<String, String> overrides() {
    return overrides;
  }

  // ---------------------------------------------------------------- typed getters

  public String getString(Key key) {
    Optional<String> v = raw(key);
    if (v.isEmpty()) {
      throw new CutflowConfigException(key.name(), "not set and has no default (set " + key.envName() + ")");
    }
    return v.get();
  }

  /** The value with surrounding whitespace removed; empty string maps to Optional.empty(). */
  public Optional<String> getOptionalString(Key key) {
    return raw(key).map(String::trim).filter(s -> !s.isEmpty());
  }

  public String getPassword(Key key) {
    return getString(key);
  }

  public int getInt(Key key) {
    return (int) parseNumber(key, Integer.MIN_VALUE, Integer.MAX_VALUE, "an int");
  }

  public long getLong(Key key) {
    return parseNumber(key, Long.MIN_VALUE, Long.MAX_VALUE, "a long");
  }

  public short getShort(Key key) {
    return (short) parseNumber(key, Short.MIN_VALUE, Short.MAX_VALUE, "a short");
  }

  public boolean getBoolean(Key key) {
    String v = getString(key).trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new CutflowConfigException(key.name(),
          "expected a boolean (true/false) but got '" + v + "' from " + describe(sourceOf(key)));
    };
  }

  /** The raw string for a key by name, resolved like the typed getters. */
  public Optional<String> get(String name) {
    Key key = CATALOGUE.get(name);
    if (key == null) {
      throw new CutflowConfigException(name, "unknown setting");
    }
    return raw(key);
  }

  /** Where the value of {@code key} comes from. */
  public Source sourceOf(Key key) {
    if (overrides.containsKey(key.name())) {
      return Source.OVERRIDE;
    }
    if (systemProperties.containsKey(key.name())) {
      return Source.SYSTEM_PROPERTY;
    }
    if (environment.containsKey(key.envName())) {
      return Source.ENVIRONMENT;
    }
    return Source.DEFAULT;
  }

  /**
   * All resolved values by key name (passwords masked), for logging at start-up.
   */
  public Map<String, String> describeValues() {
    Map<String, String> out = new TreeMap<>();
    for (Key key : CATALOGUE.values()) {
      String v = raw(key).orElse("<unset>");
      out.put(key.name(), key.type() == Type.PASSWORD ? "********" : v);
    }
    return out;
  }

  /** Every resolved value by key name (unmasked): for passing to a child process as system properties. */
  public Map<String, String> resolvedValues() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Key key : CATALOGUE.values()) {
      raw(key).ifPresent(v -> out.put(key.name(), v));
    }
    return out;
  }

  @Override
  public String toString() {
    return "CutflowConfig" + describeValues();
  }

  // ---------------------------------------------------------------- catalogue

  /** Every declared key, in declaration order. */
  public static List<Key> keys() {
    return List.copyOf(CATALOGUE.values());
  }

  public static Optional<Key> key(String name) {
    return Optional.ofNullable(CATALOGUE.get(name));
  }

  /** The catalogue as a Markdown table (setting / environment variable | default | meaning), for the README. */
  public static String markdownTable() {
    StringBuilder sb = new StringBuilder();
    sb.append("| setting (system property / environment variable) | default | meaning |\n");
    sb.append("| --- | --- | --- |\n");
    for (Key key : CATALOGUE.values()) {
      String def = key.defaultValue() == null ? "*(none)*"
          : key.defaultValue().isEmpty() ? "*(empty)*" : "`" + key.defaultValue() + "`";
      sb.append("| `").append(key.name()).append("`<br>`").append(key.envName()).append("` | ")
          .append(def).append(" | ").append(key.doc().replace("|", "\\|")).append(" |\n");
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------- internals

  private Optional<String> raw(Key key) {
    String v = overrides.get(key.name());
    if (v == null) {
      v = systemProperties.get(key.name());
    }
    if (v == null) {
      v = environment.get(key.envName());
    }
    if (v == null) {
      v = key.defaultValue();
    }
    return Optional.ofNullable(v);
  }

  private long parseNumber(Key key, long lo, long hi, String what) {
    String v = getString(key).trim().replace("_", "");
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new CutflowConfigException(key.name(),
          "expected " + what + " but got '" + v + "' from " + describe(sourceOf(key)));
    }
    if (n < lo || n > hi) {
      throw new CutflowConfigException(key.name(),
          "value " + n + " from " + describe(sourceOf(key)) + " is out of range for " + what);
    }
    if (key.min() != null && n < key.min()) {
      throw new CutflowConfigException(key.name(),
          "value " + n + " from " + describe(sourceOf(key)) + " is below the minimum " + key.min());
    }
    return n;
  }

  private String describe(Source source) {
    return switch (source) {
      case OVERRIDE -> "an override";
      case SYSTEM_PROPERTY -> "a system property";
      case ENVIRONMENT -> "the environment";
      case DEFAULT -> "the default";
    };
  }

  private static Map<String, String> systemPropertiesOf(Properties props) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : props.stringPropertyNames()) {
      if (name.startsWith("cutflow.")) {
        out.put(name, props.getProperty(name));
      }
    }
    return out;
  }

  private static Map<String, String> stripNulls(Map<String, String> in) {
    if (in == null) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    in.forEach((k, v) -> {
      if (k != null && v != null) {
        out.put(k, v);
      }
    });
    return Collections.unmodifiableMap(out);
  }

  static List<String> names() {
    return new ArrayList<>(CATALOGUE.keySet());
  }
}
