package io.cutflow.worker.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.cutflow.worker.model.Fp32Model;
import io.cutflow.worker.model.OptimizedModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session, created once, warmed up, then reused for every image.
 *
 * <p>With ONNX Runtime's arena or memory pattern on, a fresh session's first run is slower than the
 * next (it allocates what later runs reuse), so the owner runs the model before it reports ready
 * ({@link #slowRuns}, {@link WarmUpImage}). {@link #run} is serialised: one session runs one image
 * at a time with all its intra-op threads, which is the fastest use of a CPU session; callers
 * overlap I/O around it rather than inside it.
 */
public final class InferenceSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InferenceSession.class);

  private final OrtEnvironment env;
  private final OrtSession session;

  /** The mapped saved model a session reads its weights from; held as long as the session. */
  @SuppressWarnings("unused")
  private final MappedByteBuffer modelBytes;

  private final Path loadedFrom;

  private final ModelProfile profile;
  private final String inputName;

  /** The profile's output in the file loaded: the only one left in a session's copy. */
  private final int outputIndex;

  private final long[] inputShape;

  /** The encoder and decoder of a {@code sam} model, instead of {@code session}; else null. */
  private final SamSegmenter sam;

  /** See {@link #slowRuns}. */
  private final int slowRuns;

  /**
   * Run options that give the arena's free regions back when the run ends; null without an arena.
   */
  private final OrtSession.RunOptions releasingArena;

  /** Model runs so far (guarded by this). */
  private long runs;

  /** Runs after which the arena gave its free memory back (guarded by this). */
  private long arenaReleases;

  private volatile boolean warm;

  private InferenceSession(SamSegmenter sam, Path encoder, ModelProfile profile) {
    this.env = OrtEnvironment.getEnvironment();
    this.session = null;
    this.modelBytes = null;
    this.loadedFrom = encoder;
    this.profile = profile;
    this.inputName = null;
    this.outputIndex = -1;
    this.inputShape = null;
    this.sam = sam;
    this.slowRuns = 1; // its two sessions keep ONNX Runtime's defaults, the arena on
    this.releasingArena = null;
  }

  /**
   * A {@code sam} model's two sessions: its input depends on the job's prompt, so {@link
   * BackgroundRemover} runs it through {@link #sam()} rather than {@link #run}.
   */
  public static InferenceSession sam(
      Path encoder, Path decoder, ModelProfile profile, Settings settings) throws OrtException {
    long start = System.nanoTime();
    InferenceSession s =
        new InferenceSession(
            new SamSegmenter(encoder, decoder, settings.intraOpThreads()), encoder, profile);
    log.atInfo()
        .setMessage("model session created")
        .addKeyValue("model", profile.name())
        .addKeyValue("file", encoder + ", " + decoder)
        .addKeyValue("intra_op_threads", settings.intraOpThreads())
        .addKeyValue("load_ms", (System.nanoTime() - start) / 1_000_000)
        .log();
    return s;
  }

  /** The encoder and decoder of a {@code sam} model; null for every other model. */
  public SamSegmenter sam() {
    return sam;
  }

  /**
   * @param memoryPattern ONNX Runtime's memory-pattern planning: off by default. With it on, the
   *     first run fills the arena and the second allocates a second, planned block of the same
   *     size, so a session holds its activations twice (≈ 1.7 GB instead of 1.0 GB RSS for ISNet at
   *     1024²) and needs two slow runs to warm instead of one. Steady-state run time is the same
   *     within this machine's noise ({@code cutflow cold-start} measures both).
   * @param fp32Weights load a float16 model's float32 copy ({@link Fp32Model}): ONNX Runtime's CPU
   *     kernels are float32, and on the float16 file it casts around every operator.
   * @param savedModel load ONNX Runtime's optimised form of the model, saved once beside it ({@link
   *     OptimizedModel}), from a mapped file, instead of optimising the graph again
   * @param arena ONNX Runtime's CPU memory arena: a run's activations stay allocated for the next
   *     run (about 560 MB for ISNet at 1024²). Off, each run allocates and frees them: less
   *     resident memory between and around runs, more page faults in every run.
   */
  public record Settings(
      int intraOpThreads,
      boolean allowSpinning,
      boolean memoryPattern,
      boolean fp32Weights,
      boolean savedModel,
      boolean arena) {
    /** The defaults but threads and spinning: fp32 weights, the saved model and the arena on. */
    public Settings(int intraOpThreads, boolean allowSpinning) {
      this(intraOpThreads, allowSpinning, false, true, true, true);
    }

    /** All cores ({@code threads} null) or {@code threads}, spinning, everything else default. */
    public static Settings of(Integer threads) {
      return new Settings(
          threads == null ? Math.max(1, Runtime.getRuntime().availableProcessors()) : threads,
          true);
    }

    public Settings withFp32Weights(boolean on) {
      return new Settings(intraOpThreads, allowSpinning, memoryPattern, on, savedModel, arena);
    }

    public Settings withSavedModel(boolean on) {
      return new Settings(intraOpThreads, allowSpinning, memoryPattern, fp32Weights, on, arena);
    }

    public Settings withMemoryPattern(boolean on) {
      return new Settings(intraOpThreads, allowSpinning, on, fp32Weights, savedModel, arena);
    }

    public Settings withSpinning(boolean on) {
      return new Settings(intraOpThreads, on, memoryPattern, fp32Weights, savedModel, arena);
    }

    public Settings withArena(boolean on) {
      return new Settings(
          intraOpThreads, allowSpinning, memoryPattern, fp32Weights, savedModel, on);
    }
  }

  public InferenceSession(Path modelFile, ModelProfile profile, Settings settings)
      throws OrtException, IOException {
    this.env = OrtEnvironment.getEnvironment();
    this.profile = profile;
    long start = System.nanoTime();
    Path load = settings.fp32Weights() ? Fp32Model.of(modelFile, profile.outputIndex()) : modelFile;
    Path saved =
        settings.savedModel()
            ? OptimizedModel.of(
                load, env.getVersion(), (src, out) -> saveOptimised(src, out, settings))
            : null;
    OrtSession opened = null;
    MappedByteBuffer bytes = null;
    if (saved != null) {
      try (FileChannel ch = FileChannel.open(saved);
          OrtSession.SessionOptions options = options(settings)) {
        bytes = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        // the saved graph is already optimised; its weights stay in the mapped file
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        options.addConfigEntry("session.use_ort_model_bytes_directly", "1");
        options.addConfigEntry("session.use_ort_model_bytes_for_initializers", "1");
        opened = env.createSession(bytes, options);
        load = saved;
      } catch (OrtException | IOException e) {
        log.atWarn()
            .setMessage("cannot load the saved optimised model; optimising the model instead")
            .addKeyValue("file", saved)
            .addKeyValue("error", e.toString())
            .log();
        bytes = null;
      }
    }
    if (opened == null) {
      try (OrtSession.SessionOptions options = options(settings)) {
        opened = env.createSession(load.toString(), options);
      }
    }
    this.session = opened;
    this.modelBytes = bytes;
    this.loadedFrom = load;
    this.sam = null;
    this.slowRuns = settings.memoryPattern() ? 2 : settings.arena() ? 1 : 0;
    this.releasingArena = settings.arena() ? releasingArena() : null;
    Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
    this.inputName = in.getKey();
    this.outputIndex = session.getNumOutputs() == 1 ? 0 : profile.outputIndex();
    this.inputShape = new long[] {1, 3, profile.inputHeight(), profile.inputWidth()};
    if (in.getValue().getInfo() instanceof TensorInfo ti) {
      long[] declared = ti.getShape();
      if (declared.length != 4 || (declared[1] > 0 && declared[1] != 3)) {
        throw new IllegalArgumentException(
            profile.name()
                + ": model input "
                + inputName
                + " has shape "
                + java.util.Arrays.toString(declared)
                + ", expected [1,3,H,W]");
      }
    }
    log.atInfo()
        .setMessage("model session created")
        .addKeyValue("model", profile.name())
        .addKeyValue("file", load)
        .addKeyValue("intra_op_threads", settings.intraOpThreads())
        .addKeyValue("memory_pattern", settings.memoryPattern())
        .addKeyValue("arena", settings.arena())
        .addKeyValue("load_ms", (System.nanoTime() - start) / 1_000_000)
        .log();
  }

  /** The options every session of these settings shares, the graph fully optimised. */
  private static OrtSession.SessionOptions options(Settings settings) throws OrtException {
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
  static void saveOptimised(Path model, Path out, Settings settings) throws OrtException {
    try (OrtSession.SessionOptions options = options(settings)) {
      // ONNX Runtime warns on the console that the file is CPU-specific: OptimizedModel keys it so
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      options.setOptimizedModelFilePath(out.toString());
      options.addConfigEntry("session.save_model_format", "ORT");
      OrtEnvironment.getEnvironment().createSession(model.toString(), options).close();
    }
  }

  /**
   * The file the session was made from: the model, its float32 copy or its saved optimised form.
   */
  public Path loadedFrom() {
    return loadedFrom;
  }

  public ModelProfile profile() {
    return profile;
  }

  /**
   * A direct, native-order buffer of the model's input size. Direct buffers are handed to ONNX
   * Runtime without a copy; the pipeline keeps a few and reuses them so pre-processing of the next
   * image can fill one while the model reads another.
   */
  public FloatBuffer newInputBuffer() {
    if (sam != null) {
      // sam's input is made in infer (it depends on the prompt): pooled buffers stay unused
      return ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
    return ByteBuffer.allocateDirect(3 * profile.inputWidth() * profile.inputHeight() * Float.BYTES)
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /** Runs the model on {@code input} (NCHW, position 0); returns the selected output (a copy). */
  public FloatBuffer run(FloatBuffer input) throws OrtException {
    return run(input, false);
  }

  /**
   * {@link #run(FloatBuffer)}; with {@code releaseArena}, the session's memory arena (if it has
   * one) gives its free regions back to the system when the run ends, so that the caller's next
   * heap work does not sit on top of a full arena. The next run fills it again (one slow run).
   */
  public synchronized FloatBuffer run(FloatBuffer input, boolean releaseArena) throws OrtException {
    if (sam != null) {
      throw new IllegalStateException(profile.name() + " runs with a prompt: use sam()");
    }
    input.rewind();
    runs++;
    boolean release = releaseArena && releasingArena != null;
    if (release) {
      arenaReleases++;
    }
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, inputShape);
        OrtSession.Result result =
            release
                ? session.run(Map.of(inputName, tensor), releasingArena)
                : session.run(Map.of(inputName, tensor))) {
      OnnxTensor out = (OnnxTensor) result.get(outputIndex);
      return out.getFloatBuffer();
    }
  }

  /** Runs the model {@code runs} times on a blank input; returns the duration of each run in ms. */
  public synchronized List<Long> warmUp(int runs) throws OrtException {
    List<Long> times = new ArrayList<>();
    FloatBuffer input = newInputBuffer(); // zeros: a mid-grey image after normalisation
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      if (sam != null) {
        sam.mask(new byte[4 * 64 * 64], 64, 64, SamPrompt.centre(64, 64));
      } else {
        run(input);
      }
      times.add((System.nanoTime() - t0) / 1_000_000);
    }
    warm = true;
    log.atInfo()
        .setMessage("model warmed up")
        .addKeyValue("model", profile.name())
        .addKeyValue("runs_ms", times)
        .log();
    return times;
  }

  /**
   * How many of this session's first runs cost more than later ones, so that warming it means
   * running it that often. With the arena on, run 0 allocates what later runs reuse: ISNet on 2
   * threads, {@code cutflow cold-start}, 5.4 s against 4.6 s steady (+17 %). The memory pattern
   * adds a second slow run (it allocates the planned block). With both off every run allocates and
   * frees its activations, and run 0 is within a few per cent of the next (5.2 s against 4.9–5.1 s:
   * {@code cutflow cold-start --no-arena}): 0.
   */
  public int slowRuns() {
    return slowRuns;
  }

  /** How many times {@link #run} has run the model. */
  public synchronized long runCount() {
    return runs;
  }

  /** How many runs gave the arena's free memory back when they ended. */
  public synchronized long arenaReleases() {
    return arenaReleases;
  }

  /** Records that the session has been warmed by its owner (see {@link WarmUpImage}). */
  void markWarm() {
    warm = true;
  }

  public boolean isWarm() {
    return warm;
  }

  private static OrtSession.RunOptions releasingArena() throws OrtException {
    OrtSession.RunOptions options = new OrtSession.RunOptions();
    options.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
    return options;
  }

  @Override
  public void close() throws OrtException {
    if (sam != null) {
      sam.close();
    } else {
      session.close();
      if (releasingArena != null) {
        releasingArena.close();
      }
    }
  }
}
