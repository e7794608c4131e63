package io.cutflow.worker.supervisor;

import io.cutflow.common.process.JavaProcess;
import io.cutflow.worker.service.ExitReason;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One slot's state machine: a stable group.instance.id, its active worker, at most one standby and
 * at most one leaving worker (sent EXIT, waits for BYE until its successor has its first record).
 * It reacts to its workers' {@link ControlMessage}s and exits; supervisor thread only.
 */
final class Slot {
  private static final Logger log = LoggerFactory.getLogger(Slot.class);

  final int index;
  final String instanceId;
  private final SupervisorSettings settings;
  private final ScheduledExecutorService loop;
  private final WorkerLauncher launcher;
  private final StandbyLowering lowering;
  private final SupervisorTally tally;
  private final PoisonLedger ledger;
  private final BooleanSupplier closing;

  SupervisedWorker active;
  SupervisedWorker standby;
  private SupervisedWorker leaving;
  private boolean spawnPending;
  private int crashesInARow;
  private long predecessorLastCommitMs;
  private int serials;

  Slot(
      int index,
      SupervisorSettings settings,
      ScheduledExecutorService loop,
      WorkerLauncher launcher,
      StandbyLowering lowering,
      SupervisorTally tally,
      PoisonLedger ledger,
      BooleanSupplier closing) {
    this.index = index;
    this.instanceId = settings.groupInstanceId(index);
    this.settings = settings;
    this.loop = loop;
    this.launcher = launcher;
    this.lowering = lowering;
    this.tally = tally;
    this.ledger = ledger;
    this.closing = closing;
  }

  long activeRss() {
    SupervisedWorker a = active;
    return a == null ? -1 : Math.max(-1, a.lastRss);
  }

  SupervisorStats.SlotState state() {
    return new SupervisorStats.SlotState(
        index,
        instanceId,
        active == null ? -1 : active.pid(),
        standby == null ? -1 : standby.pid(),
        standby != null && standby.ready,
        activeRss());
  }

  /** Start a process if the slot lacks one: an active-to-be, or a standby when that is on. */
  void ensureProcess() {
    if (closing.getAsBoolean() || standby != null || spawnPending) {
      return;
    }
    if (active != null && !settings.warmStandby()) {
      return;
    }
    long delay = crashesInARow > 0 ? settings.backoff(crashesInARow).toMillis() : 0;
    spawnPending = true;
    if (delay > 0) {
      log.atInfo()
          .setMessage("replacing crashed worker after backoff")
          .addKeyValue("slot", index)
          .addKeyValue("crashes_in_a_row", crashesInARow)
          .addKeyValue("backoff_ms", delay)
          .log();
    }
    loop.schedule(
        () -> {
          try {
            spawn();
          } catch (RuntimeException | Error e) {
            // A scheduled task's exception would vanish with it and leave the slot empty for good.
            spawnPending = false;
            log.atError()
                .setMessage("could not start a worker process; supervisor cannot fill the slot")
                .addKeyValue("slot", index)
                .setCause(e)
                .log();
            throw e;
          }
        },
        delay,
        TimeUnit.MILLISECONDS);
  }

  private void spawn() {
    spawnPending = false;
    if (closing.getAsBoolean() || standby != null) {
      return;
    }
    int serial = ++serials;
    JavaProcess process;
    try {
      process = launcher.launch(index, instanceId, serial);
    } catch (IOException e) {
      log.atError()
          .setMessage("could not start a worker process")
          .addKeyValue("slot", index)
          .setCause(e)
          .log();
      crashesInARow++;
      tally.crash(index);
      ensureProcess();
      return;
    }
    tally.started();
    SupervisedWorker w = new SupervisedWorker(index, serial, process);
    standby = w;
    log.atInfo()
        .setMessage("worker process started")
        .addKeyValue("slot", index)
        .addKeyValue("serial", serial)
        .addKeyValue("pid", process.pid())
        .addKeyValue("role", active == null ? "next active" : "standby")
        .addKeyValue("log", process.logFile())
        .log();
    w.startReader(this::submit, m -> onMessage(w, m), code -> onProcessExit(w, code));
    if (active != null && lowering.available() && process.ownSession()) {
      lower(w, true);
    }
  }

