package io.cutflow.worker.cli;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.WorkerClassArchive;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code cutflow class-archive}: writes the worker JVMs' class-data archive for this JVM and jar
 * set ({@link WorkerClassArchive#prepare}) unless it is there. The launcher runs it after each
 * build, so that the first worker after a build starts from the archive as later ones do; a
 * container image can run it at build time.
 */
@Command(
    name = "class-archive",
    mixinStandardHelpOptions = true,
    description = {
      "Write the worker JVMs' class-data archive (AppCDS) for this JVM and these jars, unless it is"
          + " there (~/.cache/cutflow/cds; about 5 s). ./cutflow runs it after each build.",
      "Does nothing with cutflow.supervisor.worker-class-archive=false, or on a class path of"
          + " folders."
    })
public final class ClassArchiveCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    PrintStream err = System.err;
    if (!CutflowConfig.load().getBoolean(WorkerConfig.WORKER_CLASS_ARCHIVE)) {
      err.println("class-archive: off (" + WorkerConfig.WORKER_CLASS_ARCHIVE.name() + "=false)");
      return 0;
    }
    Optional<WorkerClassArchive> archive =
        WorkerClassArchive.in(
            WorkerClassArchive.defaultDir(), System.getProperty("java.class.path"));
    if (archive.isEmpty()) {
      err.println(
          "class-archive: none for this class path (only plain jars are archived) or "
              + WorkerClassArchive.defaultDir()
              + " is not writable; workers start without one");
      return 0;
    }
    if (Files.isRegularFile(archive.get().archive())) {
      err.println("class-archive: " + archive.get().archive() + " is there");
      return 0;
    }
    long t0 = System.nanoTime();
    boolean written = archive.get().prepare(Duration.ofMinutes(2));
    err.printf(
        "class-archive: %s %s (%.1f s)%n",
        written ? "wrote" : "could not write",
        archive.get().archive(),
        (System.nanoTime() - t0) / 1e9);
    return written ? 0 : 1;
  }
}
