package io.cutflow.worker.supervisor;

import io.cutflow.common.process.JavaProcess;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A class-data-sharing archive (AppCDS) of the worker JVM's classes, so that a worker process maps
 * its classes (Kafka, ONNX Runtime, logging, Cutflow) instead of parsing and verifying them again:
 * about 0.5-1 s less CPU per worker start on this project's machines. One archive per JVM and jar
 * set, keyed by the JVM's version and each class-path entry's path, size and modification time, in
 * {@code worker-<key>.jsa} of the archive directory.
 *
 * <p>The launcher writes it after each build ({@link #prepare}, {@code cutflow class-archive}): a
 * JVM on the same class path loads the classes a worker loads, listed in the bundled {@value
 * #CLASS_LIST}, and dumps them as it exits, so that the first worker after a build starts from the
 * archive too. While there is no archive for the key (no launcher: a container, a class path of
 * Maven's), each worker is started with {@code -XX:ArchiveClassesAtExit} into a file of its own,
 * and its class list beside it; once it has exited, {@link #collect} moves the first complete one
 * into place (a worker killed before it exits writes none; the next one tries again) and keeps its
 * list as {@value #CLASS_LIST} in the directory, from which the bundled one is refreshed. Workers
 * after that start with {@code -XX:SharedArchiveFile}. The JVM checks the archive itself (its
 * version, the class path, the jars' sizes and times) and runs without it, as before, when it does
 * not fit; its CDS messages are turned off so this stays silent. Only class paths of plain jar
 * files are archived: with a directory, a wildcard or a manifest Class-Path (tests run from {@code
 * target/classes} through such a jar) workers start as before.
 */
public final class WorkerClassArchive {
  private static final Logger log = LoggerFactory.getLogger(WorkerClassArchive.class);
  private static final List<String> QUIET =
      List.of("-Xshare:auto", "-Xlog:cds=off,cds+dynamic=off");

  /** The classes a worker loads, one per line ({@code -XX:DumpLoadedClassList}'s format). */
  static final String CLASS_LIST = "worker-classes.txt";

  /** Worker archives kept in the folder, this one included (about 52 MB each). */
  static final int KEPT = 4;

  private final Path dir;
  private final Path archive;
  private final String classpath;
  private final AtomicInteger dumps = new AtomicInteger();

  private WorkerClassArchive(Path dir, Path archive, String classpath) {
    this.dir = dir;
    this.archive = archive;
    this.classpath = classpath;
  }

  /** The default directory: {@code ~/.cache/cutflow/cds}. */
  public static Path defaultDir() {
    return Path.of(System.getProperty("user.home"), ".cache", "cutflow", "cds");
  }

  /** The archive for {@code classpath} on this JVM in {@code dir}; empty when dir is unusable. */
  public static Optional<WorkerClassArchive> in(Path dir, String classpath) {
    for (String entry : classpath.split(File.pathSeparator)) {
      if (!entry.isEmpty() && !plainJar(Path.of(entry))) {
        // A JVM asked to dump with a directory on its class path (a wildcard, or a jar's manifest
        // Class-Path, may name one) does not start at all.
        return Optional.empty();
      }
    }
    try {
      Files.createDirectories(dir);
      if (!Files.isWritable(dir)) {
        return Optional.empty();
      }
      return Optional.of(
          new WorkerClassArchive(dir, dir.resolve("worker-" + key(classpath) + ".jsa"), classpath));
    } catch (IOException e) {
      log.atInfo()
          .setMessage("no class-data archive for workers")
          .addKeyValue("dir", dir)
          .addKeyValue("reason", e.toString())
          .log();
      return Optional.empty();
    }
  }

  private static boolean plainJar(Path entry) {
    if (!Files.isRegularFile(entry)) {
      return false;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      Manifest m = jar.getManifest();
      return m == null || m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH) == null;
    } catch (IOException e) {
      return false;
    }
  }

  public Path archive() {
    return archive;
  }

  /**
   * JVM options for the next worker; {@code dumpTo} receives the file it will dump into, or null
   * when it uses the archive.
   */
  List<String> jvmArgs(Path[] dumpTo) {
    if (Files.isRegularFile(archive)) {
      dumpTo[0] = null;
      return concat(QUIET, "-XX:SharedArchiveFile=" + archive);
    }
    Path tmp = tmpFile();
    dumpTo[0] = tmp;
    return concat(
        QUIET, "-XX:ArchiveClassesAtExit=" + tmp, "-XX:DumpLoadedClassList=" + classList(tmp));
  }

  private Path tmpFile() {
    return dir.resolve(
        archive.getFileName()
            + "."
            + ProcessHandle.current().pid()
            + "-"
            + dumps.incrementAndGet()
            + ".tmp");
  }

  private static Path classList(Path dumped) {
    return dumped.resolveSibling(dumped.getFileName() + ".classes");
  }

  /**
   * Writes the archive now unless there is one: a JVM on the worker class path loads, without
   * initialising them, the classes of the {@value #CLASS_LIST} a worker recorded in the directory,
   * else of the bundled one ({@link WorkerClassTraining}), and dumps them as it exits (about 5 s,
   * against the 1.5-2 s a first worker start spends without an archive).
   *
   * @return whether the archive is there now
   */
  public boolean prepare(Duration timeout) throws IOException, InterruptedException {
    if (Files.isRegularFile(archive)) {
      return true;
    }
    Path tmp = tmpFile();
    List<String> cmd = new ArrayList<>();
    cmd.add(JavaProcess.javaExecutable().toString());
    cmd.addAll(concat(QUIET, "-XX:ArchiveClassesAtExit=" + tmp));
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(WorkerClassTraining.class.getName());
    Path recorded = dir.resolve(CLASS_LIST); // a worker's own, where one was recorded here
    if (Files.isRegularFile(recorded)) {
      cmd.add(recorded.toString());
    }
    Path output = Files.createTempFile(dir, "training", ".log");
    try {
      Process p =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      p.getOutputStream().close(); // it reads nothing
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IOException("the class-data archive's training JVM took over " + timeout);
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            "the class-data archive's training JVM exited with "
                + p.exitValue()
                + ": "
                + Files.readString(output).strip());
      }
      moveIntoPlace(tmp);
      return Files.isRegularFile(archive);
    } finally {
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(output);
    }
  }

  /** After a dumping worker exited: its archive becomes the one, unless there is one already. */
  void collect(Path dumped) {
    if (moveIntoPlace(dumped)) {
      log.atInfo()
          .setMessage("class-data archive for workers written")
          .addKeyValue("file", archive)
          .addKeyValue("bytes", archive.toFile().length())
          .log();
    }
  }

  /** Moves {@code dumped} (and the class list beside it, if any) into place; true if it moved. */
  private boolean moveIntoPlace(Path dumped) {
    Path classes = classList(dumped);
    try {
      if (Files.isRegularFile(classes) && Files.size(classes) > 0) {
        Files.move(
            classes,
            dir.resolve(CLASS_LIST),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      }
      if (Files.isRegularFile(dumped) && Files.size(dumped) > 0 && !Files.exists(archive)) {
        Files.move(dumped, archive, StandardCopyOption.ATOMIC_MOVE);
        deleteOthers();
        return true;
      }
      return false;
    } catch (IOException e) {
      return false; // another supervisor moved its copy in first, or the directory went away
    } finally {
      try {
        Files.deleteIfExists(dumped);
        Files.deleteIfExists(classes);
      } catch (IOException ignored) {
        // a stale temporary file; the next collect of this name replaces it
      }
    }
  }

  /**
   * Keeps this archive and the {@value #KEPT} - 1 newest others, as the launcher does with {@code
   * remove}'s. An older jar set's archive is of no use after a rebuild, but another checkout or JDK
   * on the same machine shares this folder: deleting every other archive made each checkout's build
   * or tests take the others' away, and their next worker started without one (start → READY 6.2 s
   * against 4.1-5.1 s in a bench).
   */
  private void deleteOthers() throws IOException {
    List<Path> others = new ArrayList<>();
    try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, "worker-*.jsa")) {
      for (Path p : all) {
        if (!p.equals(archive)) {
          others.add(p);
        }
      }
    }
    others.sort(Comparator.comparing(WorkerClassArchive::modified).reversed());
    for (Path old : others.subList(Math.min(others.size(), KEPT - 1), others.size())) {
      Files.deleteIfExists(old);
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0); // gone meanwhile: first in line to delete
    }
  }

  static String key(String classpath) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      update(md, System.getProperty("java.vm.version"));
      update(md, System.getProperty("java.home"));
      for (String entry : classpath.split(File.pathSeparator)) {
        update(md, entry);
        try {
          BasicFileAttributes a = Files.readAttributes(Path.of(entry), BasicFileAttributes.class);
          update(md, a.size() + "@" + a.lastModifiedTime().toMillis());
        } catch (IOException | RuntimeException e) {
          update(md, "missing");
        }
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void update(MessageDigest md, String s) {
    md.update(s.getBytes(StandardCharsets.UTF_8));
    md.update((byte) 0);
  }

  private static List<String> concat(List<String> a, String... more) {
    return java.util.stream.Stream.concat(a.stream(), java.util.Arrays.stream(more)).toList();
  }
}
