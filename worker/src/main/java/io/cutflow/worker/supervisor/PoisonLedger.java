package io.cutflow.worker.supervisor;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often each record has killed a worker: a record in flight (reported {@code TAKEN}, not yet
 * {@code DONE}) in a worker that dies without {@code EXIT} gets one crash more. Workers learn the
 * ledger as {@code SUSPECT} lines ({@link #onChange}); they run a suspect alone, and fail one past
 * {@code cutflow.worker.crash-retries} as {@code worker_crashed} without processing it.
 *
 * <p>A record is its (partition, offset) on the jobs topic, which is fixed per deployment. The
 * ledger lives in the supervisor's memory: a supervisor restart forgets it, and the bound starts
 * again. A suspect under the bound that then comes through ({@code DONE}) is forgotten; one past it
 * is kept (its failure's offset may not be committed yet, and a redelivery must fail it again). At
 * most {@link #MAX_ENTRIES} are kept, the oldest forgotten first. Supervisor thread only.
 */
final class PoisonLedger {
  private static final Logger log = LoggerFactory.getLogger(PoisonLedger.class);
  static final int MAX_ENTRIES = 1000;

  /** A record of the jobs topic. */
  record Position(int partition, long offset) {
    @Override
    public String toString() {
      return partition + "@" + offset;
    }
  }

  /** A suspect: {@code crashes} workers died with it in flight, the last one of {@code cause}. */
  record Entry(Position position, int crashes, CrashCause cause) {
    ControlMessage.Suspect message() {
      return new ControlMessage.Suspect(
          position.partition(), position.offset(), crashes, cause == null ? "" : cause.describe());
    }

    SupervisorStats.Suspect stats() {
      return new SupervisorStats.Suspect(
          position.partition(),
          position.offset(),
          crashes,
          cause == null ? 0 : cause.exitCode(),
          cause == null ? 0 : cause.signal(),
          cause == null ? "" : cause.describe());
    }
  }

  private final int retries;
  private final Map<Position, Entry> entries = new LinkedHashMap<>();
  private final Counter recordCrashes;
  private Consumer<List<ControlMessage.Suspect>> onChange = changed -> {};
  // what the gauges read: the metrics reporter runs on another thread than the map's
  private volatile int size;
  private volatile int pastBoundCount;
  private volatile int maxCrashes;

  /**
   * @param retries {@code cutflow.worker.crash-retries}: a record with more crashes is failed
   */
  PoisonLedger(int retries, MetricRegistry registry) {
    this.retries = retries;
    this.recordCrashes = registry.counter("cutflow.supervisor.record-crashes");
    registry.register("cutflow.supervisor.suspects", (Gauge<Integer>) () -> size);
    registry.register(
        "cutflow.supervisor.suspects.past-bound", (Gauge<Integer>) () -> pastBoundCount);
    registry.register("cutflow.supervisor.suspects.max-crashes", (Gauge<Integer>) () -> maxCrashes);
  }

  int retries() {
    return retries;
  }

  /** Who hears of every change (the supervisor: it tells every ready worker). */
  void onChange(Consumer<List<ControlMessage.Suspect>> listener) {
    this.onChange = listener;
  }

  boolean pastBound(Entry e) {
    return e.crashes() > retries;
  }

  /** A worker died of {@code cause} holding {@code inFlight}: each gets a crash more. */
  List<Entry> crash(Collection<Position> inFlight, CrashCause cause) {
    List<Entry> charged = new ArrayList<>();
    for (Position p : inFlight) {
      Entry old = entries.remove(p); // re-inserted: the most recent crash is the youngest entry
      Entry e = new Entry(p, old == null ? 1 : old.crashes() + 1, cause);
      entries.put(p, e);
      charged.add(e);
      recordCrashes.inc();
      if (pastBound(e) && (old == null || !pastBound(old))) {
        log.atError()
            .setMessage("record killed workers too often; workers will fail it as worker_crashed")
            .addKeyValue("partition", p.partition())
            .addKeyValue("offset", p.offset())
            .addKeyValue("crashes", e.crashes())
            .addKeyValue("crash_retries", retries)
            .addKeyValue("last_crash", cause.describe())
            .log();
      }
    }
    List<ControlMessage.Suspect> changed =
        new ArrayList<>(charged.stream().map(Entry::message).toList());
    changed.addAll(evictOldest());
    refreshGauges();
    if (!changed.isEmpty()) {
      onChange.accept(changed);
    }
    return charged;
  }

  /**
   * {@code w} published the result of the record at {@code p}: a suspect under the bound is
   * cleared.
   */
  void done(SupervisedWorker w, Position p) {
    w.taken.remove(p);
    Entry e = entries.get(p);
    if (e != null && !pastBound(e)) {
      entries.remove(p);
      refreshGauges();
      log.atInfo()
          .setMessage("suspect record came through alone; no longer a suspect")
          .addKeyValue("partition", p.partition())
          .addKeyValue("offset", p.offset())
          .addKeyValue("crashes", e.crashes())
          .log();
      onChange.accept(List.of(cleared(p)));
    }
  }

  /** Every suspect, oldest crash first: what a worker must know before {@code GO}. */
  List<ControlMessage.Suspect> messages() {
    return entries.values().stream().map(Entry::message).toList();
  }

  List<SupervisorStats.Suspect> snapshot() {
    return entries.values().stream().map(Entry::stats).toList();
  }

  private List<ControlMessage.Suspect> evictOldest() {
    List<ControlMessage.Suspect> evicted = new ArrayList<>();
    Iterator<Position> it = entries.keySet().iterator();
    while (entries.size() > MAX_ENTRIES && it.hasNext()) {
      Position p = it.next();
      it.remove();
      evicted.add(cleared(p));
    }
    return evicted;
  }

  private static ControlMessage.Suspect cleared(Position p) {
    return new ControlMessage.Suspect(p.partition(), p.offset(), 0, "");
  }

  private void refreshGauges() {
    size = entries.size();
    pastBoundCount = (int) entries.values().stream().filter(this::pastBound).count();
    maxCrashes = entries.values().stream().mapToInt(Entry::crashes).max().orElse(0);
  }
}
