package io.cutflow.standalone;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import io.cutflow.worker.supervisor.SupervisorStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The worker processes of {@code run}, {@code up} and {@code bench}: K slots under a {@link
 * RecyclingSupervisor} on the embedded stack, recycled and restarted like {@code cutflow worker}'s.
 */
public final class StackWorkers {
  private StackWorkers() {}

  /**
   * Whether a warm standby per slot pays: only if a worker can reach its quota (a batch of {@code
   * images}; negative = no end) or its memory ceiling. Otherwise it would only take CPU (≈ 20 s
   * each to warm) and memory from the workers doing the batch; a crashed worker restarts cold.
   */
  public static boolean standbyPays(long images, int recycleAfter, long maxRssMb) {
    return maxRssMb > 0 || (recycleAfter > 0 && (images < 0 || images >= recycleAfter));
  }

  /**
   * Settings for {@code workers} slots with {@code overrides} as worker properties; each worker
   * gets cores / workers intra-op threads unless {@code overrides} say otherwise.
   */
  public static SupervisorSettings settings(
      int workers,
      int recycleAfter,
      long maxRssMb,
      boolean warmStandby,
      Map<String, String> overrides,
      String instancePrefix,
      Path logDir) {
    Map<String, String> props = new LinkedHashMap<>(overrides);
    props.putIfAbsent(
        WorkerConfig.INTRA_OP_THREADS.name(),
        Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / workers)));
    return SupervisorSettings.defaults()
        .withSlots(workers)
        .withRecycleAfter(recycleAfter)
        .withMaxRssMb(maxRssMb)
        .withWarmStandby(warmStandby)
        .withWorkerProperties(props)
        .withInstancePrefix(instancePrefix)
        .withLogDir(logDir);
  }

  /**
   * Starts the supervisor and waits until every slot has an active worker; closes it and throws if
   * that takes longer than {@code timeout}.
   */
  public static RecyclingSupervisor start(
      CutflowConfig config, SupervisorSettings settings, Duration timeout)
      throws IOException, InterruptedException {
    RecyclingSupervisor supervisor = RecyclingSupervisor.start(config, settings);
    try {
      if (!supervisor.awaitActive(timeout)) {
        throw new IOException(
            "workers did not start within "
                + timeout.toMinutes()
                + " minutes; logs in "
                + supervisor.logDir());
      }
      return supervisor;
    } catch (IOException | InterruptedException | RuntimeException e) {
      supervisor.close();
      throw e;
    }
  }

  /**
   * Waits until every slot's worker has reported its first partition assignment (ASSIGNED: the
   * group join is over); false on timeout.
   */
  public static boolean awaitAssigned(RecyclingSupervisor supervisor, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      SupervisorStats st = supervisor.stats();
      Set<Integer> assigned =
          st.assignments().stream()
              .filter(a -> !a.revoked())
              .map(SupervisorStats.AssignmentEvent::slot)
              .collect(Collectors.toSet());
      if (assigned.size() >= st.slots().size()) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }
}