  private void submit(Runnable r) {
    try {
      loop.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  private void lower(SupervisedWorker w, boolean low) {
    lowering.set(w, low, () -> active == w);
  }

  private void boostIfLate(String why) {
    lowering.boostIfLate(standby, why);
  }

  /** The standby takes over if the slot has no active worker and the standby is warm. */
  private void promote() {
    if (closing.getAsBoolean() || active != null || standby == null || !standby.ready) {
      return;
    }
    SupervisedWorker w = standby;
    standby = null;
    active = w;
    w.predecessorLastCommitMs = predecessorLastCommitMs;
    predecessorLastCommitMs = 0;
    w.goAtMs = System.currentTimeMillis();
    lower(w, false); // normally done at READY already
    // Before GO: the partitions it gets may hold records that killed a worker (of any slot).
    ledger.messages().forEach(w::send);
    if (!w.send(ControlMessage.GO)) {
      log.atWarn()
          .setMessage("could not send GO; the worker is gone")
          .addKeyValue("slot", index)
          .addKeyValue("pid", w.pid())
          .log();
    }
    log.atInfo()
        .setMessage("worker active")
        .addKeyValue("slot", index)
        .addKeyValue("serial", w.serial)
        .addKeyValue("pid", w.pid())
        .addKeyValue("group_instance_id", instanceId)
        .log();
    // The next standby starts once this worker has its first record (FIRST_RECORD), or after a few
    // seconds without one: a JVM starting up during the join would compete with it for the cores.
    loop.schedule(
        this::ensureProcess, RecyclingSupervisor.STANDBY_START_DELAY_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * The active worker has left (EXIT line or process exit, whichever first): account, hand over.
   */
  private void retire(SupervisedWorker w, String reason, CrashCause cause) {
    if (w.retired) {
      return;
    }
    w.retired = true;
    if (active == w) {
      active = null;
    }
    boolean rss = reason.equals(ExitReason.RECYCLE_RSS.name());
    if (rss || reason.equals(ExitReason.RECYCLE_COUNT.name())) {
      tally.recycle(rss ? "rss" : "count");
      crashesInARow = 0;
      predecessorLastCommitMs = w.lastCommitMs;
    } else if (reason.equals(ExitReason.STOPPED.name()) && !closing.getAsBoolean()) {
      // Stopped from outside (a SIGTERM to this worker alone): it drained and committed as a
      // recycled worker does, so it is replaced at once, with no crash counted and no backoff.
      crashesInARow = 0;
      predecessorLastCommitMs = w.lastCommitMs;
      log.atWarn()
          .setMessage("worker stopped by a signal from outside the supervisor; replacing it")
          .addKeyValue("slot", index)
          .addKeyValue("serial", w.serial)
          .addKeyValue("pid", w.pid())
          .log();
    } else if (!closing.getAsBoolean()) {
      tally.crash(index);
      long now = System.currentTimeMillis();
      long ranMs = now - (w.goAtMs > 0 ? w.goAtMs : now);
      crashesInARow = ranMs > 60_000 ? 1 : crashesInARow + 1;
      predecessorLastCommitMs = 0; // a crash has no orderly last commit: no handover gap to measure
      CrashCause.logReplacing(log, index, w, reason, cause);
    }
    log.atInfo()
        .setMessage("worker left")
        .addKeyValue("slot", index)
        .addKeyValue("serial", w.serial)
        .addKeyValue("pid", w.pid())
        .addKeyValue("reason", reason)
        .addKeyValue("finished", w.finished)
        .addKeyValue("standby_ready", standby != null && standby.ready)
        .log();
    promote();
    if (active == null) {
      boostIfLate("predecessor gone");
    }
    ensureProcess();
  }

  void onMessage(SupervisedWorker w, ControlMessage message) {
    if (message instanceof ControlMessage.Ready r) {
      onReady(w, r);
    } else if (message instanceof ControlMessage.FirstRecord f) {
      onFirstRecord(w, f);
    } else if (message instanceof ControlMessage.Finished f) {
      onFinished(w, f);
    } else if (message instanceof ControlMessage.Assigned a) {
      assignment(w, false, a.generation(), a.partitions());
    } else if (message instanceof ControlMessage.Revoked r) {
      assignment(w, true, -1, r.partitions());
    } else if (message instanceof ControlMessage.Taken t) {
      w.taken.add(new PoisonLedger.Position(t.partition(), t.offset()));
    } else if (message instanceof ControlMessage.Done d) {
      ledger.done(w, new PoisonLedger.Position(d.partition(), d.offset()));
    } else if (message instanceof ControlMessage.Exit e) {
      onExit(w, e);
    } else {
      unexpected(w, message); // GO, STOP, BYE go the other way
    }
  }

  private void onFinished(SupervisedWorker w, ControlMessage.Finished finished) {
    String why = active == w ? lowering.leavingSoon(finished.count(), w.lastRss) : null;
    if (why != null) {
      boostIfLate(why);
    }
  }

  private void unexpected(SupervisedWorker w, ControlMessage message) {
    log.atDebug()
        .setMessage("worker stdout")
        .addKeyValue("slot", index)
        .addKeyValue("line", message.encode())
        .log();
  }

  private void onReady(SupervisedWorker w, ControlMessage.Ready ready) {
    w.ready = true;
    w.opsPort = ready.opsPort();
    // CPU the process used to get here: on a machine whose cores the active workers keep busy,
    // this is what each recycle costs them.
    long cpuMs = w.process.handle().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
    if (cpuMs >= 0) {
      tally.warmUpCpu(cpuMs);
    }
    long startToReadyMs = (System.nanoTime() - w.startedNanos) / 1_000_000;
    tally.startToReady(startToReadyMs);
    log.atInfo()
        .setMessage("worker warm")
        .addKeyValue("slot", index)
        .addKeyValue("serial", w.serial)
        .addKeyValue("pid", w.pid())
        .addKeyValue("warm_ms", ready.warmMs())
        .addKeyValue("start_to_ready_ms", startToReadyMs)
        .addKeyValue("cpu_ms", cpuMs)
        .addKeyValue("warmed_at_low_priority", w.lowered)
        .log();
    lower(w, false); // idle until GO, and then the slot's active worker
    if (closing.getAsBoolean()) {
      w.send(ControlMessage.STOP);
    } else {
      promote();
    }
  }

  private void onFirstRecord(SupervisedWorker w, ControlMessage.FirstRecord first) {
    w.firstRecordMs = first.epochMillis();
    if (w.predecessorLastCommitMs > 0 && w.firstRecordMs > 0) {
      long gap = Math.max(0, w.firstRecordMs - w.predecessorLastCommitMs);
      tally.handoverGap(gap);
      log.atInfo()
          .setMessage("handover")
          .addKeyValue("slot", index)
          .addKeyValue("gap_ms", gap)
          .log();
    }
    if (active == w) {
      sayBye(); // the handover is over: the predecessor may tear down now,
      ensureProcess(); // and the next standby start warming
    }
  }

  private void assignment(
      SupervisedWorker w, boolean revoked, int gen, java.util.List<Integer> partitions) {
    if (!w.exited) {
      tally.assignment(
          new SupervisorStats.AssignmentEvent(
              System.currentTimeMillis(), index, w.serial, w.pid(), revoked, gen, partitions));
    }
  }

  private void onExit(SupervisedWorker w, ControlMessage.Exit exit) {
    w.exited = true;
    w.exitReason = exit.reason();
    w.finished = exit.finished();
    w.lastCommitMs = exit.lastCommitMs();
    if (w.firstRecordMs == 0) {
      w.firstRecordMs = exit.firstRecordMs();
    }
    // Hand over now: the old worker has committed and closed its consumer (a static member
    // leaves no group on close); it waits for BYE before tearing itself down.
    if (active == w) {
      retire(w, exit.reason() == null ? "" : exit.reason().name(), null);
      if (active != null && active != w) {
        sayBye();
        leaving = w;
      } else {
        w.send(ControlMessage.BYE); // no successor running yet: nothing to keep out of the way of
      }
    }
  }

  /** Lets the slot's departing worker (if any) exit. */
  void sayBye() {
    if (leaving != null) {
      leaving.send(ControlMessage.BYE);
      leaving = null;
    }
  }

  void onProcessExit(SupervisedWorker w, int code) {
    if (leaving == w) {
      leaving = null;
    }
    String reason = w.exitReasonFor(code);
    // No EXIT and no shutdown: a crash (OOM kill, native crash, SIGKILL...), charged to what it
    // held.
    CrashCause cause = !w.exited && !closing.getAsBoolean() ? CrashCause.of(w, code) : null;
    if (cause != null && !w.taken.isEmpty()) {
      ledger.crash(w.taken, cause);
    }
    tally.retired(w.retired(reason, code, cause));
    if (active == w) {
      retire(w, reason, cause);
    } else if (standby == w) {
      standby = null;
      if (!closing.getAsBoolean()) {
        tally.crash(index);
        crashesInARow++;
        log.atWarn()
            .setMessage("standby worker died before taking over")
            .addKeyValue("slot", index)
            .addKeyValue("pid", w.pid())
            .addKeyValue("exit_code", code)
            .addKeyValue("cause", cause == null ? "" : cause.describe())
            .addKeyValue("log_tail", w.process.logTail(15))
            .log();
        ensureProcess();
      }
    }
  }
}
