package io.cutflow.worker.supervisor;

import io.cutflow.worker.WorkerConfig;
import java.util.BitSet;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Ops ports of a supervisor's worker processes. Base 0: each worker takes an ephemeral port (the
 * default; several supervisors may share a host). Base above 0: workers take ports from the fixed
 * pool {@code [base, base + 3 × slots)} so that a scraper outside the host (a container's
 * Prometheus) finds them; three per slot because an active worker, its warm standby and a draining
 * predecessor can run at the same time. A port is held from {@link #acquire()} until {@link
 * #release(int)}, i.e. until its process has exited.
 */
public final class WorkerPorts {
  /** Processes per slot that can hold a port at once: active, standby, draining predecessor. */
  public static final int PER_SLOT = 3;

  private final int base;
  private final int size;
  private final BitSet held = new BitSet();

  WorkerPorts(int base, int slots) {
    if (base < 0 || slots < 1) {
      throw new IllegalArgumentException(
          "worker port base must be ≥ 0 and slots ≥ 1, got base " + base + ", slots " + slots);
    }
    this.base = base;
    this.size = base == 0 ? 0 : PER_SLOT * slots;
    if (base > 0 && base + size - 1 > 65_535) {
      throw new IllegalArgumentException(
          WorkerConfig.WORKER_PORT_BASE.name()
              + " = "
              + base
              + " leaves no room for "
              + size
              + " worker ports ("
              + PER_SLOT
              + " per slot × "
              + slots
              + " slots) below 65536: lower it");
    }
  }

  /**
   * Every port of the pool for {@code base} and {@code slots} (what a scraper must cover); empty
   * for base 0 (ephemeral ports).
   */
  public static List<Integer> pool(int base, int slots) {
    return base == 0 ? List.of() : IntStream.range(base, base + PER_SLOT * slots).boxed().toList();
  }

  /** True when workers get ports from a fixed pool. */
  boolean fixed() {
    return base > 0;
  }

  /** The port range as text, for logs: {@code 9401-9403}, or {@code ephemeral}. */
  String describe() {
    return fixed() ? base + "-" + (base + size - 1) : "ephemeral";
  }

  /**
   * The lowest free port of the pool, now held; 0 (ephemeral) when there is no pool.
   *
   * @throws IllegalStateException when every pool port is held by a live worker
   */
  synchronized int acquire() {
    if (!fixed()) {
      return 0;
    }
    int i = held.nextClearBit(0);
    if (i >= size) {
      throw new IllegalStateException(
          "all "
              + size
              + " worker ports "
              + describe()
              + " of "
              + WorkerConfig.WORKER_PORT_BASE.name()
              + " are held by live worker processes ("
              + PER_SLOT
              + " per slot); a worker that did not exit still holds its port, or set "
              + WorkerConfig.WORKER_PORT_BASE.name()
              + " = 0 for ephemeral ports");
    }
    held.set(i);
    return base + i;
  }

  /** Frees {@code port} (from {@link #acquire()}) for the next worker; 0 and repeats are no-ops. */
  synchronized void release(int port) {
    if (fixed() && port >= base && port < base + size) {
      held.clear(port - base);
    }
  }

  /** Ports now held, for tests and logs. */
  synchronized int heldCount() {
    return held.cardinality();
  }
}
