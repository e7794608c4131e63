package io.cutflow.worker.supervisor;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
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
 * <p>While there is no archive for the key, each worker is started with {@code
 * -XX:ArchiveClassesAtExit} into a file of its own; once it has exited, {@link #collect} moves the
 * first complete one into place (a worker killed before it exits writes none; the next one tries
 * again). Workers after that start with {@code -XX:SharedArchiveFile}. The JVM checks the archive
 * itself (its version, the class path, the jars' sizes and times) and runs without it, as before,
 * when it does not fit; its CDS messages are turned off so this stays silent. Only class paths of
 * plain jar files are archived: with a directory, a wildcard or a manifest Class-Path (tests run
 * from {@code target/classes} through such a jar) workers start as before.
 */
final class WorkerClassArchive {
  private static final Logger log = LoggerFactory.getLogger(WorkerClassArchive.class);
  private static final List<String> QUIET =
      List.of("-Xshare:auto", "-Xlog:cds=off,cds+dynamic=off");

  private final Path dir;
  private final Path archive;
  private final AtomicInteger dumps = new AtomicInteger();

  private WorkerClassArchive(Path dir, Path archive) {
    this.dir = dir;
    this.archive = archive;
  }

  /** The default directory: {@code ~/.cache/cutflow/cds}. */
  static Path defaultDir() {
    return Path.of(System.getProperty("user.home"), ".cache", "cutflow", "cds");
  }

  /** The archive for {@code classpath} on this JVM in {@code dir}; empty when dir is unusable. */
  static Optional<WorkerClassArchive> in(Path dir, String classpath) {
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
          new WorkerClassArchive(dir, dir.resolve("worker-" + key(classpath) + ".jsa")));
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

  Path archive() {
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
    Path tmp =
        dir.resolve(
            archive.getFileName()
                + "."
                + ProcessHandle.current().pid()
                + "-"
                + dumps.incrementAndGet()
                + ".tmp");
    dumpTo[0] = tmp;
    return concat(QUIET, "-XX:ArchiveClassesAtExit=" + tmp);
  }

  /** After a dumping worker exited: its archive becomes the one, unless there is one already. */
  void collect(Path dumped) {
    try {
      if (Files.isRegularFile(dumped) && Files.size(dumped) > 0 && !Files.exists(archive)) {
        Files.move(dumped, archive, StandardCopyOption.ATOMIC_MOVE);
        log.atInfo()
            .setMessage("class-data archive for workers written")
            .addKeyValue("file", archive)
            .addKeyValue("bytes", Files.size(archive))
            .log();
        deleteOthers();
      }
    } catch (IOException e) {
      // another supervisor moved its copy in first, or the directory went away: nothing lost
    } finally {
      try {
        Files.deleteIfExists(dumped);
      } catch (IOException ignored) {
        // a stale temporary file; the next collect of this name replaces it
      }
    }
  }

  /** Archives of earlier jar sets (a rebuild, another JVM) are of no further use. */
  private void deleteOthers() throws IOException {
    try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, "worker-*.jsa")) {
      for (Path p : all) {
        if (!p.equals(archive)) {
          Files.deleteIfExists(p);
        }
      }
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

  private static List<String> concat(List<String> a, String b) {
    return java.util.stream.Stream.concat(a.stream(), java.util.stream.Stream.of(b)).toList();
  }
}
