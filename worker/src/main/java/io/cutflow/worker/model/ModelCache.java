package io.cutflow.worker.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The directory model files are cached in. Resolved, first match wins:
 *
 * <ol>
 *   <li>an explicit path (e.g. {@code --cache DIR});
 *   <li>environment variable {@value #ENV};
 *   <li>system property {@value #PROPERTY};
 *   <li>{@code $CUTFLOW_HOME/models/cache} when {@code CUTFLOW_HOME} is set;
 *   <li>{@code models/cache} of the nearest ancestor of the working directory that contains {@code
 *       models/models.json} (a source checkout);
 *   <li>{@code ~/.cache/cutflow/models}.
 * </ol>
 */
public final class ModelCache {

  public static final String ENV = "CUTFLOW_MODEL_CACHE";
  public static final String PROPERTY = "cutflow.models.cache";
  public static final String HOME_ENV = "CUTFLOW_HOME";

  private final Path dir;
  private final String reason;

  public ModelCache(Path dir) {
    this(dir, "explicit");
  }

  private ModelCache(Path dir, String reason) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
    this.reason = reason;
  }

  /** Resolves from the environment, system properties and working directory. */
  public static ModelCache resolve() {
    return resolve(null);
  }

  /** Uses {@code explicit} when non-null, else resolves as {@link #resolve()}. */
  public static ModelCache resolve(Path explicit) {
    return resolve(
        explicit,
        System.getenv(),
        System.getProperties(),
        Path.of("").toAbsolutePath(),
        Path.of(System.getProperty("user.home")));
  }

  /** The resolution rules with every input given, for tests and embedding. */
  public static ModelCache resolve(
      Path explicit, Map<String, String> env, Properties props, Path workingDir, Path userHome) {
    if (explicit != null) {
      return new ModelCache(explicit, "explicit");
    }
    String v = env.get(ENV);
    if (v != null && !v.isBlank()) {
      return new ModelCache(Path.of(v), "env " + ENV);
    }
    v = props.getProperty(PROPERTY);
    if (v != null && !v.isBlank()) {
      return new ModelCache(Path.of(v), "property " + PROPERTY);
    }
    v = env.get(HOME_ENV);
    if (v != null && !v.isBlank()) {
      return new ModelCache(Path.of(v).resolve("models").resolve("cache"), "env " + HOME_ENV);
    }
    for (Path p = workingDir.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("models").resolve("models.json"))) {
        return new ModelCache(p.resolve("models").resolve("cache"), "checkout " + p);
      }
    }
    return new ModelCache(
        userHome.resolve(".cache").resolve("cutflow").resolve("models"), "user cache");
  }

  /** The cache directory (absolute; may not exist yet). */
  public Path dir() {
    return dir;
  }

  /** Why this directory was chosen (e.g. "env CUTFLOW_MODEL_CACHE"), for diagnostics. */
  public String reason() {
    return reason;
  }

  /** Where the given model lives in this cache. */
  public Path pathFor(ModelSpec spec) {
    return dir.resolve(spec.file());
  }

  /** The lock file that serialises fetches of {@code spec} into this cache, across processes. */
  public Path lockFor(ModelSpec spec) {
    return dir.resolve(spec.file() + ".lock");
  }

  /**
   * The one-line error for a cache that cannot be written (read-only, or not ours) while it does
   * not hold a verified copy of {@code spec}: where, why, and the two ways out.
   *
   * @param state what is there instead ("missing", or the verification problem)
   */
  public IOException cannotFetchInto(ModelSpec spec, String state, IOException cause) {
    String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.toString();
    return new IOException(
        "model cache "
            + this
            + " does not hold a verified copy of model '"
            + spec.name()
            + "' ("
            + spec.file()
            + ": "
            + state
            + ") and cannot be written to fetch one ("
            + why.replace('\n', ' ')
            + "); put the verified file there (./cutflow models fetch "
            + spec.name()
            + " --cache DIR on a writable machine, then copy DIR), or set cutflow.models.dir"
            + " (CUTFLOW_MODEL_CACHE) to a writable directory",
        cause);
  }

  /** Creates the directory if needed. */
  public Path createDirectories() throws IOException {
    return Files.createDirectories(dir);
  }

  @Override
  public String toString() {
    return dir + " (" + reason + ")";
  }
}
