package io.cutflow.worker.service;

import ai.onnxruntime.OrtEnvironment;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.OpsConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.ops.Metrics;
import io.cutflow.common.ops.OpsServer;
import io.cutflow.common.ops.StartupWait;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.inference.WarmUpImage;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.supervisor.ControlMessage;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker process: load and warm the model, then (and only then) join the consumer group and run
 * {@link CutoutWorker} until stopped or recycled. The exit code is the {@link ExitReason}.
 *
 * <p>With a control channel (used by the supervisor) the process speaks {@link ControlMessage}s
 * line by line ({@link WorkerControl}): it prints {@code READY} once warmed and waits for {@code
 * GO} on stdin before joining the group — so a replacement can be warmed while its predecessor
 * still works — takes {@code STOP} to drain and exit, treats EOF on stdin as "the supervisor died"
 * and prints {@code EXIT ...} with its handover timestamps at the end, once its consumer is closed;
 * it then waits (at most {@link #BYE_TIMEOUT_MS}) for {@code BYE}, so that its own teardown does
 * not slow its successor's join.
 */
public final class WorkerProcess {
  private static final Logger log = LoggerFactory.getLogger(WorkerProcess.class);

  /**
   * Longest wait after EXIT for the supervisor's BYE (sent once the successor has its first
   * record).
   */
  static final long BYE_TIMEOUT_MS = 5000;

  private WorkerProcess() {}

  /** Worker settings from configuration. */
  public static WorkerSettings settingsOf(CutflowConfig config) {
    String id = config.getString(WorkerConfig.ID);
    if (id.isBlank()) {
      id = hostName() + "-" + ProcessHandle.current().pid();
    }
    String instance =
        config
            .getOptionalString(WorkerConfig.GROUP_INSTANCE_ID)
            .filter(s -> !s.isBlank())
            .orElse(null);
    return new WorkerSettings(
        id,
        instance,
        config.getInt(WorkerConfig.QUEUE_CAPACITY),
        2,
        config.getInt(WorkerConfig.RECYCLE_AFTER),
        config.getLong(WorkerConfig.MAX_RSS_MB),
        config.getInt(WorkerConfig.CRASH_RETRIES),
        Duration.ofMillis(config.getInt(WorkerConfig.STALL_TIMEOUT_MS)));
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "worker";
    }
  }

  /** Runs a worker to completion in this JVM; returns the process exit code. */
  public static int run(CutflowConfig config, boolean controlChannel) throws Exception {
    WorkerSettings settings = settingsOf(config);
    Metrics metrics = Metrics.process();
    WorkerMetrics workerMetrics = new WorkerMetrics(metrics.registry());
    WorkerControl control = new WorkerControl(System.out);
    // from here on a stop signal drains, even one that comes while the model loads
    control.handleStopSignals();
    StartupWait startup = new StartupWait("the worker", () -> control.earlyExit() != null);
    for (StartupWait.Dependency d : StartupWait.Dependency.values()) {
      workerMetrics.startWaiting(d.label, () -> startup.waiting(d));
    }
    // JVM start to here: the JVM itself, class loading, configuration.
    long jvmMs = ManagementFactory.getRuntimeMXBean().getUptime();
    // ONNX Runtime's native library (unpacked from its jar, ~0.2 s) loads while the ops endpoint
    // starts
    CompletableFuture.runAsync(OrtEnvironment::getEnvironment, WorkerProcess::daemon);
    try (OpsServer ops = startOps(config, metrics, control, startup)) {
      long t0 = System.nanoTime();
      // Kafka and the object store (network round trips, little CPU) while the model loads; when
      // either does not answer, the start waits for it (StartupWait) instead of ending.
      Topics topics = new Topics(config);
      CompletableFuture<WorkerConnections> prepared =
          CompletableFuture.supplyAsync(
              () ->
                  WorkerConnections.open(
                      config, topics, settings, consumerProperties(config, settings), startup),
              WorkerProcess::daemon);
      RemoverFactory.Loaded loaded;
      try {
        loaded = loadAndWarm(config, settings);
      } catch (Exception | Error e) {
        // no model, no worker: what was opened beside it closes once it is done opening
        prepared.thenAccept(WorkerConnections::close);
        throw e;
      }
      try (loaded) {
        long warmMs = (System.nanoTime() - t0) / 1_000_000;
        log.atInfo()
            .setMessage("worker warmed")
            .addKeyValue("worker", settings.workerId())
            .addKeyValue("model", loaded.model())
            .addKeyValue("start_to_warm_ms", warmMs)
            .addKeyValue("malloc_huge_pages", MallocTunables.hugePagesInEffect())
            .addKeyValue("ops", ops.url())
            .log();
        // Everything that talks to the broker or the object store is done before READY, so that
        // after GO the only thing left is the group join itself (a short handover).
        long k0 = System.nanoTime();
        ExitReason reason;
        int finished;
        WorkerConnections opened = join(prepared);
        if (opened == null) {
          // stopped while it waited for Kafka or the store
          return control.exitingWith(
              Objects.requireNonNullElse(control.earlyExit(), ExitReason.FATAL).exitCode());
        }
        try (WorkerConnections connections = opened) {
          // Built before READY too: its input buffers (tens of MB, zeroed) cost ~1 s on a busy
          // machine.
          CutoutWorker w =
              new CutoutWorker(
                  connections.consumer(),
                  connections.producer(),
                  connections.store(),
                  loaded.remover(),
                  loaded.session(),
                  loaded.model(),
                  new JobCodec(),
                  topics,
                  config.getString(StorageConfig.BUCKET_CUTOUTS),
                  config.getLong(StorageConfig.IMAGE_MAX_BYTES),
                  settings,
                  workerMetrics);
          log.atInfo()
              .setMessage("worker boot")
              .addKeyValue("worker", settings.workerId())
              .addKeyValue("jvm_ms", jvmMs)
              .addKeyValue("model_ms", loaded.loadMillis())
              .addKeyValue("warm_up_ms", loaded.warmupMillis())
              .addKeyValue("kafka_after_warm_ms", (System.nanoTime() - k0) / 1_000_000)
              .addKeyValue("start_to_ready_ms", ManagementFactory.getRuntimeMXBean().getUptime())
              .log();
          if (controlChannel) {
            awaitGo(control, workerMetrics, ops, warmMs, w.suspects());
          }
          if (control.earlyExit() != null) {
            return control.exitingWith(control.earlyExit().exitCode());
          }
          if (config.getBoolean(WorkerConfig.MODEL_REALTIME)) {
            // after GO: a warm standby's model must not take its active sibling's cores
            loaded.session().threads().realtime();
          }
          control.running(w);
          reason = w.run();
          connections.producer().flush();
          finished = w.finishedCount();
        } // closed before EXIT: a static member's consumer leaves no group; the successor may join
        log.atInfo()
            .setMessage("worker exiting")
            .addKeyValue("worker", settings.workerId())
            .addKeyValue("reason", reason)
            .addKeyValue("finished", finished)
            .log();
        if (controlChannel) {
          handOver(
              control,
              new ControlMessage.Exit(
                  reason,
                  finished,
                  workerMetrics.lastCommitMillis(),
                  workerMetrics.firstRecordMillis()));
        }
        return control.exitingWith(reason.exitCode());
      }
    } finally {
      control.done();
    }
  }

  /** Boot step 1: the ops endpoint (metrics, /readyz), up while the model loads. */
  private static OpsServer startOps(
      CutflowConfig config, Metrics metrics, WorkerControl control, StartupWait startup) {
    return OpsServer.start(
        config.getString(OpsConfig.HOST),
        config.getInt(WorkerConfig.HTTP_PORT),
        metrics.registry(),
        () -> control.worker() != null && control.worker().notReadyReason() == null,
        () -> {
          CutoutWorker w = control.worker();
          String waiting = startup.reason();
          String why =
              w != null
                  ? w.notReadyReason()
                  : waiting != null ? waiting : "loading and warming the model";
          return why == null ? "ready again" : why; // it recovered between the two questions
        });
  }

  /**
   * Boot step 2: load the model and warm it (passes over a built-in image, {@link WarmUpImage}).
   * Images are admitted against this JVM's heap less what its fetch threads' downloads may hold.
   */
  private static RemoverFactory.Loaded loadAndWarm(CutflowConfig config, WorkerSettings settings)
      throws Exception {
    String cache = config.getString(WorkerConfig.MODELS_DIR);
    ModelRegistry registry = ModelRegistry.create(cache.isBlank() ? null : Path.of(cache));
    String model = config.getString(WorkerConfig.MODEL);
    int threads = config.getInt(WorkerConfig.INTRA_OP_THREADS);
    InferenceSession.Settings sessionSettings =
        new InferenceSession.Settings(
            threads > 0 ? threads : Runtime.getRuntime().availableProcessors(),
            config.getBoolean(WorkerConfig.ORT_SPINNING),
            config.getBoolean(WorkerConfig.ORT_MEMORY_PATTERN),
            config.getBoolean(WorkerConfig.FP32_WEIGHTS),
            config.getBoolean(WorkerConfig.ORT_SAVED_MODEL),
            config.getBoolean(WorkerConfig.ORT_ARENA));
    ImageLimits limits = ImageLimits.forWorker(config);
    MemoryBudget budget =
        MemoryBudget.forRuntime(settings.ioThreads() * limits.maxBytes())
            .withSharedLimit((long) config.getInt(WorkerConfig.IMAGE_OVERLAP_MB) << 20, System::gc);
    return RemoverFactory.open(
        registry,
        model.isBlank() ? null : model,
        sessionSettings,
        limits,
        budget,
        new WarmUpImage.Plan(
            config.getInt(WorkerConfig.WARM_UP_RUNS),
            WarmUpImage.ModelRuns.parse(config.getString(WorkerConfig.WARM_UP_MODEL))));
  }

  private static void daemon(Runnable r) {
    Thread t = new Thread(r, "worker-prepare");
    t.setDaemon(true);
    t.start();
  }

  /** The connections once open; null when the start was stopped while it waited for them. */
  private static WorkerConnections join(CompletableFuture<WorkerConnections> prepared)
      throws Exception {
    try {
      return prepared.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof StartupWait.Stopped) {
        return null;
      }
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /** Boot step 4: the group consumer's settings (static membership with a group.instance.id). */
  private static Properties consumerProperties(CutflowConfig config, WorkerSettings settings) {
    Properties cp = KafkaClients.consumerProperties(config, null, settings.workerId());
    cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.queueCapacity()));
    // Sticky (eager) assignment: partitions stay with their owner across rebalances. Not the
    // cooperative protocol: a worker killed between its two cooperative rounds leaves the
    // partitions it was giving up unassigned until its static session times out.
    cp.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        org.apache.kafka.clients.consumer.StickyAssignor.class.getName());
    if (settings.groupInstanceId() != null) {
      cp.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.groupInstanceId());
      // A static member that dies without a successor keeps its partitions (unconsumed) until
      // this passes; a supervisor replaces it sooner, under the same id, without a rebalance.
      cp.put(
          ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
          Integer.toString(config.getInt(WorkerConfig.STATIC_SESSION_TIMEOUT_MS)));
    }
    return cp;
  }

  /**
   * Boot step 6 (supervised): READY, then wait for GO (or STOP, or the supervisor's end); the
   * SUSPECT lines before GO fill {@code suspects}.
   */
  private static void awaitGo(
      WorkerControl control,
      WorkerMetrics metrics,
      OpsServer ops,
      long warmMs,
      SuspectRecords suspects)
      throws InterruptedException {
    metrics.listener(control.listener());
    control.send(new ControlMessage.Ready(ProcessHandle.current().pid(), ops.port(), warmMs));
    control.startReader(System.in, suspects);
    control.awaitGo();
  }

  /**
   * The end (supervised): EXIT, then stay until the successor has its first record (BYE): tearing
   * down this process — freeing the model's memory, the JVM's exit — would otherwise compete with
   * its join for the cores.
   */
  private static void handOver(WorkerControl control, ControlMessage.Exit exit)
      throws InterruptedException {
    control.send(exit);
    if (!control.awaitBye(BYE_TIMEOUT_MS)) {
      log.atInfo()
          .setMessage("no BYE from the supervisor; exiting anyway")
          .addKeyValue("waited_ms", BYE_TIMEOUT_MS)
          .log();
    }
  }

  /**
   * Entry point for worker processes started by a supervisor: configuration from -D and
   * environment.
   */
  public static void main(String[] args) throws Exception {
    boolean control = java.util.Arrays.asList(args).contains("--control-stdin");
    int code;
    try {
      code = run(CutflowConfig.load(), control);
    } catch (Exception e) {
      log.atError().setMessage("worker failed to start").setCause(e).log();
      code = ExitReason.FATAL.exitCode();
    }
    System.out.flush();
    Runtime.getRuntime().halt(code);
  }
}
