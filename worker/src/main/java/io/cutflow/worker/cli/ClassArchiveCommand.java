package io.cutflow.worker.cli;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.WorkerClassArchive;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cutflow class-archive}: writes the worker JVMs' class-data archive for this JVM and jar
 * set ({@link WorkerClassArchive#prepare}) unless it is there. The launcher runs it after each
 * build, and again when the archive it recorded has gone (a new archive keeps only the newest four,
 * so other checkouts' builds or tests on the machine may remove this one's), so that the first
 * worker after either starts from the archive as later ones do; a container image can run it at
 * build time.
 */
@Command(
    name = "class-archive",
    mixinStandardHelpOptions = true,
    description = {
      "Write the worker JVMs' class-data archive (AppCDS) for this JVM and these jars, unless it is"
          + " there (~/.cache/cutflow/cds; about 5 s). ./cutflow runs it after each build, and"
          + " again when that archive has gone.",
      "Does nothing with cutflow.supervisor.worker-class-archive=false, or on a class path of"
          + " folders."
    })
public final class ClassArchiveCommand implements Callable<Integer> {
  @Option(
      names = "--record",
      paramLabel = "FILE",
      description =
          "Also write the archive's path to FILE, or nothing when there is none (./cutflow keeps it"
              + " to notice when the archive has gone).")
  Path record;

  /** The archive once it is there (empty: none for this class path, or off) and the exit code. */
  record Outcome(Optional<Path> archive, int exitCode) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    return run(
        CutflowConfig.load().getBoolean(WorkerConfig.WORKER_CLASS_ARCHIVE),
        WorkerClassArchive.defaultDir(),
        System.getProperty("java.class.path"),
        System.err);
  }

  /** {@link #archive}, then {@code --record}; returns the exit code. */
  int run(boolean on, Path dir, String classPath, PrintStream err)
      throws IOException, InterruptedException {
    Outcome o = archive(on, dir, classPath, err);
    if (record != null) {
      Files.writeString(record, o.archive().map(Path::toString).orElse(""), StandardCharsets.UTF_8);
    }
    return o.exitCode();
  }

  /** Writes the archive for {@code classPath} in {@code dir} unless it is there. */
  static Outcome archive(boolean on, Path dir, String classPath, PrintStream err)
      throws IOException, InterruptedException {
    if (!on) {
      err.println("class-archive: off (" + WorkerConfig.WORKER_CLASS_ARCHIVE.name() + "=false)");
      return new Outcome(Optional.empty(), 0);
    }
    Optional<WorkerClassArchive> archive = WorkerClassArchive.in(dir, classPath);
    if (archive.isEmpty()) {
      err.println(
          "class-archive: none for this class path (only plain jars are archived) or "
              + dir
              + " is not writable; workers start without one");
      return new Outcome(Optional.empty(), 0);
    }
    Path file = archive.get().archive();
    if (Files.isRegularFile(file)) {
      err.println("class-archive: " + file + " is there");
      return new Outcome(Optional.of(file), 0);
    }
    long t0 = System.nanoTime();
    boolean written = archive.get().prepare(Duration.ofMinutes(2));
    err.printf(
        "class-archive: %s %s (%.1f s)%n",
        written ? "wrote" : "could not write", file, (System.nanoTime() - t0) / 1e9);
    return written ? new Outcome(Optional.of(file), 0) : new Outcome(Optional.empty(), 1);
  }
}
