package io.cutflow.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Properties;

/**
 * A file made from a model file and cached beside it ({@link Fp32Model}, {@link OptimizedModel}),
 * with a sidecar {@code .properties} that keys it to its source and records its own size,
 * modification time and SHA-256. The file is trusted while its size and time match the sidecar,
 * else hashed again (the model files' own verification cache works the same way). Files and
 * sidecars are written to a private temporary file and moved into place, so two processes making
 * the same file at once each move a whole one.
 */
final class DerivedFile {
  final Path file;
  final Path sidecar;

  DerivedFile(Path file, Path sidecar) {
    this.file = file;
    this.sidecar = sidecar;
  }

  /** The sidecar's properties, or null when it is missing or unreadable. */
  Properties read() {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(sidecar)) {
      p.load(in);
      return p;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  /** Whether the sidecar was written for this source (its size and modification time). */
  static boolean madeFrom(Properties p, BasicFileAttributes source) {
    return Long.toString(source.size()).equals(p.getProperty("source.size"))
        && source.lastModifiedTime().toInstant().toString().equals(p.getProperty("source.mtime"));
  }

  /** Records the source's size and modification time in {@code p}. */
  static void recordSource(Properties p, BasicFileAttributes source) {
    p.setProperty("source.size", Long.toString(source.size()));
    p.setProperty("source.mtime", source.lastModifiedTime().toInstant().toString());
  }

  /** Whether the file is the one {@code p} records: same size, and same time or same SHA-256. */
  boolean intact(Properties p) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (!attrs.isRegularFile() || !Long.toString(attrs.size()).equals(p.getProperty("size"))) {
      return false;
    }
    if (attrs.lastModifiedTime().toInstant().toString().equals(p.getProperty("mtime"))) {
      return true;
    }
    return Checksum.Algorithm.SHA256.digest(file).equals(p.getProperty("sha256"));
  }

  /** A private temporary file beside the file, for a writer to fill and {@link #install}. */
  Path temporary() throws IOException {
    return Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
  }

  /**
   * Moves the filled temporary file into place, records its size, time and SHA-256 in {@code p} and
   * writes the sidecar. The temporary file is gone afterwards, whatever happens.
   */
  void install(Path tmp, Properties p, String comment) throws IOException {
    try {
      ModelFetcher.makeReadable(tmp);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
    p.setProperty("size", Long.toString(attrs.size()));
    p.setProperty("mtime", attrs.lastModifiedTime().toInstant().toString());
    p.setProperty("sha256", Checksum.Algorithm.SHA256.digest(file));
    writeSidecar(p, comment);
  }

  /** Writes the sidecar alone (a source recorded as needing no derived file). */
  void writeSidecar(Properties p, String comment) throws IOException {
    Path tmp = Files.createTempFile(sidecar.getParent(), sidecar.getFileName() + ".", ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        p.store(out, comment);
      }
      ModelFetcher.makeReadable(tmp);
      Files.move(tmp, sidecar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
