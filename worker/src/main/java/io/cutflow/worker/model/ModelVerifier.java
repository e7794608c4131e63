package io.cutflow.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks a model file against its spec (size, then SHA-256 or MD5). A successful check is
 * remembered in a sidecar {@code <file>.verified} (size, modification time, algorithm, digest) so
 * later checks of an unchanged file skip the hash; any change of size or modification time forces a
 * full re-check.
 */
public final class ModelVerifier {

  public static final String SIDECAR_SUFFIX = ".verified";

  private final AtomicLong fullHashes = new AtomicLong();

  /** Outcome of a check; {@code problem} is empty when the file is good. */
  public record Result(boolean ok, boolean fromSidecar, String problem) {
    static Result good(boolean fromSidecar) {
      return new Result(true, fromSidecar, "");
    }

    static Result bad(String problem) {
      return new Result(false, false, problem);
    }
  }

  /** Full check, using the sidecar when it still matches. */
  public Result verify(Path file, ModelSpec spec) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return Result.bad("missing");
    }
    if (!attrs.isRegularFile()) {
      return Result.bad("not a regular file");
    }
    if (spec.size() != null && attrs.size() != spec.size()) {
      return Result.bad("size mismatch: expected " + spec.size() + " bytes, got " + attrs.size());
    }
    Optional<Checksum> expected = spec.checksum();
    if (expected.isEmpty()) {
      return Result.good(false);
    }
    Checksum want = expected.get();
    if (sidecarMatches(file, attrs, want)) {
      return Result.good(true);
    }
    fullHashes.incrementAndGet();
    String got = want.algorithm().digest(file);
    if (!got.equals(want.hex())) {
      deleteSidecar(file);
      return Result.bad(
          want.algorithm().id() + " mismatch: expected " + want.hex() + ", got " + got);
    }
    writeSidecar(file, want);
    return Result.good(false);
  }

  /**
   * Cheap check without hashing: true when the file exists, has the right size and a sidecar that
   * matches its size, modification time and the spec's checksum.
   */
  public boolean isVerifiedCheaply(Path file, ModelSpec spec) {
    try {
      BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
      if (spec.size() != null && attrs.size() != spec.size()) {
        return false;
      }
      Optional<Checksum> want = spec.checksum();
      return want.isPresent() && sidecarMatches(file, attrs, want.get());
    } catch (IOException e) {
      return false;
    }
  }

  /** Records that {@code file} (already checked) matches {@code checksum}. */
  public void writeSidecar(Path file, Checksum checksum) {
    try {
      BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
      Properties p = new Properties();
      p.setProperty("size", Long.toString(attrs.size()));
      p.setProperty("mtime", attrs.lastModifiedTime().toInstant().toString());
      p.setProperty("algorithm", checksum.algorithm().id());
      p.setProperty("hash", checksum.hex());
      Path sidecar = sidecar(file);
      Path tmp =
          Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp");
      try {
        try (OutputStream out = Files.newOutputStream(tmp)) {
          p.store(out, "cutflow model verification cache; delete to force a re-check");
        }
        ModelFetcher.makeReadable(tmp);
        Files.move(
            tmp, sidecar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      // the sidecar is only an optimisation
    }
  }

  public static Path sidecar(Path file) {
    return file.resolveSibling(file.getFileName() + SIDECAR_SUFFIX);
  }

  static void deleteSidecar(Path file) {
    try {
      Files.deleteIfExists(sidecar(file));
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static boolean sidecarMatches(Path file, BasicFileAttributes attrs, Checksum want) {
    Path sidecar = sidecar(file);
    if (!Files.isRegularFile(sidecar)) {
      return false;
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(sidecar)) {
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
    return Long.toString(attrs.size()).equals(p.getProperty("size"))
        && attrs.lastModifiedTime().toInstant().toString().equals(p.getProperty("mtime"))
        && want.algorithm().id().equals(p.getProperty("algorithm"))
        && want.hex().equals(p.getProperty("hash"));
  }

  /** How many full-file digests this verifier has computed (for tests and diagnostics). */
  public long fullHashCount() {
    return fullHashes.get();
  }
}
