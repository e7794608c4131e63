package io.cutflow.worker.cli;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.inference.StageTimings;
import io.cutflow.worker.inference.WarmUpImage;
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
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cutflow cold-start}: what a fresh ONNX Runtime session's first runs cost — wall time, CPU,
 * page faults, resident memory — which is what each recycle's standby pays before {@code READY}.
 * Compare runs with and without {@code --memory-pattern}, and with {@code
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=0} to see what huge pages change. With {@code --image}, the
 * whole path instead: a remover warmed as a worker warms it, then whole cutouts of that image, so
 * the first real image can be compared with the steady ones. A benchmark: it reports, it doesn't
 * assert.
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

  @Option(
      names = "--image",
      paramLabel = "FILE",
      description =
          "Warm a remover as a worker does (--warm-up-runs, --warm-up-model), then time --runs whole"
              + " cutouts of FILE. Give --no-arena for the worker's session settings.")
  Path image;

  @Option(
      names = "--warm-up-runs",
      defaultValue = "2",
      description = "With --image: warm-up passes (default ${DEFAULT-VALUE}, the worker's).")
  int warmUpRuns;

  @Option(
      names = "--warm-up-model",
      defaultValue = "auto",
      description =
          "With --image: whether warm-up runs the model: auto, always or never (default"
              + " ${DEFAULT-VALUE}, the worker's).")
  String warmUpModel;

  @Override
  public Integer call() throws Exception {
    CliArguments.atLeastOne("--runs", runs, "runs per session", "4");
    session.check();
    if (image != null) {
      CliArguments.readableFile("--image", image);
    }
    PrintStream out = System.out;
    ModelRegistry registry = ModelRegistry.createDefault();
    ModelSpec spec =
        session.model() == null ? registry.defaultModel() : registry.get(session.model());
    if (image != null) {
      return cutouts(out, registry, spec);
    }
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
        new InferenceSession(file, RemoverFactory.profileOf(spec), sessionSettings())) {
      before = print(out, "create", before);
      FloatBuffer input = ort.newInputBuffer();
      for (int i = 0; i < runs; i++) {
        ort.run(input);
        before = print(out, "run " + i, before);
      }
    }
    return 0;
  }

  /** The session options given, with spinning off and the memory pattern as asked: a worker's. */
  private InferenceSession.Settings sessionSettings() {
    return session.settings().withSpinning(false).withMemoryPattern(memoryPattern);
  }

  /** A worker's start after its JVM: model, warm-up, then the first real cutouts one by one. */
  private int cutouts(PrintStream out, ModelRegistry registry, ModelSpec spec) throws Exception {
    byte[] data = Files.readAllBytes(image);
    WarmUpImage.Plan plan =
        new WarmUpImage.Plan(warmUpRuns, WarmUpImage.ModelRuns.parse(warmUpModel));
    InferenceSession.Settings settings = sessionSettings();
    out.printf(
        "cold-start: model %s, arena %s, warm-up %d passes, model %s; then %d cutouts of %s%n",
        spec.name(),
        settings.arena() ? "on" : "off",
        warmUpRuns,
        warmUpModel,
        runs,
        image.getFileName());
    out.printf("%-13s %8s %8s %12s %8s%n", "step", "wall ms", "CPU ms", "inference ms", "RSS MB");
    Sample before = Sample.now();
    try (RemoverFactory.Loaded loaded =
        RemoverFactory.open(registry, spec.name(), settings, ImageLimits.defaults(), plan)) {
      before = print(out, "load+warm-up", before, -1);
      out.printf("  warm-up passes ms: %s%n", loaded.warmupMillis());
      long first = 0;
      long rest = 0;
      for (int i = 0; i < runs; i++) {
        BackgroundRemover.Cutout c =
            loaded.remover().remove(data, image.toString(), CutoutOptions.DEFAULTS);
        Sample now = print(out, "cutout " + i, before, c.timings().get(StageTimings.INFERENCE));
        long wall = (now.nanos - before.nanos) / 1_000_000;
        if (i == 0) {
          first = wall;
        } else {
          rest += wall;
        }
        before = now;
      }
      if (runs > 1) {
        double steady = rest / (double) (runs - 1);
        out.printf(
            "first cutout / mean of the other %d: %.3f (%d ms / %.0f ms)%n",
            runs - 1, first / steady, first, steady);
      }
    }
    return 0;
  }

  /** A row of the cutouts table: the inference column from the cutout's own timings. */
  private static Sample print(PrintStream out, String step, Sample before, double inferenceMs) {
    return print(
        out,
        "%-13s %8d %8d %12s %8d%n",
        step,
        before,
        (b, now) -> inferenceMs < 0 ? "" : String.format("%.0f", inferenceMs));
  }

  /** A row of the session table: the minor page faults since {@code before}. */
  private static Sample print(PrintStream out, String step, Sample before) {
    return print(
        out, "%-7s %8d %8d %10s %8d%n", step, before, (b, now) -> now.minorFaults - b.minorFaults);
  }

  /** One row: step, wall and CPU ms since {@code before}, the table's own column, RSS MB. */
  private static Sample print(
      PrintStream out,
      String format,
      String step,
      Sample before,
      BiFunction<Sample, Sample, Object> column) {
    Sample now = Sample.now();
    out.printf(
        format,
        step,
        (now.nanos - before.nanos) / 1_000_000,
        (now.cpuNanos - before.cpuNanos) / 1_000_000,
        column.apply(before, now),
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
