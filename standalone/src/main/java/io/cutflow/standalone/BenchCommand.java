package io.cutflow.standalone;

import io.cutflow.common.cli.ImageDirectory;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.ingest.BulkIngest;
import io.cutflow.ingest.cli.IngestClient;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.cli.CliArguments;
import io.cutflow.worker.image.DecodedImage;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.Preprocessor;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.model.FetchProgress;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.model.ModelSpec;
import io.cutflow.worker.service.MallocTunables;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cutflow bench DIR}: in one run on the same cores, (1) raw ONNX Runtime throughput — the
 * model alone on pre-processed tensors, the same intra-op thread budget, half its runs before the
 * pipeline and half after — and (2) the full pipeline's throughput on the same images (embedded
 * Kafka + S3, supervised worker processes as in {@code run} and {@code up}, bulk ingest with result
 * wait). The last line is the ratio. A benchmark: it reports, it never fails on a figure.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Pipeline throughput vs raw ONNX Runtime throughput on the same cores, in one run.")
public final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR", description = "Directory of images.")
  Path dir;

  @Option(
      names = "--passes",
      defaultValue = "3",
      description = "Times each image goes through (default ${DEFAULT-VALUE}).")
  int passes;

  @Option(
      names = {"-w", "--workers"},
      defaultValue = "1",
      description =
          "Pipeline worker processes (default ${DEFAULT-VALUE}); intra-op threads = cores / workers.")
  int workers;

  @Override
  public Integer call() throws Exception {
    CliChecks.workers(workers);
    CliArguments.atLeastOne("--passes", passes, "passes over the images", "3");
    ImageDirectory.check(dir);
    // Ctrl-C or SIGTERM: the workers, the broker and the S3 server stop, the temporary copies and
    // the stack's data go, as for `run`
    return OrderlyStop.runCommand("bench", this::bench);
  }

  private int bench(OrderlyStop stop) throws Exception {
    PrintStream out = System.out;
    int cores = Runtime.getRuntime().availableProcessors();
    int threadsPerWorker = Math.max(1, cores / workers);
    List<Path> files = ImageDirectory.files(dir);
    ModelRegistry registry = ModelRegistry.createDefault();
    ModelSpec spec = registry.defaultModel();
    Path modelFile = registry.ensure(spec.name(), FetchProgress.NONE);
    out.printf(
        "bench: %d images × %d passes, model %s, %d cores, %d worker(s) × %d intra-op threads;"
            + " malloc huge pages here: %s (workers: %s)%n",
        files.size(),
        passes,
        spec.name(),
        cores,
        workers,
        threadsPerWorker,
        MallocTunables.hugePagesInEffect() ? "on" : "off",
        CutflowConfig.load().getBoolean(WorkerConfig.MALLOC_HUGE_PAGES) ? "requested" : "off");

    // Raw: the model alone, the whole thread budget, tensors prepared beforehand. Half its runs
    // come before the pipeline and half after, from one session kept open (and idle) in between:
    // this machine's speed drifts by several per cent over minutes, and a raw figure taken on one
    // side only would carry that drift into the ratio.
    try (InferenceSession session =
        new InferenceSession(
            modelFile,
            RemoverFactory.profileOf(spec),
            new InferenceSession.Settings(cores, true))) {
      session.warmUp(2); // not cost-sensitive here: the raw figure must carry no warm-up at all
      Preprocessor pre = new Preprocessor(session.profile());
      ImageDecoder decoder = new ImageDecoder();
      List<FloatBuffer> tensors = new ArrayList<>();
      for (Path f : files) {
        DecodedImage img = decoder.decode(Files.readAllBytes(f), f.toString());
        FloatBuffer t = session.newInputBuffer();
        pre.prepare(img, t);
        tensors.add(t);
      }
      RawRuns raw = new RawRuns(session::run, tensors);
      int rawRuns = passes * files.size();
      RawRuns.Round before = raw.run((rawRuns + 1) / 2);
      out.println("raw onnxruntime before the pipeline: " + before.describe());

      Path work = Files.createTempDirectory("cutflow-bench-");
      stop.deleteAtEnd(work); // if bench fails or is stopped: once its processes are gone
      PipelineRun pipeline = pipeline(stop, out, files, registry, threadsPerWorker, work);
      OrderlyStop.deleteRecursively(work); // the copies of the images, the stack, the worker logs

      RawRuns.Round after = rawRuns / 2 == 0 ? RawRuns.Round.NONE : raw.run(rawRuns / 2);
      if (after.runs() > 0) {
        out.println("raw onnxruntime after the pipeline: " + after.describe());
      }
      RawRuns.Round both = before.plus(after);
      out.println("raw onnxruntime: " + both.describe());
      pipeline.cpu().print(out, pipeline.images(), both.cpuMsPerRun());
      out.printf("pipeline/raw throughput ratio: %.2f%n", pipeline.perSecond() / both.perSecond());
    }
    return 0;
  }

  /** What the pipeline phase measured: its throughput, and where the cores went meanwhile. */
  private record PipelineRun(double perSecond, int images, BenchCpu cpu) {}

  private PipelineRun pipeline(
      OrderlyStop stop,
      PrintStream out,
      List<Path> files,
      ModelRegistry registry,
      int threadsPerWorker,
      Path work)
      throws Exception {
    Path batch = Files.createDirectories(work.resolve("batch"));
    List<Path> all = new ArrayList<>();
    for (int p = 0; p < passes; p++) {
      for (Path f : files) {
        Path copy = batch.resolve("p" + p + "-" + f.getFileName());
        Files.copy(f, copy);
        all.add(copy);
      }
    }
    // Closed here once the pipeline is measured (the second raw round runs without them), or by
    // the stop, in its order (workers, ingest, servers), when bench fails or is interrupted.
    EmbeddedStack embedded =
        EmbeddedStack.start(CutflowConfig.load(), work.resolve("stack"), true, workers);
    AutoCloseable stack =
        closeOnce(stop, OrderlyStop.Phase.SERVERS, "broker and S3 server", 40, embedded);
    Map<String, String> overrides = new LinkedHashMap<>(embedded.overrides());
    overrides.put(WorkerConfig.MODELS_DIR.name(), registry.cache().dir().toString());
    overrides.put(WorkerConfig.INTRA_OP_THREADS.name(), Integer.toString(threadsPerWorker));
    CutflowConfig config = embedded.config().withOverrides(overrides);
    // Comparable with the raw figure: no recycling unless configured, and no standby warming on
    // the same cores unless a worker can reach its quota (or memory ceiling) in this batch.
    int recycleAfter =
        config.sourceOf(WorkerConfig.RECYCLE_AFTER) == CutflowConfig.Source.DEFAULT
            ? 0
            : config.getInt(WorkerConfig.RECYCLE_AFTER);
    long maxRssMb = config.getLong(WorkerConfig.MAX_RSS_MB);
    SupervisorSettings settings =
        StackWorkers.settings(
            workers,
            recycleAfter,
            maxRssMb,
            StackWorkers.standbyPays(all.size(), recycleAfter, maxRssMb),
            overrides,
            "cutflow-bench",
            work.resolve("workers"));
    long s0 = System.nanoTime();
    RecyclingSupervisor supervisor = StackWorkers.start(config, settings, Duration.ofMinutes(5));
    AutoCloseable workerProcesses =
        closeOnce(
            stop,
            OrderlyStop.Phase.WORKERS,
            "workers",
            settings.stopTimeout().plusSeconds(15).toSeconds(),
            supervisor);
    IngestClient client = IngestClient.connect(config);
    AutoCloseable ingest = closeOnce(stop, OrderlyStop.Phase.INGEST, "ingest client", 15, client);
    StackWorkers.awaitAssigned(supervisor, Duration.ofMinutes(1));
    out.printf(
        "worker process start → READY (JVM, model loaded, warmed, Kafka and the store"
            + " connected): %s s; → partitions assigned: %.1f s%n",
        supervisor.stats().startToReadyMs().stream()
            .map(ms -> String.format("%.1f", ms / 1000.0))
            .collect(Collectors.joining(", ")),
        (System.nanoTime() - s0) / 1e9);
    BenchCpu cpu = BenchCpu.start(embedded);
    BulkIngest.Summary s = client.ingest(null, all, null, true, null, Duration.ofMinutes(60), 4);
    cpu.stop();
    double pipelinePerSecond = s.imagesPerSecond();
    out.printf(
        "pipeline: %d images (%d failed) in %.1f s = %.3f images/s; latency p50 %d ms, p95 %d ms%n",
        s.outcomes().size(),
        s.failures().size(),
        s.elapsedMs() / 1000.0,
        pipelinePerSecond,
        s.latencyPercentile(50),
        s.latencyPercentile(95));
    out.println(
        "workers: recycle after "
            + recycleAfter
            + ", warm standby "
            + (settings.warmStandby() ? "on" : "off")
            + "; "
            + supervisor.stats().summary());
    ingest.close();
    workerProcesses.close();
    stack.close();
    return new PipelineRun(pipelinePerSecond, s.outcomes().size(), cpu);
  }

  /**
   * {@code resource}, closed by whichever comes first: the caller, or the stop's step in {@code
   * phase} (within {@code boundSeconds}); the other finds it closed.
   */
  private static AutoCloseable closeOnce(
      OrderlyStop stop,
      OrderlyStop.Phase phase,
      String name,
      long boundSeconds,
      AutoCloseable resource) {
    AtomicBoolean closed = new AtomicBoolean();
    AutoCloseable once =
        () -> {
          if (closed.compareAndSet(false, true)) {
            resource.close();
          }
        };
    stop.step(phase, name, Duration.ofSeconds(boundSeconds), once::close);
    return once;
  }
}
