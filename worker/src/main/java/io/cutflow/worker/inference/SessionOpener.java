package io.cutflow.worker.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens ONNX Runtime sessions of one model with one set of {@link InferenceSession.Settings}: the
 * first when the model loads, and later ones with the arena on or off ({@link InferenceSession}
 * runs a large image on a session without the arena). The saved optimised model is mapped once and
 * every session reads its weights from that one mapping, so a new session costs tens of
 * milliseconds and no second copy of the weights.
 */
final class SessionOpener {
  private static final Logger log = LoggerFactory.getLogger(SessionOpener.class);

  private final OrtEnvironment env;
  private final InferenceSession.Settings settings;
  private final ModelThreads threads;
  private Path file;

  /** The mapped saved model; null where sessions load {@link #file} by its path. */
  private MappedByteBuffer bytes;

  SessionOpener(OrtEnvironment env, InferenceSession.Settings settings, ModelThreads threads) {
    this.env = env;
    this.settings = settings;
    this.threads = threads;
  }

  /**
   * The first session: from {@code saved} (ONNX Runtime's optimised form, mapped) where it loads,
   * else from {@code load}, whose graph is then optimised again. Later sessions come from the same.
   */
  OrtSession first(Path load, Path saved) throws OrtException {
    if (saved != null) {
      try (FileChannel ch = FileChannel.open(saved)) {
        bytes = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        file = saved;
        return open(settings.arena());
      } catch (OrtException | IOException e) {
        log.atWarn()
            .setMessage("cannot load the saved optimised model; optimising the model instead")
            .addKeyValue("file", saved)
            .addKeyValue("error", e.toString())
            .log();
        bytes = null;
      }
    }
    file = load;
    return open(settings.arena());
  }

  /** The file the sessions are made from. */
  Path file() {
    return file;
  }

  /**
   * A new session, with ONNX Runtime's CPU memory arena on or off; its intra-op threads go to
   * {@link ModelThreads}.
   */
  OrtSession open(boolean arena) throws OrtException {
    Set<Integer> before = ModelThreads.snapshot();
    OrtSession session;
    try (OrtSession.SessionOptions options = options(settings.withArena(arena))) {
      if (bytes == null) {
        session = env.createSession(file.toString(), options);
      } else {
        // the saved graph is already optimised; its weights stay in the mapped file
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        options.addConfigEntry("session.use_ort_model_bytes_directly", "1");
        options.addConfigEntry("session.use_ort_model_bytes_for_initializers", "1");
        session = env.createSession(bytes, options);
      }
    }
    threads.opened(before);
    return session;
  }

  /** The options every session of these settings shares, the graph fully optimised. */
  private static OrtSession.SessionOptions options(InferenceSession.Settings settings)
      throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(settings.intraOpThreads());
    options.setInterOpNumThreads(1);
    options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    // Spinning intra-op threads burn CPU between runs; off when decode/encode share the cores.
    options.addConfigEntry("session.intra_op.allow_spinning", settings.allowSpinning() ? "1" : "0");
    options.setMemoryPatternOptimization(settings.memoryPattern());
    options.setCPUArenaAllocator(settings.arena());
    return options;
  }

  /**
   * Optimises {@code model} as a session would and saves the result in ORT format to {@code out}.
   */
  static void saveOptimised(Path model, Path out, InferenceSession.Settings settings)
      throws OrtException {
    try (OrtSession.SessionOptions options = options(settings)) {
      // ONNX Runtime warns on the console that the file is CPU-specific: OptimizedModel keys it so
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      options.setOptimizedModelFilePath(out.toString());
      options.addConfigEntry("session.save_model_format", "ORT");
      OrtEnvironment.getEnvironment().createSession(model.toString(), options).close();
    }
  }
}
