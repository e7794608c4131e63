package io.cutflow.worker.service;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.image.ImageLimits;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.ops.Metrics;
import io.cutflow.common.ops.OpsServer;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.model.ModelRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker process: load and warm the model, then (and only then) join the consumer group and
 * run {@link CutoutWorker} until stopped or recycled. The exit code is the {@link ExitReason}.
 *
 * <p>With a control channel (used by the supervisor) the process speaks line by line: it prints
 * {@code READY} once warmed and waits for {@code GO} on stdin before joining the group — so a
 * replacement can be warmed while its predecessor still works — takes {@code STOP} to drain and
 * exit, treats EOF on stdin as "the supervisor died" and prints {@code EXIT ...} with its handover
 * timestamps at the end, once its consumer is closed; it then waits (at most {@link #BYE_TIMEOUT_MS})
 * for {@code BYE}, so that its own teardown does not slow its successor's join.
 */
public final class WorkerProcess {
  private static final Logger log = LoggerFactory.getLogger(WorkerProcess.class);


  /** Longest wait after EXIT for the supervisor's BYE (sent once the successor has its first record). */
  static final long BYE_TIMEOUT_MS = 5000;

  private WorkerProcess() {}

  /**
   * Control lines besides READY and EXIT: {@code FIRST_RECORD ms=<epoch>} (end of a handover),
   * {@code ASSIGNED gen=<generation> partitions=<p,..>} and {@code REVOKED partitions=<p,..>} (so a
   * supervisor can tell whether a recycle moved anyone's partitions), {@code FINISHED n=<count>} after
   * each published result (so it can tell when the successor must be ready).
   */
  private record ControlLines(PrintStream out) implements WorkerMetrics.Listener {
    @Override
    public void firstRecord(long epochMillis) {
      line("FIRST_RECORD ms=" + epochMillis);
    }

    @Override
    public void assigned(java.util.Collection<org.apache.kafka.common.TopicPartition> partitions, int generation) {
      line("ASSIGNED gen=" + generation + " partitions=" + ids(partitions));
    }

    @Override
    public void revoked(java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {
      if (!partitions.isEmpty()) {
        line("REVOKED partitions=" + ids(partitions));
      }
    }

    @Override
    public void finished(int count) {
      line("FINISHED n=" + count);
    }

    private static String ids(java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {
      return partitions.stream().map(org.apache.kafka.common.TopicPartition::partition).sorted()
          .map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    private void line(String text) {
      synchronized (out) {
        out.println(text);
        out.flush();
      }
    }
  }

  /** Worker settings from configuration. */
  public static WorkerSettings settingsOf(CutflowConfig config) {
    String id = config.getString(CutflowConfig.WORKER_ID);
    if (id.isBlank()) {
      id = hostName() + "-" + ProcessHandle.current().pid();
    }
    String instance = config.getOptionalString(CutflowConfig.WORKER_GROUP_INSTANCE_ID).filter(s -> !s.isBlank())
        .orElse(null);
    return new WorkerSettings(id, instance, config.getInt(CutflowConfig.WORKER_QUEUE_CAPACITY), 2,
        config.getInt(CutflowConfig.WORKER_RECYCLE_AFTER), config.getLong(CutflowConfig.WORKER_MAX_RSS_MB));
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
    PrintStream control = System.out;
    WorkerSettings settings = settingsOf(config);
    Metrics metrics = Metrics.process();
    WorkerMetrics workerMetrics = new WorkerMetrics(metrics.registry());
    AtomicReference<CutoutWorker> worker = new AtomicReference<>();
    AtomicReference<ExitReason> early = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    CountDownLatch bye = new CountDownLatch(1);

    try (OpsServer ops = OpsServer.start(config.getString(CutflowConfig.OPS_HOST),
        config.getInt(CutflowConfig.WORKER_HTTP_PORT), metrics.registry(),
        () -> worker.get() != null && worker.get().isReady(),
        () -> worker.get() == null ? "loading and warming the model" : "stopping")) {
      long t0 = System.nanoTime();
      String cache = config.getString(CutflowConfig.MODELS_DIR);
      ModelRegistry registry = ModelRegistry.create(cache.isBlank() ? null : Path.of(cache));
      String model = config.getString(CutflowConfig.WORKER_MODEL);
      int threads = config.getInt(CutflowConfig.WORKER_INTRA_OP_THREADS);
      InferenceSession.Settings sessionSettings = new InferenceSession.Settings(
          threads > 0 ? threads : Runtime.getRuntime().availableProcessors(),
          config.getBoolean(CutflowConfig.WORKER_ORT_SPINNING), config.getBoolean(CutflowConfig.WORKER_ORT_MEMORY_PATTERN));
      ImageLimits limits = new ImageLimits(config.getLong(CutflowConfig.IMAGE_MAX_PIXELS),
          config.getLong(CutflowConfig.IMAGE_MAX_BYTES));
      try (RemoverFactory.Loaded loaded = RemoverFactory.open(registry, model.isBlank() ? null : model,
          sessionSettings, limits, config.getInt(CutflowConfig.WORKER_WARM_UP_RUNS))) {
        long readyMs = (System.nanoTime() - t0) / 1_000_000;
        log.atInfo().setMessage("worker warmed").addKeyValue("worker", settings.workerId())
            .addKeyValue("model", loaded.model()).addKeyValue("start_to_warm_ms", readyMs)
            .addKeyValue("malloc_huge_pages", MallocTunables.hugePagesInEffect())
            .addKeyValue("ops", ops.url()).log();

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          CutoutWorker w = worker.get();
          early.compareAndSet(null, ExitReason.STOPPED);
          go.countDown();
          if (w != null) {
            w.requestStop(ExitReason.STOPPED);
            try {
              done.await();
            } catch (InterruptedException ignored) {
              Thread.currentThread().interrupt();
            }
          }
        }, "sigterm-drain"));

        // Everything that talks to the broker or the object store before joining, so that after GO
        // the only thing left is the group join itself (a short handover).
        Topics topics = new Topics(config);
        try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
          topics.ensureTopics(admin, Duration.ofSeconds(30));
        }
        ObjectStore store = ObjectStore.fromConfig(config);
        String cutouts = config.getString(CutflowConfig.BUCKET_CUTOUTS);
        store.ensureBucket(cutouts);

        Properties cp = KafkaClients.consumerProperties(config, null, settings.workerId());
        cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.queueCapacity()));
        // Sticky (eager) assignment: partitions stay with their owner across rebalances. Not the
        // cooperative protocol: a worker killed between its two cooperative rounds leaves the
        // partitions it was giving up unassigned until its static session times out.
        cp.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
            org.apache.kafka.clients.consumer.StickyAssignor.class.getName());
        if (settings.groupInstanceId() != null) {
          cp.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.groupInstanceId());
          // A static member that dies without a successor keeps its partitions (unconsumed) until
          // this passes; a supervisor replaces it sooner, under the same id, without a rebalance.
          cp.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(config.getInt(CutflowConfig.WORKER_STATIC_SESSION_TIMEOUT_MS)));
        }
        ExitReason reason;
        int finished;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp);
             KafkaProducer<String, String> producer =
                 new KafkaProducer<>(KafkaClients.producerProperties(config, settings.workerId()))) {
          // Built before READY too: its input buffers (tens of MB, zeroed) cost ~1 s on a busy machine.
          CutoutWorker w = new CutoutWorker(consumer, producer, store, loaded.remover(), loaded.session(),
              loaded.model(), new JobCodec(), topics, cutouts, config.getLong(CutflowConfig.IMAGE_MAX_BYTES),
              settings, workerMetrics);
          Properties rp = KafkaClients.consumerProperties(config, null, settings.workerId() + "-warm-up");
          rp.remove(ConsumerConfig.GROUP_ID_CONFIG); // a reader outside the group: it must not join
          rp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
          try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(rp)) {
            w.connect(reader, Duration.ofSeconds(10));
          }
          if (controlChannel) {
            workerMetrics.listener(new ControlLines(control));
            synchronized (control) {
              control.println("READY pid=" + ProcessHandle.current().pid() + " ops=" + ops.port() + " warm_ms="
                  + readyMs);
              control.flush();
            }
            startControlReader(worker, early, go, bye);
            go.await();
          }
          if (early.get() != null) {
            return early.get().exitCode();
          }
          worker.set(w);
          if (early.get() != null) {
            w.requestStop(early.get()); // a STOP that raced with the worker's creation
          }
          reason = w.run();
          producer.flush();
          finished = w.finishedCount();
        } // closed before EXIT: a static member's consumer leaves no group, and the successor may join now
        log.atInfo().setMessage("worker exiting").addKeyValue("worker", settings.workerId())
            .addKeyValue("reason", reason).addKeyValue("finished", finished).log();
        if (controlChannel) {
          synchronized (control) {
            control.println("EXIT reason=" + reason + " finished=" + finished + " last_commit_ms="
                + workerMetrics.lastCommitMillis() + " first_record_ms=" + workerMetrics.firstRecordMillis());
            control.flush();
          }
          // Stay until the successor has its first record (BYE): tearing down this process — freeing
          // the model's memory, the JVM's exit — would otherwise compete with its join for the cores.
          if (!bye.await(BYE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            log.atInfo().setMessage("no BYE from the supervisor; exiting anyway").addKeyValue("waited_ms", BYE_TIMEOUT_MS)
                .log();
          }
        }
        return reason.exitCode();
      }
    } finally {
      done.countDown();
    }
  }

  private static void startControlReader(AtomicReference<CutoutWorker> worker, AtomicReference<ExitReason> early,
                                         CountDownLatch go, CountDownLatch bye) {
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          switch (line.trim()) {
            case "GO" -> go.countDown();
            case "STOP" -> stop(worker, early, go, bye);
            case "BYE" -> bye.countDown();
            default -> log.atWarn().setMessage("unknown control command").addKeyValue("line", line).log();
          }
        }
      } catch (Exception e) {
        log.atWarn().setMessage("control channel failed").addKeyValue("error", e.toString()).log();
      }
      // EOF: the supervisor is gone. Drain and exit rather than run unsupervised.
      stop(worker, early, go, bye);
    }, "control");
    t.setDaemon(true);
    t.start();
  }

  private static void stop(AtomicReference<CutoutWorker> worker, AtomicReference<ExitReason> early,
                           CountDownLatch go, CountDownLatch bye) {
    early.compareAndSet(null, ExitReason.STOPPED);
    go.countDown();
    bye.countDown(); // a stop (supervisor shutting down or gone) ends the wait for a successor too
    CutoutWorker w = worker.get();
    if (w != null) {
      w.requestStop(ExitReason.STOPPED);
    }
  }

  /** Entry point for worker processes started by a supervisor: configuration from -D and environment. */
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
