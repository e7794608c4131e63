package io.cutflow.standalone;

import io.cutflow.standalone.infra.EmbeddedStack;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where the cores went during {@code cutflow bench}'s pipeline run: CPU time of each process (the
 * launcher — ingest client and supervisor —, the broker, the S3 server, the workers) between {@link
 * #start} and {@link #stop}, and the workers' split by thread: the inference thread with ONNX
 * Runtime's intra-op pool against everything else (fetch, finish, Kafka clients, GC, JIT).
 */
final class BenchCpu {
  /**
   * Worker threads that run the model: the inference thread, and ONNX Runtime's intra-op pool,
   * whose native threads take the name of the thread that created the session ("main", which Linux
   * shows as "java").
   */
  static final Set<String> INFERENCE_THREADS = Set.of("inference", "java");

  private final long launcher;
  private final long broker;
  private final long s3;
  private final Map<String, Long> before;
  private Map<String, Long> after;
  private final Map<Long, Map<String, Long>> workerThreadsBefore = new LinkedHashMap<>();
  private final Map<String, Long> workerThreads = new LinkedHashMap<>();
  private final Map<String, Long> launcherThreadsBefore;
  private final Map<String, Long> brokerThreadsBefore;
  private Map<String, Long> launcherThreads;
  private Map<String, Long> brokerThreads;

  private BenchCpu(long launcher, long broker, long s3) {
    this.launcher = launcher;
    this.broker = broker;
    this.s3 = s3;
    this.before = snapshot();
    this.launcherThreadsBefore = ProcessCpu.threadNanos(launcher);
    this.brokerThreadsBefore = ProcessCpu.threadNanos(broker);
  }

  static BenchCpu start(EmbeddedStack stack) {
    return new BenchCpu(
        ProcessHandle.current().pid(), stack.kafka().process().pid(), stack.s3().process().pid());
  }

  void stop() {
    after = snapshot();
    launcherThreads = ProcessCpu.delta(launcherThreadsBefore, ProcessCpu.threadNanos(launcher));
    brokerThreads = ProcessCpu.delta(brokerThreadsBefore, ProcessCpu.threadNanos(broker));
    workerThreadsBefore.forEach(
        (pid, b) -> ProcessCpu.delta(b, ProcessCpu.threadNanos(pid)).forEach(this::addThread));
  }

  private void addThread(String group, long nanos) {
    workerThreads.merge(group, nanos, Long::sum);
  }

  /** Process CPU by role now; records each worker's threads the first time it is seen. */
  private Map<String, Long> snapshot() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("worker", 0L);
    for (long pid : workers()) {
      m.merge("worker", ProcessCpu.processNanos(pid), Long::sum);
      if (after == null) {
        workerThreadsBefore.putIfAbsent(pid, ProcessCpu.threadNanos(pid));
      }
    }
    m.put("broker", ProcessCpu.processNanos(broker));
    m.put("S3 server", ProcessCpu.processNanos(s3));
    m.put("launcher (ingest client, supervisor)", ProcessCpu.processNanos(launcher));
    return m;
  }

  /** The launcher's child JVMs other than the two servers: the worker processes. */
  private List<Long> workers() {
    List<Long> pids = new ArrayList<>();
    ProcessHandle.current()
        .children()
        .filter(ProcessHandle::isAlive)
        .forEach(
            p -> {
              if (p.pid() != broker && p.pid() != s3) {
                pids.add(p.pid());
              }
            });
    return pids;
  }

  void print(PrintStream out, int images, double rawCpuMsPerImage) {
    Map<String, Long> d = ProcessCpu.delta(before, after);
    long total = d.values().stream().mapToLong(Long::longValue).sum();
    out.printf("CPU during the pipeline run (%d images), ms per image:%n", images);
    for (Map.Entry<String, Long> e : d.entrySet()) {
      out.printf(
          "  %-38s %8.0f  (%4.1f%%)%n",
          e.getKey(), perImage(e.getValue(), images), 100.0 * e.getValue() / Math.max(1, total));
    }
    long inference =
        workerThreads.entrySet().stream()
            .filter(e -> INFERENCE_THREADS.contains(e.getKey()))
            .mapToLong(Map.Entry::getValue)
            .sum();
    long worker = d.get("worker");
    Map<String, Long> otherThreads = new LinkedHashMap<>(workerThreads);
    otherThreads.keySet().removeAll(INFERENCE_THREADS);
    out.printf(
        "  worker split: inference (inference thread + ONNX Runtime pool) %.0f, other %.0f;"
            + " other by thread: %s%n",
        perImage(inference, images),
        perImage(worker - inference, images),
        top(otherThreads, images));
    out.printf("  launcher by thread: %s%n", top(launcherThreads, images));
    out.printf("  broker by thread: %s%n", top(brokerThreads, images));
    double workerPerImage = perImage(worker, images);
    out.printf(
        "worker-only ratio (raw CPU per image / worker CPU per image): %.2f"
            + " (raw %.0f ms, worker %.0f ms)%n",
        rawCpuMsPerImage / workerPerImage, rawCpuMsPerImage, workerPerImage);
  }

  /** The thread groups with at least 2% of the CPU time in {@code threads}, largest first. */
  private static String top(Map<String, Long> threads, int images) {
    long sum = threads.values().stream().mapToLong(Long::longValue).sum();
    return threads.entrySet().stream()
        .filter(e -> e.getValue() > 0 && e.getValue() * 50 >= sum)
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .map(e -> e.getKey() + " " + Math.round(perImage(e.getValue(), images)))
        .collect(Collectors.joining(", "));
  }

  private static double perImage(long nanos, int images) {
    return nanos / 1e6 / Math.max(1, images);
  }
}
