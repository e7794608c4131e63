package io.cutflow.worker.cli;

import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.model.FetchProgress;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.model.ModelSpec;
import io.cutflow.worker.service.MallocTunables;
import io.cutflow.worker.service.ResidentMemory;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cutflow cold-start}: what a fresh ONNX Runtime session's first runs cost — wall time, CPU,
 * page faults, resident memory — which is what each recycle's standby pays before {@code READY}.
 * Compare runs with and without {@code --memory-pattern}, and with {@code
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=0} to see what huge pages change. A benchmark: it reports, it
 * doesn't assert.
 */
@Command(
    name = "cold-start",
    mixinStandardHelpOptions = true,
    description = "Cost of a fresh model session's first runs (wall, CPU, page faults, RSS).")
public final class ColdStartCommand implements Callable<Integer> {
  @Mixin ModelSessionOptions session;

  @Option(
      names = "--runs",
      defaultValue = "4",
      description = "Runs per session (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--memory-pattern",
      description = "Turn ONNX Runtime's memory pattern on (workers run with it off).")
  boolean memoryPattern;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    ModelRegistry registry = ModelRegistry.createDefault();
    ModelSpec spec =
        session.model() == null ? registry.defaultModel() : registry.get(session.model());
    Path file = registry.ensure(spec.name(), FetchProgress.NONE);
    int t =
        session.threads() == null ? Runtime.getRuntime().availableProcessors() : session.threads();
    out.printf(
        "cold-start: model %s (%s weights, %s), %d intra-op threads, blank %dx%d input; malloc huge pages: %s"
            + " (GLIBC_TUNABLES=%s, THP %s)%n",
        spec.name(),
        session.fp32Weights() ? "fp32" : "as stored",
        session.settings().savedModel() ? "saved optimised graph" : "graph optimised at start",
        t,
        spec.input().width(),
        spec.input().height(),
        MallocTunables.hugePagesInEffect() ? "in effect" : "not in effect",
        System.getenv(MallocTunables.ENV),
        MallocTunables.transparentHugePageMode().orElse("unknown"));
    out.printf(
        "memory pattern %s%n%-7s %8s %8s %10s %8s%n",
        memoryPattern ? "on" : "off (the worker default)",
        "step",
        "wall ms",
        "CPU ms",
        "min faults",
        "RSS MB");
    // One configuration per process: a second session in the same process reuses the first one's
    // freed (already faulted) memory, which hides exactly the cost this measures.
    Sample before = Sample.now();
    try (InferenceSession ort =
        new InferenceSession(
            file,
            RemoverFactory.profileOf(spec),
            session.settings().withSpinning(false).withMemoryPattern(memoryPattern))) {
      before = print(out, "create", before);
      FloatBuffer input = ort.newInputBuffer();
      for (int i = 0; i < runs; i++) {
        ort.run(input);
        before = print(out, "run " + i, before);
      }
    }
    return 0;
  }

  private static Sample print(PrintStream out, String step, Sample before) {
    Sample now = Sample.now();
    out.printf(
        "%-7s %8d %8d %10d %8d%n",
        step,
        (now.nanos - before.nanos) / 1_000_000,
        (now.cpuNanos - before.cpuNanos) / 1_000_000,
        now.minorFaults - before.minorFaults,
        ResidentMemory.current() / (1024 * 1024));
    return now;
  }

  /** Wall clock, process CPU (all threads, ONNX Runtime's included) and minor page faults. */
  private record Sample(long nanos, long cpuNanos, long minorFaults) {
    static Sample now() {
      long cpu =
          ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
              .getProcessCpuTime();
      return new Sample(System.nanoTime(), cpu, readMinorFaults());
    }

    /** Field 10 of /proc/self/stat; -1 off Linux. */
    private static long readMinorFaults() {
      try {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[7]);
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
  }
}
