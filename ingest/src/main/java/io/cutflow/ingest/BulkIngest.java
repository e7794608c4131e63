package io.cutflow.ingest;

import io.cutflow.common.cli.CutoutFiles;
import io.cutflow.common.image.CutoutNames;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Uploads a set of image files concurrently, publishes a job for each, and optionally waits for the
 * results, downloading every cutout as its result arrives.
 */
public final class BulkIngest {
  private final JobSubmitter submitter;
  private final ObjectStore store;
  private final SourceFiles sources;
  private final int concurrency;

  /** What happened to one file. {@code latencyMs}: from its upload start to its result. */
  public record Outcome(
      Path file, String jobId, JobResult result, Path output, long latencyMs, String error) {
    /** Uploaded without waiting (no result yet), or waited and the result is ok. */
    public boolean ok() {
      return error == null && (result == null || result.isOk());
    }
  }

  /** Progress callbacks (the CLI draws bars with them). */
  public interface Progress {
    default void uploaded(Path file) {}

    default void finished(Outcome outcome) {}

    Progress NONE = new Progress() {};
  }

  /**
   * @param elapsedMs from the start until the last outcome was in: not the result watcher's close
   *     after it, which waits out the broker's hold on its last fetch (about 0.5 s)
   */
  public record Summary(List<Outcome> outcomes, long elapsedMs) {
    public long okCount() {
      return outcomes.stream().filter(Outcome::ok).count();
    }

    public List<Outcome> failures() {
      return outcomes.stream().filter(o -> !o.ok()).toList();
    }

    public double imagesPerSecond() {
      return elapsedMs == 0 ? 0 : outcomes.size() * 1000.0 / elapsedMs;
    }

    /** Latency percentile in ms over completed files (0..100). */
    public long latencyPercentile(double p) {
      List<Long> l =
          new ArrayList<>(
              outcomes.stream().filter(o -> o.result() != null).map(Outcome::latencyMs).toList());
      if (l.isEmpty()) {
        return 0;
      }
      Collections.sort(l);
      int i = (int) Math.ceil(p / 100.0 * l.size()) - 1;
      return l.get(Math.max(0, Math.min(l.size() - 1, i)));
    }
  }

  public BulkIngest(
      JobSubmitter submitter, ObjectStore store, SourceFiles sources, int concurrency) {
    this.submitter = submitter;
    this.store = store;
    this.sources = sources;
    this.concurrency = concurrency;
  }

  /**
   * Submits every file. With {@code watcherFactory} non-null, waits (up to {@code timeout}) for
   * each result and writes ok cutouts under {@code outDir}, each at its path relative to {@code
   * root} (the folder the files were listed from; null: their names alone) without its extension,
   * plus {@code .png}; files that would share an output keep their extension in its name ({@link
   * CutoutNames}: {@code a.jpg} → {@code a.jpg.png} beside {@code a.png} → {@code a.png.png}).
   */
  public Summary run(
      Path root,
      List<Path> files,
      CutoutOptions options,
      ResultWatcherFactory watcherFactory,
      Path outDir,
      Duration timeout,
      Progress progress)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    long end = 0;
    Map<String, Path> fileOf = new ConcurrentHashMap<>();
    Map<String, Long> startOf = new ConcurrentHashMap<>();
    BlockingQueue<JobResult> results = new LinkedBlockingQueue<>();
    List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    Map<Path, Path> outputOf = outDir == null ? Map.of() : outputs(root, files, outDir);
    if (outDir != null) {
      Files.createDirectories(outDir);
    }
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try (AutoCloseable watcher =
        watcherFactory == null ? null : watcherFactory.start(results::add)) {
      List<CompletableFuture<Void>> submissions = new ArrayList<>();
      for (Path file : files) {
        submissions.add(
            CompletableFuture.runAsync(
                () -> {
                  String jobId = JobSubmitter.newJobId();
                  try {
                    byte[] bytes = sources.read(file);
                    fileOf.put(jobId, file);
                    startOf.put(jobId, System.nanoTime());
                    submitter
                        .submit(
                            jobId,
                            file.getFileName().toString(),
                            bytes,
                            null,
                            options,
                            Map.of("file", file.getFileName().toString()))
                        .join();
                    progress.uploaded(file);
                    if (watcherFactory == null) {
                      outcomes.add(new Outcome(file, jobId, null, null, 0, null));
                    }
                  } catch (IOException | RuntimeException e) {
                    fileOf.remove(jobId);
                    Outcome o =
                        new Outcome(file, jobId, null, null, 0, "upload failed: " + e.getMessage());
                    outcomes.add(o);
                    progress.finished(o);
                  }
                },
                pool));
      }
      CompletableFuture.allOf(submissions.toArray(CompletableFuture[]::new)).join();
      if (watcherFactory != null) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!fileOf.isEmpty() && System.nanoTime() < deadline) {
          JobResult r = results.poll(200, TimeUnit.MILLISECONDS);
          if (r == null) {
            continue;
          }
          Path file = fileOf.remove(r.jobId());
          if (file == null) {
            continue; // someone else's job, or a duplicate result of a redelivered job
          }
          long latency = (System.nanoTime() - startOf.get(r.jobId())) / 1_000_000;
          Outcome o = collect(file, r, outputOf.get(file), latency);
          outcomes.add(o);
          progress.finished(o);
        }
        for (Map.Entry<String, Path> missing : fileOf.entrySet()) {
          Outcome o =
              new Outcome(
                  missing.getValue(),
                  missing.getKey(),
                  null,
                  null,
                  0,
                  "no result within " + timeout.toSeconds() + " s (is a worker running?)");
          outcomes.add(o);
          progress.finished(o);
        }
      }
      end = System.nanoTime();
    } catch (IOException | InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    } finally {
      pool.shutdownNow();
    }
    return new Summary(List.copyOf(outcomes), (end - t0) / 1_000_000);
  }

  /** Where each file's cutout goes under {@code outDir} (see {@link #run}). */
  static Map<Path, Path> outputs(Path root, List<Path> files, Path outDir) {
    List<String> relative = new ArrayList<>();
    for (Path file : files) {
      Path rel = root == null ? file.getFileName() : root.relativize(file);
      relative.add(rel.toString().replace(rel.getFileSystem().getSeparator(), "/"));
    }
    List<String> names = CutoutNames.of(relative);
    Map<Path, Path> outputs = new HashMap<>();
    for (int i = 0; i < files.size(); i++) {
      outputs.put(files.get(i), outDir.resolve(names.get(i)));
    }
    return outputs;
  }

  private Outcome collect(Path file, JobResult r, Path out, long latency) {
    if (!r.isOk()) {
      return new Outcome(
          file,
          r.jobId(),
          r,
          null,
          latency,
          r.failure().code().code() + ": " + r.failure().message());
    }
    if (out == null) {
      return new Outcome(file, r.jobId(), r, null, latency, null);
    }
    try {
      byte[] png = store.get(r.output().bucket(), r.output().key(), Long.MAX_VALUE);
      CutoutFiles.write(out, png);
      return new Outcome(file, r.jobId(), r, out, latency, null);
    } catch (IOException | RuntimeException e) {
      return new Outcome(
          file, r.jobId(), r, null, latency, "download of cutout failed: " + e.getMessage());
    }
  }

  /** Starts a result subscription before anything is published. */
  @FunctionalInterface
  public interface ResultWatcherFactory {
    AutoCloseable start(java.util.function.Consumer<JobResult> onResult);
  }
}
