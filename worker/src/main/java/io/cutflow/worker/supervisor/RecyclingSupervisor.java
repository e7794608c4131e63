package io.cutflow.worker.supervisor;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs worker <em>processes</em> in K slots and replaces them: after their quota of images or at
 * their memory ceiling (a planned recycle), or when they crash.
 *
 * <p>Per slot there is an active worker and, with {@code warmStandby}, a standby: a second process,
 * started once the active one has taken its first record (not during its join), which loads and
 * warms the model and then waits (it has printed {@code READY} and not yet been sent {@code GO}).
 * When the active worker has drained and committed — its {@code EXIT} line — the standby gets
 * {@code GO} and joins the consumer group with the slot's {@code group.instance.id}: Kafka's static
 * membership hands it its predecessor's partitions without a rebalance, so no other slot's
 * partitions move. A worker that crashes is replaced the same way (the standby, if warm, at once;
 * otherwise a new process after a backoff that doubles per crash in a row, capped).
 *
 * <p>A standby warms at a low CPU priority ({@link StandbyPriority}: each worker in a session and
 * autogroup of its own), so that it takes the cores its active sibling leaves idle rather than
 * slowing it; it is back at normal priority once ready, or as soon as its predecessor is within a
 * fifth of its quota or gone ({@code cutflow.supervisor.standby-boosts} counts those).
 *
 * <p>The line protocol is {@link ControlMessage}; its worker side is {@link
 * io.cutflow.worker.service.WorkerProcess} ({@code --control-stdin}). This class is the loop: one
 * supervisor thread runs every {@link Slot}'s state machine, {@link WorkerLauncher} starts the
 * processes and {@link SupervisorTally} counts.
 *
 * <p>Metrics (in {@link #registry()}): {@code cutflow.supervisor.recycles.<reason>} counters
 * ({@code count}, {@code rss}), {@code cutflow.supervisor.crashes}, {@code
 * cutflow.supervisor.handover-gap} (timer, ms: the new worker's first record − the old worker's
 * last commit), {@code cutflow.supervisor.worker.rss.<slot>} (the active worker's resident memory,
 * bytes), {@code cutflow.supervisor.warm-up-cpu-ms} (histogram: CPU a worker process used from
 * start to READY), {@code cutflow.supervisor.start-to-ready} (timer: wall time from starting it to
 * READY), and from the {@link PoisonLedger}: {@code cutflow.supervisor.record-crashes} (counter: a
 * record in flight in a worker that crashed, once per record and crash), {@code
 * cutflow.supervisor.suspects} (records in the ledger), {@code
 * cutflow.supervisor.suspects.past-bound} (of those, the ones workers now fail as {@code
 * worker_crashed}) and {@code cutflow.supervisor.suspects.max-crashes}.
 *
 * <p>Poison records: workers report each record they take and finish ({@code TAKEN}, {@code DONE});
 * when one dies without {@code EXIT}, the records it held get a crash each in the ledger, which
 * every ready worker (and each new one, before {@code GO}) learns as {@code SUSPECT} lines. A
 * worker runs a suspect alone, and fails one that has crashed more than {@code
 * cutflow.worker.crash-retries} workers instead of running it.
 */
public final class RecyclingSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecyclingSupervisor.class);
  static final String CRASHED = SupervisedWorker.CRASHED;

  /**
   * Longest wait, after a worker becomes active, before its standby starts (sooner at its first
   * record).
   */
  static final long STANDBY_START_DELAY_MS = 3000;

  private final SupervisorSettings settings;
  private final String workerPorts; // for the start log: a fixed range or "ephemeral"
  private final MetricRegistry registry;
  // supervisor thread only
  private Consumer<List<WorkerEndpoint>> endpointListener;
  private List<WorkerEndpoint> lastEndpoints;
  private final Path logDir;
  private final ScheduledExecutorService loop;
  private final List<Slot> slots = new ArrayList<>();
  private final StandbyPriority priority;
  private final SupervisorTally tally; // supervisor thread only
  private final PoisonLedger ledger; // supervisor thread only
  private boolean closing; // supervisor thread only
  private volatile SupervisorStats lastStats;

  private RecyclingSupervisor(
      CutflowConfig config, SupervisorSettings settings, MetricRegistry registry)
      throws IOException {
    Set<String> known =
        CutflowConfig.keys().stream().map(ConfigKey::name).collect(Collectors.toSet());
    // What the workers run with: config overlaid with the cutflow keys of the worker properties,
    // which may also carry plain environment entries (tests' fakes): not settings.
    CutflowConfig workerConfig =
        config.withOverrides(
            settings.workerProperties().entrySet().stream()
                .filter(e -> known.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    this.settings = settings;
    this.registry = registry;
    this.logDir =
        settings.logDir() != null
            ? settings.logDir()
            : Files.createTempDirectory("cutflow-workers-");
    Files.createDirectories(logDir);
    this.priority = StandbyPriority.of(workerConfig.getInt(WorkerConfig.STANDBY_NICE));
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "supervisor");
              t.setDaemon(true);
              return t;
            });
    this.tally = new SupervisorTally(registry);
    this.ledger = new PoisonLedger(workerConfig.getInt(WorkerConfig.CRASH_RETRIES), registry);
    // Every ready worker hears of every change: partitions move between slots on a rebalance.
    ledger.onChange(changed -> readyWorkers().forEach(w -> changed.forEach(w::send)));
    WorkerLauncher launcher = new WorkerLauncher(config, workerConfig, settings, logDir);
    this.workerPorts = launcher.ports().describe();
    StandbyLowering lowering = new StandbyLowering(priority, loop, settings, tally);
    for (int i = 0; i < settings.slots(); i++) {
      Slot slot = new Slot(i, settings, loop, launcher, lowering, tally, ledger, () -> closing);
      slots.add(slot);
      SupervisorTally.slotMetrics(registry, i, slot::activeRss, settings.maxRssMb());
    }
  }

  /**
   * Starts one worker per slot (each warms its model, then joins) and keeps them replaced until
   * closed.
   */
  public static RecyclingSupervisor start(CutflowConfig config, SupervisorSettings settings)
      throws IOException {
    return start(config, settings, new MetricRegistry());
  }

  public static RecyclingSupervisor start(
      CutflowConfig config, SupervisorSettings settings, MetricRegistry registry)
      throws IOException {
    RecyclingSupervisor s = new RecyclingSupervisor(config, settings, registry);
    log.atInfo()
        .setMessage("supervisor starting")
        .addKeyValue("slots", settings.slots())
        .addKeyValue("recycle_after", settings.recycleAfter())
        .addKeyValue("max_rss_mb", settings.maxRssMb())
        .addKeyValue("warm_standby", settings.warmStandby())
        .addKeyValue("standby_nice", s.priority.available() ? s.priority.nice() : 0)
        .addKeyValue("worker_ports", s.workerPorts)
        .addKeyValue("logs", s.logDir)
        .log();
    if (!s.priority.available() && s.priority.nice() > 0 && settings.warmStandby()) {
      log.atInfo()
          .setMessage("standbys warm at normal priority: no Linux autogroup here")
          .addKeyValue("config", WorkerConfig.STANDBY_NICE.name())
          .log();
    }
    s.loop.execute(() -> s.slots.forEach(Slot::ensureProcess));
    s.loop.scheduleWithFixedDelay(s::sampleRss, 1, 1, TimeUnit.SECONDS);
    return s;
  }

  public MetricRegistry registry() {
    return registry;
  }

  public SupervisorSettings settings() {
    return settings;
  }

  /** Where each worker's log goes. */
  public Path logDir() {
    return logDir;
  }

  /** A snapshot; after {@link #close()}, the final one. */
  public SupervisorStats stats() {
    if (loop.isShutdown()) {
      return lastStats != null ? lastStats : snapshot();
    }
    try {
      return loop.submit(this::snapshot).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      return lastStats != null ? lastStats : snapshot();
    }
  }

  /** True when every slot has an active worker that has joined (received GO). */
  public boolean allActive() {
    return stats().slots().stream().allMatch(s -> s.activePid() > 0);
  }

  /** Waits until every slot has an active worker; false on timeout. */
  public boolean awaitActive(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (allActive()) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  /**
   * A live worker's operations endpoint (its {@code /metrics}), from its {@code READY}.
   *
   * @param role {@code active} or {@code standby}
   */
  public record WorkerEndpoint(int slot, String workerId, int opsPort, String role) {}

  /**
   * Calls {@code listener} (on the supervisor thread) with every live worker's endpoint whenever
   * that set changes: a worker said READY, became active, or exited. Recycling starts replacements
   * on new ports; this is how a scrape configuration follows them.
   */
  public void onEndpoints(Consumer<List<WorkerEndpoint>> listener) {
    loop.execute(
        () -> {
          endpointListener = listener;
          lastEndpoints = null;
          publishEndpoints();
        });
  }

  private void publishEndpoints() {
    List<WorkerEndpoint> now = new ArrayList<>();
    for (Slot slot : slots) {
      for (SupervisedWorker w : new SupervisedWorker[] {slot.active, slot.standby}) {
        if (w != null && w.ready && w.opsPort > 0 && !w.retired) {
          now.add(
              new WorkerEndpoint(
                  slot.index,
                  slot.instanceId + "-" + w.serial,
                  w.opsPort,
                  w == slot.active ? "active" : "standby"));
        }
      }
    }
    if (endpointListener != null && !now.equals(lastEndpoints)) {
      lastEndpoints = now;
      try {
        endpointListener.accept(List.copyOf(now));
      } catch (RuntimeException e) {
        log.atWarn().setMessage("endpoint listener failed").setCause(e).log();
      }
    }
  }

  private void sampleRss() {
    publishEndpoints();
    for (Slot slot : slots) {
      for (SupervisedWorker w : new SupervisedWorker[] {slot.active, slot.standby}) {
        if (w != null) {
          w.sampleRss();
        }
      }
    }
  }

  /**
   * Active and standby workers that have said READY, so read their stdin: a line to one that is
   * still loading would wait in the pipe, and enough of them would block this thread.
   */
  private List<SupervisedWorker> readyWorkers() {
    List<SupervisedWorker> out = new ArrayList<>();
    for (Slot slot : slots) {
      for (SupervisedWorker w : new SupervisedWorker[] {slot.active, slot.standby}) {
        if (w != null && w.ready) {
          out.add(w);
        }
      }
    }
    return out;
  }

  private SupervisorStats snapshot() {
    SupervisorStats st =
        tally.snapshot(slots.stream().map(Slot::state).toList(), ledger.snapshot());
    lastStats = st;
    return st;
  }

  /**
   * Stops every worker gracefully: {@code STOP} to each (the active ones drain and commit), waits
   * up to {@code stopTimeout} for them to exit, then kills what is left.
   */
  @Override
  public void close() {
    if (loop.isShutdown()) {
      return;
    }
    List<SupervisedWorker> all = new ArrayList<>();
    List<SupervisedWorker> warming = new ArrayList<>();
    try {
      loop.submit(
              () -> {
                closing = true;
                for (Slot s : slots) {
                  s.sayBye();
                  for (SupervisedWorker w : new SupervisedWorker[] {s.active, s.standby}) {
                    if (w != null) {
                      all.add(w);
                      w.send(ControlMessage.STOP);
                      if (w == s.standby && !w.ready) {
                        // it would read STOP only once warm (a minute on a busy machine), and it
                        // holds no records: SIGTERM now
                        warming.add(w);
                      }
                    }
                  }
                }
              })
          .get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.atWarn().setMessage("supervisor loop did not answer; killing workers").log();
    }
    warming.forEach(w -> w.process.destroy(Duration.ofSeconds(5)));
    long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
    for (SupervisedWorker w : all) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!w.process.waitFor(Duration.ofNanos(left))) {
          log.atWarn()
              .setMessage("worker did not stop in time; killing it")
              .addKeyValue("pid", w.process.pid())
              .log();
          w.process.destroy(Duration.ofSeconds(5));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        w.process.destroy(Duration.ofSeconds(1));
      }
    }
    // let the readers report the exits, then take the final snapshot
    try {
      Thread.sleep(200);
      loop.submit(this::snapshot).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // keep the last snapshot
    }
    loop.shutdownNow();
    log.atInfo()
        .setMessage("supervisor stopped")
        .addKeyValue("summary", lastStats == null ? "" : lastStats.summary())
        .log();
  }
}
