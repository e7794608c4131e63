package io.cutflow.worker.supervisor;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.worker.service.ExitReason;
import io.cutflow.worker.service.MallocTunables;
import io.cutflow.worker.service.ResidentMemory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * autogroup of its own), so that it takes the cores its active sibling leaves idle rather than slowing
 * it; it is back at normal priority once ready, or as soon as its predecessor is within a fifth of its
 * quota or gone ({@code cutflow.supervisor.standby-boosts} counts those).
 *
 * <p>The worker side of the line protocol is {@link io.cutflow.worker.service.WorkerProcess}
 * ({@code --control-stdin}). All bookkeeping runs on one supervisor thread.
 *
 * <p>Metrics (in {@link #registry()}): {@code cutflow.supervisor.recycles.<reason>} counters
 * ({@code count}, {@code rss}), {@code cutflow.supervisor.crashes}, {@code cutflow.supervisor.handover-gap}
 * (timer, ms: the new worker's first record − the old worker's last commit),
 * {@code cutflow.supervisor.worker.rss.<slot>} (the active worker's resident memory, bytes),
 * {@code cutflow.supervisor.warm-up-cpu-ms} (histogram: CPU a worker process used from start to READY).
 */
public final class RecyclingSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecyclingSupervisor.class);
  static final String CRASHED = "CRASHED";
  /** Longest wait, after a worker becomes active, before its standby starts (sooner at its first record). */
  static final long STANDBY_START_DELAY_MS = 3000;

  private final CutflowConfig config;
  /** What the workers run with: {@code config} overlaid with the cutflow keys of the worker properties. */
  private final CutflowConfig workerConfig;
  private final SupervisorSettings settings;
  private final MetricRegistry registry;
  private final Path logDir;
  private final ScheduledExecutorService loop;
  private final List<Slot> slots = new ArrayList<>();
  private final StandbyPriority priority;

  // state below: supervisor thread only
  private final Map<String, Long> recycles = new LinkedHashMap<>();
  private final List<Long> gaps = new ArrayList<>();
  private final List<SupervisorStats.RetiredWorker> retired = new ArrayList<>();
  private final List<SupervisorStats.AssignmentEvent> assignments = new ArrayList<>();
  private final List<Long> warmUpCpu = new ArrayList<>();
  private long crashes;
  private long started;
  private boolean closing;
  private volatile SupervisorStats lastStats;

  private RecyclingSupervisor(CutflowConfig config, SupervisorSettings settings, MetricRegistry registry)
      throws IOException {
    this.config = config;
    Set<String> known = CutflowConfig.keys().stream().map(CutflowConfig.Key::name).collect(Collectors.toSet());
    // worker properties may also carry plain environment entries (tests' fakes): not settings
    this.workerConfig = config.withOverrides(settings.workerProperties().entrySet().stream()
        .filter(e -> known.contains(e.getKey())).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    this.settings = settings;
    this.registry = registry;
    this.logDir = settings.logDir() != null ? settings.logDir() : Files.createTempDirectory("cutflow-workers-");
    Files.createDirectories(logDir);
    this.priority = StandbyPriority.of(workerConfig.getInt(CutflowConfig.WORKER_STANDBY_NICE));
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "supervisor");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < settings.slots(); i++) {
      Slot slot = new Slot(i, settings.groupInstanceId(i));
      slots.add(slot);
      registry.register("cutflow.supervisor.worker.rss." + i, (Gauge<Long>) slot::activeRss);
    }
    registry.counter("cutflow.supervisor.crashes");
    registry.counter("cutflow.supervisor.standby-boosts");
  }

  /** Starts one worker per slot (each warms its model, then joins) and keeps them replaced until closed. */
  public static RecyclingSupervisor start(CutflowConfig config, SupervisorSettings settings) throws IOException {
    return start(config, settings, new MetricRegistry());
  }

  public static RecyclingSupervisor start(CutflowConfig config, SupervisorSettings settings, MetricRegistry registry)
      throws IOException {
    RecyclingSupervisor s = new RecyclingSupervisor(config, settings, registry);
    log.atInfo().setMessage("supervisor starting").addKeyValue("slots", settings.slots())
        .addKeyValue("recycle_after", settings.recycleAfter()).addKeyValue("max_rss_mb", settings.maxRssMb())
        .addKeyValue("warm_standby", settings.warmStandby())
        .addKeyValue("standby_nice", s.priority.available() ? s.priority.nice() : 0).addKeyValue("logs", s.logDir).log();
    if (!s.priority.available() && s.priority.nice() > 0 && settings.warmStandby()) {
      log.atInfo().setMessage("standbys warm at normal priority: no Linux autogroup here")
          .addKeyValue("config", CutflowConfig.WORKER_STANDBY_NICE.name()).log();
    }
    s.loop.execute(() -> s.slots.forEach(slot -> s.ensureProcess(slot)));
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
    } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
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

  // ------------------------------------------------------------------------------ slot logic

  /** One slot: a stable group.instance.id, the active worker and at most one standby. */
  private final class Slot {
    final int index;
    final String instanceId;
    Worker active;
    Worker standby;
    Worker leaving; // printed EXIT, waits for BYE until its successor has its first record
    boolean spawnPending;
    int crashesInARow;
    long predecessorLastCommitMs;
    int serials;

    Slot(int index, String instanceId) {
      this.index = index;
      this.instanceId = instanceId;
    }

    long activeRss() {
      Worker a = active;
      return a == null ? -1 : Math.max(-1, a.lastRss);
    }
  }

  /** Start a process for the slot if it lacks one: an active-to-be, or a standby when that is on. */
  private void ensureProcess(Slot slot) {
    if (closing || slot.standby != null || slot.spawnPending) {
      return;
    }
    if (slot.active != null && !settings.warmStandby()) {
      return;
    }
    long delay = slot.crashesInARow > 0 ? settings.backoff(slot.crashesInARow).toMillis() : 0;
    slot.spawnPending = true;
    if (delay > 0) {
      log.atInfo().setMessage("replacing crashed worker after backoff").addKeyValue("slot", slot.index)
          .addKeyValue("crashes_in_a_row", slot.crashesInARow).addKeyValue("backoff_ms", delay).log();
    }
    loop.schedule(() -> {
      try {
        spawn(slot);
      } catch (RuntimeException | Error e) {
        // A scheduled task's exception would vanish with it and leave the slot empty for good.
        slot.spawnPending = false;
        log.atError().setMessage("could not start a worker process; supervisor cannot fill the slot")
            .addKeyValue("slot", slot.index).setCause(e).log();
        throw e;
      }
    }, delay, TimeUnit.MILLISECONDS);
  }

  private void spawn(Slot slot) {
    slot.spawnPending = false;
    if (closing || slot.standby != null) {
      return;
    }
    int serial = ++slot.serials;
    Map<String, String> props = new LinkedHashMap<>(config.resolvedValues());
    props.putAll(settings.workerProperties());
    props.put(CutflowConfig.WORKER_GROUP_INSTANCE_ID.name(), slot.instanceId);
    props.put(CutflowConfig.WORKER_ID.name(), slot.instanceId + "-" + serial);
    props.put(CutflowConfig.WORKER_RECYCLE_AFTER.name(), Integer.toString(settings.recycleAfter()));
    props.put(CutflowConfig.WORKER_MAX_RSS_MB.name(), Long.toString(settings.maxRssMb()));
    props.put(CutflowConfig.WORKER_HTTP_PORT.name(), "0"); // two processes per slot: never a fixed port
    // Settings travel in the environment, not on the command line, where `ps` would show secrets.
    Map<String, String> env = new LinkedHashMap<>();
    props.forEach((k, v) -> env.put(CutflowConfig.Key.envName(k), v));
    MallocTunables.forWorker(workerConfig.getBoolean(CutflowConfig.WORKER_MALLOC_HUGE_PAGES),
        System.getenv(MallocTunables.ENV)).ifPresent(t -> env.put(MallocTunables.ENV, t));
    JavaProcess process;
    try {
      process = JavaProcess.builder(settings.mainClass())
          .name("worker-" + slot.index + "-" + serial)
          .jvmArgs(settings.jvmArgs().toArray(String[]::new))
          .env(env)
          .args("--control-stdin")
          .watchParent(false) // the worker reads stdin itself; EOF there already means "supervisor gone"
          .ownSession(priority.available()) // an autogroup of its own, whose priority we may change
          .pipeStdout(true)
          .logFile(logDir.resolve("slot-" + slot.index + "-" + serial + ".log"))
          .start();
    } catch (IOException e) {
      log.atError().setMessage("could not start a worker process").addKeyValue("slot", slot.index)
          .setCause(e).log();
      slot.crashesInARow++;
      crashes++;
      registry.counter("cutflow.supervisor.crashes").inc();
      ensureProcess(slot);
      return;
    }
    started++;
    Worker w = new Worker(slot, serial, process);
    slot.standby = w;
    log.atInfo().setMessage("worker process started").addKeyValue("slot", slot.index).addKeyValue("serial", serial)
        .addKeyValue("pid", process.pid()).addKeyValue("role", slot.active == null ? "next active" : "standby")
        .addKeyValue("log", process.logFile()).log();
    w.startReader();
    if (slot.active != null && priority.available() && process.ownSession()) {
      setLowered(w, true, 1);
    }
  }

  /**
   * Lowers a warming standby's CPU priority, or restores it. A write fails while the child has not
   * yet become a session leader, and unprivileged writes are rate-limited by the kernel (one per
   * 100 ms, machine-wide), so a failed one is retried for about a second.
   */
  private void setLowered(Worker w, boolean low, int attempt) {
    if (w.process.handle().isAlive() && w.lowered != low && !(low && (w.ready || w.slot.active == w))) {
      try {
        if (low) {
          priority.lower(w.process.pid());
        } else {
          priority.restore(w.process.pid());
        }
        w.lowered = low;
      } catch (IOException e) {
        if (attempt < 25) {
          loop.schedule(() -> setLowered(w, low, attempt + 1), 40, TimeUnit.MILLISECONDS);
        } else {
          log.atWarn().setMessage("could not change a worker's CPU priority").addKeyValue("slot", w.slot.index)
              .addKeyValue("pid", w.process.pid()).addKeyValue("nice", low ? priority.nice() : 0)
              .addKeyValue("error", e.toString()).log();
        }
      }
    }
  }

  /**
   * A standby still warming when its predecessor is near its quota (or gone) competes at normal
   * priority from then on: late is worse than slow.
   */
  private void boostIfLate(Slot slot, String why) {
    Worker s = slot.standby;
    if (s != null && s.lowered && !s.ready) {
      registry.counter("cutflow.supervisor.standby-boosts").inc();
      log.atInfo().setMessage("standby not warm yet; back to normal priority").addKeyValue("slot", slot.index)
          .addKeyValue("pid", s.process.pid()).addKeyValue("why", why).log();
      setLowered(s, false, 1);
    }
  }

  /** Within a fifth of its quota (at least one image), a worker's successor should be ready. */
  static boolean nearQuota(long finished, int recycleAfter) {
    return recycleAfter > 0 && finished >= recycleAfter - Math.max(1, recycleAfter / 5);
  }

  /** The standby takes over if the slot has no active worker and the standby is warm. */
  private void promote(Slot slot) {
    if (closing || slot.active != null || slot.standby == null || !slot.standby.ready) {
      return;
    }
    Worker w = slot.standby;
    slot.standby = null;
    slot.active = w;
    w.predecessorLastCommitMs = slot.predecessorLastCommitMs;
    slot.predecessorLastCommitMs = 0;
    w.goAtMs = System.currentTimeMillis();
    setLowered(w, false, 1); // normally done at READY already
    if (!w.process.send("GO")) {
      log.atWarn().setMessage("could not send GO; the worker is gone").addKeyValue("slot", slot.index)
          .addKeyValue("pid", w.process.pid()).log();
    }
    log.atInfo().setMessage("worker active").addKeyValue("slot", slot.index).addKeyValue("serial", w.serial)
        .addKeyValue("pid", w.process.pid()).addKeyValue("group_instance_id", slot.instanceId).log();
    // The next standby starts once this worker has its first record (FIRST_RECORD), or after a few
    // seconds without one: a JVM starting up during the join would compete with it for the cores.
    loop.schedule(() -> ensureProcess(slot), STANDBY_START_DELAY_MS, TimeUnit.MILLISECONDS);
  }

  /** The active worker has left (EXIT line or process exit, whichever first): account and hand over. */
  private void retire(Slot slot, Worker w, String reason) {
    if (w.retired) {
      return;
    }
    w.retired = true;
    if (slot.active == w) {
      slot.active = null;
    }
    boolean planned = reason.equals(ExitReason.RECYCLE_COUNT.name()) || reason.equals(ExitReason.RECYCLE_RSS.name());
    if (planned) {
      String key = reason.equals(ExitReason.RECYCLE_RSS.name()) ? "rss" : "count";
      recycles.merge(key, 1L, Long::sum);
      registry.counter("cutflow.supervisor.recycles." + key).inc();
      slot.crashesInARow = 0;
      slot.predecessorLastCommitMs = w.lastCommitMs;
    } else if (!closing) {
      crashes++;
      registry.counter("cutflow.supervisor.crashes").inc();
      long ranMs = System.currentTimeMillis() - (w.goAtMs > 0 ? w.goAtMs : System.currentTimeMillis());
      slot.crashesInARow = ranMs > 60_000 ? 1 : slot.crashesInARow + 1;
      slot.predecessorLastCommitMs = 0; // a crash has no orderly last commit: no handover gap to measure
      log.atWarn().setMessage("worker crashed; replacing it").addKeyValue("slot", slot.index)
          .addKeyValue("pid", w.process.pid()).addKeyValue("reason", reason)
          .addKeyValue("log_tail", w.process.logTail(15)).log();
    }
    log.atInfo().setMessage("worker left").addKeyValue("slot", slot.index).addKeyValue("serial", w.serial)
        .addKeyValue("pid", w.process.pid()).addKeyValue("reason", reason).addKeyValue("finished", w.finished)
        .addKeyValue("standby_ready", slot.standby != null && slot.standby.ready).log();
    promote(slot);
    if (slot.active == null) {
      boostIfLate(slot, "predecessor gone");
    }
    ensureProcess(slot);
  }

  private void onLine(Worker w, String line) {
    Slot slot = w.slot;
    Map<String, String> kv = parse(line);
    String verb = line.contains(" ") ? line.substring(0, line.indexOf(' ')) : line.trim();
    switch (verb) {
      case "READY" -> {
        w.ready = true;
        // CPU the process used to get here: on a machine whose cores the active workers keep busy,
        // this is what each recycle costs them.
        long cpuMs = w.process.handle().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
        if (cpuMs >= 0) {
          warmUpCpu.add(cpuMs);
          registry.histogram("cutflow.supervisor.warm-up-cpu-ms").update(cpuMs);
        }
        log.atInfo().setMessage("worker warm").addKeyValue("slot", slot.index).addKeyValue("serial", w.serial)
            .addKeyValue("pid", w.process.pid()).addKeyValue("warm_ms", kv.get("warm_ms"))
            .addKeyValue("cpu_ms", cpuMs).addKeyValue("warmed_at_low_priority", w.lowered).log();
        setLowered(w, false, 1); // idle until GO, and then the slot's active worker
        if (closing) {
          w.process.send("STOP");
        } else {
          promote(slot);
        }
      }
      case "FIRST_RECORD" -> {
        w.firstRecordMs = longOf(kv.get("ms"));
        if (w.predecessorLastCommitMs > 0 && w.firstRecordMs > 0) {
          long gap = Math.max(0, w.firstRecordMs - w.predecessorLastCommitMs);
          gaps.add(gap);
          registry.timer("cutflow.supervisor.handover-gap").update(gap, TimeUnit.MILLISECONDS);
          log.atInfo().setMessage("handover").addKeyValue("slot", slot.index).addKeyValue("gap_ms", gap).log();
        }
        if (slot.active == w) {
          sayBye(slot); // the handover is over: the predecessor may tear down now,
          ensureProcess(slot); // and the next standby start warming
        }
      }
      case "FINISHED" -> {
        if (slot.active == w) {
          long n = longOf(kv.get("n"));
          long rss = w.lastRss;
          if (nearQuota(n, settings.recycleAfter())) {
            boostIfLate(slot, "quota");
          } else if (settings.maxRssMb() > 0 && rss > 0 && rss > settings.maxRssMb() * 1024 * 1024 * 9 / 10) {
            boostIfLate(slot, "rss");
          }
        }
      }
      case "ASSIGNED", "REVOKED" -> {
        List<Integer> parts = kv.getOrDefault("partitions", "").isBlank() ? List.of()
            : Arrays.stream(kv.get("partitions").split(",")).map(Integer::valueOf).toList();
        int gen = kv.containsKey("gen") ? (int) longOf(kv.get("gen")) : -1;
        if (!w.exited) {
          assignments.add(new SupervisorStats.AssignmentEvent(System.currentTimeMillis(), slot.index, w.serial,
              w.process.pid(), verb.equals("REVOKED"), gen, parts));
        }
      }
      case "EXIT" -> {
        w.exited = true;
        w.exitReason = kv.getOrDefault("reason", "");
        w.finished = longOf(kv.get("finished"));
        w.lastCommitMs = longOf(kv.get("last_commit_ms"));
        if (w.firstRecordMs == 0) {
          w.firstRecordMs = longOf(kv.get("first_record_ms"));
        }
        // Hand over now: the old worker has committed and closed its consumer (a static member
        // leaves no group on close); it waits for BYE before tearing itself down.
        if (slot.active == w) {
          retire(slot, w, w.exitReason);
          if (slot.active != null && slot.active != w) {
            sayBye(slot);
            slot.leaving = w;
          } else {
            w.process.send("BYE"); // no successor running yet: nothing to keep out of the way of
          }
        }
      }
      default -> log.atDebug().setMessage("worker stdout").addKeyValue("slot", slot.index)
          .addKeyValue("line", line).log();
    }
  }

  /** Lets the slot's departing worker (if any) exit. */
  private void sayBye(Slot slot) {
    if (slot.leaving != null) {
      slot.leaving.process.send("BYE");
      slot.leaving = null;
    }
  }

  private void onProcessExit(Worker w, int code) {
    Slot slot = w.slot;
    w.exitCode = code;
    if (slot.leaving == w) {
      slot.leaving = null;
    }
    String reason;
    if (w.exited && !w.exitReason.isEmpty() && code == ExitReason.valueOf(orFatal(w.exitReason)).exitCode()) {
      reason = w.exitReason; // an orderly exit, as its EXIT line said
    } else if (code == ExitReason.RECYCLE_COUNT.exitCode()) {
      reason = ExitReason.RECYCLE_COUNT.name();
    } else if (code == ExitReason.RECYCLE_RSS.exitCode()) {
      reason = ExitReason.RECYCLE_RSS.name();
    } else if (code == ExitReason.STOPPED.exitCode()) {
      reason = ExitReason.STOPPED.name();
    } else if (code == ExitReason.FATAL.exitCode()) {
      reason = ExitReason.FATAL.name();
    } else {
      reason = CRASHED; // killed (137 = SIGKILL), out of memory, native crash
    }
    retired.add(new SupervisorStats.RetiredWorker(slot.index, w.serial, w.process.pid(), reason, code, w.finished,
        w.lastCommitMs, w.firstRecordMs, w.peakRss));
    if (slot.active == w) {
      retire(slot, w, reason);
    } else if (slot.standby == w) {
      slot.standby = null;
      if (!closing) {
        crashes++;
        registry.counter("cutflow.supervisor.crashes").inc();
        slot.crashesInARow++;
        log.atWarn().setMessage("standby worker died before taking over").addKeyValue("slot", slot.index)
            .addKeyValue("pid", w.process.pid()).addKeyValue("exit_code", code)
            .addKeyValue("log_tail", w.process.logTail(15)).log();
        ensureProcess(slot);
      }
    }
  }

  private static String orFatal(String reason) {
    try {
      ExitReason.valueOf(reason);
      return reason;
    } catch (IllegalArgumentException e) {
      return ExitReason.FATAL.name();
    }
  }

  private void sampleRss() {
    for (Slot slot : slots) {
      for (Worker w : new Worker[] {slot.active, slot.standby}) {
        if (w != null && w.process.isAlive()) {
          long rss = ResidentMemory.ofPid(w.process.pid());
          w.lastRss = rss;
          w.peakRss = Math.max(w.peakRss, rss);
        }
      }
    }
  }

  private SupervisorStats snapshot() {
    List<SupervisorStats.SlotState> states = new ArrayList<>();
    for (Slot s : slots) {
      states.add(new SupervisorStats.SlotState(s.index, s.instanceId, s.active == null ? -1 : s.active.process.pid(),
          s.standby == null ? -1 : s.standby.process.pid(), s.standby != null && s.standby.ready, s.activeRss()));
    }
    SupervisorStats st = new SupervisorStats(recycles, crashes, started, gaps, states, retired, assignments,
        warmUpCpu);
    lastStats = st;
    return st;
  }

  static Map<String, String> parse(String line) {
    Map<String, String> kv = new HashMap<>();
    for (String token : line.trim().split("\\s+")) {
      int eq = token.indexOf('=');
      if (eq > 0) {
        kv.put(token.substring(0, eq), token.substring(eq + 1));
      }
    }
    return kv;
  }

  private static long longOf(String v) {
    if (v == null) {
      return 0;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  // ------------------------------------------------------------------------------ one process

  private final class Worker {
    final Slot slot;
    final int serial;
    final JavaProcess process;
    boolean ready;
    boolean lowered; // its autogroup runs at the standby nice
    boolean exited;
    boolean retired;
    String exitReason = "";
    int exitCode = -1;
    long finished;
    long lastCommitMs;
    long firstRecordMs;
    long goAtMs;
    long predecessorLastCommitMs;
    volatile long lastRss = -1;
    long peakRss = -1;

    Worker(Slot slot, int serial, JavaProcess process) {
      this.slot = slot;
      this.serial = serial;
      this.process = process;
    }

    /** Reads control lines until EOF, then waits for the exit; everything is handled on the supervisor thread. */
    void startReader() {
      Thread t = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.stdout(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            String l = line;
            submit(() -> onLine(this, l));
          }
        } catch (IOException e) {
          // the pipe broke: the process is going away
        }
        int code;
        try {
          code = process.waitFor();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        submit(() -> onProcessExit(this, code));
      }, "worker-" + slot.index + "-" + serial + "-control");
      t.setDaemon(true);
      t.start();
    }
  }

  private void submit(Runnable r) {
    try {
      loop.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  // ------------------------------------------------------------------------------ shutdown

  /**
   * Stops every worker gracefully: {@code STOP} to each (the active ones drain and commit), waits up
   * to {@code stopTimeout} for them to exit, then kills what is left.
   */
  @Override
  public void close() {
    if (loop.isShutdown()) {
      return;
    }
    List<Worker> all = new ArrayList<>();
    try {
      loop.submit(() -> {
        closing = true;
        for (Slot s : slots) {
          sayBye(s);
          for (Worker w : new Worker[] {s.active, s.standby}) {
            if (w != null) {
              all.add(w);
              w.process.send("STOP"); // a standby that is still loading reads it once warm and exits
            }
          }
        }
      }).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.atWarn().setMessage("supervisor loop did not answer; killing workers").log();
    }
    long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
    for (Worker w : all) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!w.process.waitFor(Duration.ofNanos(left))) {
          log.atWarn().setMessage("worker did not stop in time; killing it").addKeyValue("pid", w.process.pid()).log();
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
    log.atInfo().setMessage("supervisor stopped").addKeyValue("summary", lastStats == null ? "" : lastStats.summary())
        .log();
  }
}
