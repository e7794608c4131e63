package io.cutflow.ingest.status;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.ingest.IngestConfig;
import io.cutflow.ingest.stats.Throughput;
import io.cutflow.ingest.stats.ThroughputQuery;
import io.cutflow.ingest.stats.ThroughputTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link JobStatusTopology} as a {@link KafkaStreams} application and answers status queries
 * from its local store (interactive queries). Several instances with the same application id each
 * hold a share of the store's partitions; each advertises its HTTP address as {@code
 * application.server}, and {@link #ownerOf(String)} says which instance holds a job's status so the
 * API can ask it.
 *
 * <p>Created first, started once the HTTP server has bound its port ({@link #start(HostInfo)}),
 * since the advertised address defaults to that port.
 */
public final class JobStatusService implements StatusLookup, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobStatusService.class);

  private final CutflowConfig config;
  private final Topology topology;
  private final Topics topics;
  private final Path stateDir;
  private final boolean deleteStateDir;
  private volatile KafkaStreams streams;
  private volatile HostInfo self;
  private volatile Admin admin;
  private volatile RebalanceCatchUp catchUp;
  private volatile MissBarrier missBarrier;
  private volatile ScheduledExecutorService catchUpChecks;

  private JobStatusService(
      CutflowConfig config,
      Topology topology,
      Topics topics,
      Path stateDir,
      boolean deleteStateDir) {
    this.config = config;
    this.topology = topology;
    this.topics = topics;
    this.stateDir = stateDir;
    this.deleteStateDir = deleteStateDir;
  }

  /** Thrown while the store cannot be queried (starting, restoring, rebalancing, stopped). */
  public static final class NotReadyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotReadyException(String message) {
      super(message);
    }
  }

  /** Builds the application; nothing runs until {@link #start(HostInfo)}. */
  public static JobStatusService create(
      CutflowConfig config, Topics topics, JobCodec codec, Consumer<JobResult> onResult) {
    Path dir;
    boolean temporary;
    Optional<String> configured = config.getOptionalString(IngestConfig.STATE_DIR);
    try {
      if (configured.isPresent()) {
        dir = Files.createDirectories(Path.of(configured.get()));
        temporary = false;
      } else {
        dir = Files.createTempDirectory("cutflow-ingest-state-");
        temporary = true;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Kafka Streams state directory", e);
    }
    return new JobStatusService(
        config, JobStatusTopology.build(topics, codec, onResult), topics, dir, temporary);
  }

  /**
   * Starts the application, advertising {@code self} (this instance's HTTP host and port) to the
   * other instances; it becomes queryable once {@link #isRunning()}.
   */
  public synchronized void start(HostInfo self) {
    if (streams != null) {
      throw new IllegalStateException("job-status streams already started");
    }
    KafkaStreams s = new KafkaStreams(topology, properties(config, stateDir, self));
    String applicationId = config.getString(IngestConfig.APPLICATION_ID);
    Admin a = Admin.create(KafkaClients.adminProperties(config));
    ScheduledExecutorService checks =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "job-status-catch-up");
              t.setDaemon(true);
              return t;
            });
    GroupOffsets offsets = GroupOffsets.overAdmin(a, applicationId);
    List<String> sources = List.of(topics.jobs(), topics.results());
    String repartition = JobStatusTopology.repartitionTopic(applicationId);
    Supplier<ReadUpTo> readUpTo = () -> new ReadUpTo(offsets, sources, repartition);
    RebalanceCatchUp gate =
        new RebalanceCatchUp(readUpTo, CheckScheduler.on(checks), System::nanoTime);
    MissBarrier barrier = new MissBarrier(readUpTo, CheckScheduler.on(checks), System::nanoTime);
    s.setUncaughtExceptionHandler(
        e -> {
          log.error("job-status stream thread failed; replacing it", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    s.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.REBALANCING || now == KafkaStreams.State.RUNNING) {
            gate.rebalanced();
          }
          log.info("job-status streams {} -> {}", before, now);
        });
    this.self = self;
    this.admin = a;
    this.catchUp = gate;
    this.missBarrier = barrier;
    this.catchUpChecks = checks;
    this.streams = s;
    s.start();
  }

  static Properties properties(CutflowConfig config, Path stateDir, HostInfo self) {
    Properties p = new Properties();
    // where the other instances reach this one's HTTP API (interactive queries across instances)
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.getString(IngestConfig.APPLICATION_ID));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(
        StreamsConfig.REPLICATION_FACTOR_CONFIG,
        (int) config.getShort(KafkaConfig.REPLICATION_FACTOR));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    // status must be visible as soon as a result arrives: no record cache, no waiting for the other
    // input
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // leave the consumer group on close, so that a restarted instance gets the partitions at once
    // instead of after the session timeout (Streams turns this off by default)
    p.put(StreamsConfig.mainConsumerPrefix("internal.leave.group.on.close"), true);
    return p;
  }

  public boolean isRunning() {
    return state() == KafkaStreams.State.RUNNING;
  }

  public KafkaStreams.State state() {
    KafkaStreams s = streams;
    return s == null ? KafkaStreams.State.CREATED : s.state();
  }

  /**
   * Which instance holds the job's status right now, from the group's assignment metadata (the
   * store is partitioned by job id, see {@link JobStatusTopology#REPARTITION}). {@link
   * StatusOwner.Unknown} while the application is not running or a rebalance has not settled.
   */
  public StatusOwner ownerOf(String jobId) {
    KafkaStreams s = streams;
    KafkaStreams.State state = state();
    if (s == null || state != KafkaStreams.State.RUNNING) {
      return new StatusOwner.Unknown("job status store is " + state.name().toLowerCase());
    }
    KeyQueryMetadata md = metadata(s, jobId);
    if (md == null || md.activeHost() == null) {
      return new StatusOwner.Unknown("no instance holds the job's partition (rebalancing)");
    }
    HostInfo owner = md.activeHost();
    if (owner.equals(self)) {
      return StatusOwner.LOCAL;
    }
    return new StatusOwner.Remote(owner.host(), owner.port());
  }

  /** Where the job's status lives by the group's assignment; null while there is none yet. */
  private static KeyQueryMetadata metadata(KafkaStreams s, String jobId) {
    try {
      KeyQueryMetadata md =
          s.queryMetadataForKey(JobStatusTopology.STORE, jobId, Serdes.String().serializer());
      return KeyQueryMetadata.NOT_AVAILABLE.equals(md) ? null : md;
    } catch (IllegalStateException e) {
      return null; // not running, or no assignment yet
    }
  }

  /** Waits until the store is queryable; false on timeout. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!isRunning()) {
      if (System.nanoTime() > deadline
          || state() == KafkaStreams.State.ERROR
          || state() == KafkaStreams.State.NOT_RUNNING) {
        return isRunning();
      }
      Thread.sleep(50);
    }
    return true;
  }

  /**
   * The job's latest status from the local store.
   *
   * @throws NotReadyException while the store is not queryable
   */
  @Override
  public Optional<JobStatus> get(String jobId) {
    KafkaStreams s = streams;
    if (s == null || !isRunning()) {
      throw new NotReadyException(
          "job status store is "
              + state().name().toLowerCase()
              + " (starting or restoring from its changelog)");
    }
    // The key's own partition, not the composite store over this instance's tasks: in a rebalance
    // the assignment metadata changes before the new tasks exist and before the state leaves
    // RUNNING; the composite store would answer "no such job" for a partition whose task is not
    // here yet, asked by partition it throws, and the caller answers "retry".
    KeyQueryMetadata md = metadata(s, jobId);
    if (md == null || md.partition() < 0) {
      throw new NotReadyException("job status store has no partition for the job yet");
    }
    try {
      ReadOnlyKeyValueStore<String, JobStatus> store =
          s.store(
              StoreQueryParameters.fromNameAndType(
                      JobStatusTopology.STORE,
                      QueryableStoreTypes.<String, JobStatus>keyValueStore())
                  .withPartition(md.partition()));
      return Optional.ofNullable(store.get(jobId));
    } catch (InvalidStateStoreException e) {
      throw new NotReadyException("job status store is not queryable right now: " + e.getMessage());
    }
  }

  /**
   * Waits while a job missing from the store may still arrive. Right after a rebalance it answers
   * at once with why: the application has not read all that was on its inputs at the rebalance
   * ({@link RebalanceCatchUp}). Otherwise it waits, at most about twice {@link
   * MissBarrier#MAX_WAIT}, until the application has read what its inputs held at this call ({@link
   * MissBarrier}) or the job is in the store, and answers empty: look again, and a job still
   * missing is unknown. Answers why not when the offsets could not be read in that time.
   *
   * @throws NotReadyException when the store stops being queryable meanwhile
   */
  @Override
  public Optional<String> awaitMissingJob(String jobId) {
    RebalanceCatchUp gate = catchUp;
    Optional<String> rebalancing = gate == null ? Optional.empty() : gate.pending();
    MissBarrier barrier = missBarrier;
    if (rebalancing.isPresent() || barrier == null) {
      return rebalancing;
    }
    return barrier.await(() -> get(jobId).isPresent());
  }

  /**
   * The last minute or hour of throughput (see {@link ThroughputQuery}) from the local window
   * store.
   *
   * @throws NotReadyException while the store is not queryable
   */
  public ObjectNode throughput(ThroughputTopology.Window window, Instant now) {
    if (!isRunning()) {
      throw new NotReadyException(
          "throughput store is "
              + streams.state().name().toLowerCase()
              + " (starting or restoring)");
    }
    try {
      ReadOnlyWindowStore<String, Throughput> store =
          streams.store(
              StoreQueryParameters.fromNameAndType(
                  window.store, QueryableStoreTypes.<String, Throughput>windowStore()));
      return ThroughputQuery.last(window, store, now);
    } catch (InvalidStateStoreException e) {
      throw new NotReadyException("throughput store is not queryable right now: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    KafkaStreams s = streams;
    // leave the group so that a replacement instance gets the partitions at once
    if (s != null) {
      s.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(30)));
    }
    ScheduledExecutorService checks = catchUpChecks;
    if (checks != null) {
      checks.shutdownNow();
    }
    Admin a = admin;
    if (a != null) {
      a.close(Duration.ofSeconds(5));
    }
    if (deleteStateDir) {
      deleteRecursively(stateDir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
