package io.cutflow.standalone.infra;

import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.common.store.ObjectStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cutflow's infrastructure on one machine with nothing installed: an {@link EmbeddedKafka} and an
 * {@link EmbeddedS3}, started in parallel as child processes, with the jobs/results/dead-letter
 * topics and the raw/cutouts buckets created.
 *
 * <p>{@link #overrides()} is the {@link CutflowConfig} override map that points clients (and child
 * worker processes, as {@code -D} system properties) at them; {@link #config()} is the base
 * configuration with those overrides applied.
 */
public final class EmbeddedStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

  private final Path dir;
  private final boolean deleteOnClose;
  private final EmbeddedKafka kafka;
  private final EmbeddedS3 s3;
  private final CutflowConfig config;
  private final Map<String, String> overrides;
  private volatile ServerRestarts restarts;

  private EmbeddedStack(
      Path dir, boolean deleteOnClose, EmbeddedKafka kafka, EmbeddedS3 s3, CutflowConfig base) {
    this.dir = dir;
    this.deleteOnClose = deleteOnClose;
    this.kafka = kafka;
    this.s3 = s3;
    Map<String, String> o = new LinkedHashMap<>();
    o.put(KafkaConfig.BOOTSTRAP_SERVERS.name(), kafka.bootstrapServers());
    o.put(StorageConfig.S3_ENDPOINT.name(), s3.endpoint());
    o.put(StorageConfig.S3_ACCESS_KEY.name(), s3.accessKey());
    o.put(StorageConfig.S3_SECRET_KEY.name(), s3.secretKey());
    o.put(StorageConfig.S3_REGION.name(), "us-east-1");
    this.overrides = Map.copyOf(o);
    this.config = base.withOverrides(overrides);
  }

  /**
   * Defaults plus this process's system properties and environment; a temp directory deleted on
   * close.
   */
  public static EmbeddedStack start() throws IOException {
    return start(CutflowConfig.load());
  }

  /**
   * Topic names, partitions and bucket names from {@code base}; a temp directory deleted on close.
   */
  public static EmbeddedStack start(CutflowConfig base) throws IOException {
    return start(base, Files.createTempDirectory("cutflow-stack-"), true);
  }

  /** As below, for workers whose number is not known. */
  public static EmbeddedStack start(CutflowConfig base, Path dir, boolean deleteOnClose)
      throws IOException {
    return start(base, dir, deleteOnClose, 0);
  }

  /**
   * Starts Kafka ({@code dir/kafka}) and S3 ({@code dir/s3}) in parallel, then creates the topics
   * and buckets named by {@code base}.
   *
   * @param deleteOnClose delete {@code dir} on close (false keeps logs and data for inspection)
   * @param workers the worker processes that will consume jobs, 0 if not known: the broker's wait
   *     for a new group's members ({@link EmbeddedKafka#initialRebalanceDelayMs})
   */
  public static EmbeddedStack start(
      CutflowConfig base, Path dir, boolean deleteOnClose, int workers) throws IOException {
    Files.createDirectories(dir);
    long t0 = System.nanoTime();
    Duration timeout = Duration.ofSeconds(90);
    CompletableFuture<EmbeddedKafka> kafkaF =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return EmbeddedKafka.start(dir.resolve("kafka"), false, timeout, workers);
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            });
    CompletableFuture<EmbeddedS3> s3F =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return EmbeddedS3.start(dir.resolve("s3"), false, timeout);
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            });
    EmbeddedKafka kafka = null;
    EmbeddedS3 s3 = null;
    Throwable failure = null;
    try {
      kafka = kafkaF.join();
    } catch (CompletionException e) {
      failure = e.getCause();
    }
    try {
      s3 = s3F.join();
    } catch (CompletionException e) {
      if (failure == null) {
        failure = e.getCause();
      } else {
        failure.addSuppressed(e.getCause());
      }
    }
    EmbeddedStack stack = null;
    try {
      if (failure != null) {
        throw failure instanceof IOException io ? io : new IOException(failure);
      }
      stack = new EmbeddedStack(dir, deleteOnClose, kafka, s3, base);
      stack.createTopicsAndBuckets();
      LOG.info(
          "embedded stack ready in {} ms (Kafka {} ms, S3 {} ms): {}",
          Duration.ofNanos(System.nanoTime() - t0).toMillis(),
          kafka.startupTime().toMillis(),
          s3.startupTime().toMillis(),
          stack.overrides.get(KafkaConfig.BOOTSTRAP_SERVERS.name()));
      return stack;
    } catch (IOException | RuntimeException e) {
      if (kafka != null) {
        kafka.close();
      }
      if (s3 != null) {
        s3.close();
      }
      if (deleteOnClose) {
        InfraSupport.deleteRecursively(dir);
      }
      throw e;
    }
  }

  private void createTopicsAndBuckets() {
    try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
      new Topics(config).ensureTopics(admin);
    }
    try (ObjectStore store = ObjectStore.fromConfig(config)) {
      for (String bucket :
          List.of(
              config.getString(StorageConfig.BUCKET_RAW),
              config.getString(StorageConfig.BUCKET_CUTOUTS))) {
        store.ensureBucket(bucket);
      }
    }
  }

  public EmbeddedKafka kafka() {
    return kafka;
  }

  public EmbeddedS3 s3() {
    return s3;
  }

  /** The base configuration pointed at the embedded servers. */
  public CutflowConfig config() {
    return config;
  }

  /**
   * {@code cutflow.kafka.bootstrap-servers}, {@code cutflow.s3.endpoint}, {@code
   * cutflow.s3.access-key}, {@code cutflow.s3.secret-key}, {@code cutflow.s3.region} for these
   * servers.
   */
  public Map<String, String> overrides() {
    return overrides;
  }

  public Path dir() {
    return dir;
  }

  /**
   * From now until {@link #close}, starts the broker or the S3 server again when its process exits
   * (see {@link ServerRestarts}); {@code terminal} gets a line for each exit and start.
   */
  public synchronized void keepServersUp(PrintStream terminal) {
    if (restarts == null) {
      restarts = new ServerRestarts(terminal, kafka, s3);
    }
  }

  /** The two child processes. */
  public List<JavaProcess> processes() {
    return List.of(kafka.process(), s3.process());
  }

  /**
   * Runs the stack until interrupted (Ctrl-C) or until stdin closes, printing the settings that
   * point clients at it as {@code export CUTFLOW_...=...} lines on stdout. Usage: {@code
   * EmbeddedStack [run dir to keep]}.
   */
  public static void main(String[] args) throws Exception {
    CutflowConfig base = CutflowConfig.load();
    EmbeddedStack stack = args.length > 0 ? start(base, Path.of(args[0]), false) : start(base);
    // before the child reaper, not beside it
    JavaProcess.onShutdown(stack::close);
    for (Map.Entry<String, String> e : stack.overrides().entrySet()) {
      System.out.println("export " + ConfigKey.envName(e.getKey()) + "=" + e.getValue());
    }
    System.out.printf(
        "# Kafka ready in %d ms, S3 in %d ms; run dir %s%n",
        stack.kafka().startupTime().toMillis(), stack.s3().startupTime().toMillis(), stack.dir());
    System.out.flush();
    while (System.in.read() != -1) {
      // run until stdin closes or the process is interrupted
    }
    System.exit(0);
  }

  /** Stops both servers (in parallel) and deletes the directory unless asked to keep it. */
  @Override
  public void close() {
    ServerRestarts r = restarts;
    if (r != null) {
      r.close(); // first: the stop below is no crash
    }
    CompletableFuture<Void> k = CompletableFuture.runAsync(kafka::close);
    CompletableFuture<Void> s = CompletableFuture.runAsync(s3::close);
    try {
      CompletableFuture.allOf(k, s).join();
    } finally {
      if (deleteOnClose) {
        InfraSupport.deleteRecursively(dir);
      }
    }
  }
}
