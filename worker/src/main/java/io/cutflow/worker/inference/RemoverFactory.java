package io.cutflow.worker.inference;

import ai.onnxruntime.OrtException;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.image.PngWriter;
import io.cutflow.worker.model.FetchProgress;
import io.cutflow.worker.model.LicenceWarning;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a ready {@link BackgroundRemover}: the model fetched and verified through the registry,
 * its session created with the manifest's pre/post-processing settings, and warmed up — so the
 * first real image runs at full speed.
 */
public final class RemoverFactory {
  private static final Logger log = LoggerFactory.getLogger(RemoverFactory.class);

  /**
   * Whole cutouts the commands that measure or compare (profile, quality) run first. A fresh
   * session's first run is slow with the arena on (it fills it), and a new JVM runs the Java stages
   * interpreted; with the memory pattern off, the second run is within ~5 % of steady speed. With
   * the pattern on, the second run is slow too (it allocates the planned block).
   */
  public static final int DEFAULT_WARMUP_RUNS = 1;

  private RemoverFactory() {}

  /** A loaded, warmed remover and what it cost to get there. Closing it frees the session. */
  public record Loaded(
      BackgroundRemover remover,
      InferenceSession session,
      String model,
      Path file,
      int intraOpThreads,
      long loadMillis,
      List<Long> warmupMillis)
      implements AutoCloseable {
    @Override
    public void close() throws OrtException {
      session.close();
    }
  }

  /** The manifest's description of a model, as the pre- and post-processing need it. */
  public static ModelProfile profileOf(ModelSpec spec) {
    return new ModelProfile(
        spec.name(),
        spec.input().width(),
        spec.input().height(),
        spec.normalization().mean(),
        spec.normalization().std(),
        spec.output(),
        spec.activation() == ModelSpec.Activation.SIGMOID
            ? ModelProfile.Activation.SIGMOID
            : ModelProfile.Activation.NONE,
        spec.masks());
  }

  /**
   * CLI convenience: default registry, default image limits, {@code warmupRuns} warm-up cutouts (0:
   * the first real image pays the cold run).
   */
  public static Loaded open(String model, InferenceSession.Settings settings, int warmupRuns)
      throws IOException, OrtException {
    return open(model, settings, ImageLimits.defaults(), warmupRuns);
  }

  /** As above, with {@code limits} (the command line's: {@link ImageLimits#forCommandLine}). */
  public static Loaded open(
      String model, InferenceSession.Settings settings, ImageLimits limits, int warmupRuns)
      throws IOException, OrtException {
    return open(ModelRegistry.createDefault(), model, settings, limits, warmupRuns);
  }

  /**
   * A remover whose images share this JVM's heap with nothing else ({@link MemoryBudget}), large
   * ones one at a time from a collected heap, as in a worker (cutflow.worker.image-overlap-mb).
   */
  public static Loaded open(
      ModelRegistry registry,
      String model,
      InferenceSession.Settings settings,
      ImageLimits limits,
      int warmupRuns)
      throws IOException, OrtException {
    return open(registry, model, settings, limits, WarmUpImage.Plan.wholeCutouts(warmupRuns));
  }

  /** As above, warmed as {@code warmUp} says. */
  public static Loaded open(
      ModelRegistry registry,
      String model,
      InferenceSession.Settings settings,
      ImageLimits limits,
      WarmUpImage.Plan warmUp)
      throws IOException, OrtException {
    MemoryBudget budget =
        MemoryBudget.forRuntime(0)
            .withSharedLimit((long) MemoryBudget.DEFAULT_SHARED_LIMIT_MIB << 20, System::gc);
    return open(registry, model, settings, limits, budget, warmUp);
  }

  /** A remover whose images are admitted against {@code budget}. */
  public static Loaded open(
      ModelRegistry registry,
      String model,
      InferenceSession.Settings settings,
      ImageLimits limits,
      MemoryBudget budget,
      WarmUpImage.Plan warmUp)
      throws IOException, OrtException {
    ModelSpec spec = model == null ? registry.defaultModel() : registry.get(model);
    LicenceWarning.warnOnce(spec);
    long t0 = System.nanoTime();
    Path file;
    InferenceSession session;
    if (spec.family() == ModelSpec.Family.SAM) {
      List<Path> files = registry.ensureAll(spec.name(), FetchProgress.NONE);
      file = files.get(0);
      session = InferenceSession.sam(files.get(0), files.get(1), profileOf(spec), settings);
    } else {
      file = registry.ensure(spec.name(), FetchProgress.NONE);
      session = new InferenceSession(file, profileOf(spec), settings);
    }
    long loaded = System.nanoTime();
    BackgroundRemover remover =
        new BackgroundRemover(session, new ImageDecoder(limits), new PngWriter(), budget);
    List<Long> warm = WarmUpImage.warm(remover, session, warmUp);
    long loadMillis = (loaded - t0) / 1_000_000;
    log.atInfo()
        .setMessage("remover ready")
        .addKeyValue("model", spec.name())
        .addKeyValue("load_ms", loadMillis)
        .addKeyValue("warmup_ms", warm)
        .log();
    return new Loaded(
        remover, session, spec.name(), file, settings.intraOpThreads(), loadMillis, warm);
  }
}
