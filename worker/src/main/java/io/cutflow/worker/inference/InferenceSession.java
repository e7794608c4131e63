package io.cutflow.worker.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.cutflow.worker.model.Fp32Model;
import io.cutflow.worker.model.OptimizedModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
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

  /** Opens {@link #session}, and the session without the arena that a large image runs on. */
  private final SessionOpener opener;

  /** The threads that run the model, and their priority. */
  private final ModelThreads threads = new ModelThreads();

  /** The session images run on; null while emptied ({@link #emptyArena}; guarded by this). */
  private OrtSession session;

  /**
   * The session without the arena that large images run on, with the arena on; open from the first
   * large image to the next ordinary one (guarded by this).
   */
  private OrtSession plain;

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

  /** Whether {@link #session} has ONNX Runtime's arena (see {@link #run(FloatBuffer, boolean)}). */
  private final boolean arena;

  /** Whether {@link #session}'s arena holds a run's memory (guarded by this). */
  private boolean arenaFilled;

  /** Model runs so far (guarded by this). */
  private long runs;

  /** Times the arena gave its memory back ({@link #emptyArena}; guarded by this). */
  private long arenaReleases;

  private volatile boolean warm;

  private InferenceSession(SamSegmenter sam, Path encoder, ModelProfile profile) {
    this.env = OrtEnvironment.getEnvironment();
    this.session = null;
    this.opener = null;
    this.loadedFrom = encoder;
    this.profile = profile;
    this.inputName = null;
    this.outputIndex = -1;
    this.inputShape = null;
    this.sam = sam;
    this.slowRuns = 1; // its two sessions keep ONNX Runtime's defaults, the arena on
    this.arena = false;
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
                load,
                env.getVersion(),
                (src, out) -> SessionOpener.saveOptimised(src, out, settings))
            : null;
    this.opener = new SessionOpener(env, settings, threads);
    this.session = opener.first(load, saved);
    this.loadedFrom = opener.file();
    this.sam = null;
    this.slowRuns = settings.memoryPattern() ? 2 : settings.arena() ? 1 : 0;
    this.arena = settings.arena();
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
        .addKeyValue("file", loadedFrom)
        .addKeyValue("intra_op_threads", settings.intraOpThreads())
        .addKeyValue("memory_pattern", settings.memoryPattern())
        .addKeyValue("arena", settings.arena())
        .addKeyValue("load_ms", (System.nanoTime() - start) / 1_000_000)
        .log();
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

  /** The threads that run the model: a worker puts them at real-time priority once active. */
  public ModelThreads threads() {
    return threads;
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
   * {@link #run(FloatBuffer)}; with {@code large} (an image that runs alone, whose mask,
   * composition and PNG come next) and the arena on, the run goes to a session without the arena,
   * after this one's arena is emptied ({@link #emptyArena}): a full arena holds about 240 MB more
   * than an arena-free run needs at its peak, and a 24 MP image's heap comes on top. That session
   * serves the large images that follow; the next ordinary run closes it and fills the arena again
   * (one slow run).
   */
  public synchronized FloatBuffer run(FloatBuffer input, boolean large) throws OrtException {
    if (sam != null) {
      throw new IllegalStateException(profile.name() + " runs with a prompt: use sam()");
    }
    threads.beforeRun();
    input.rewind();
    runs++;
    if (large && arena) {
      emptyArena();
      if (plain == null) {
        plain = opener.open(false);
      }
      return run(plain, input);
    }
    if (plain != null) {
      OrtSession done = plain;
      plain = null;
      done.close();
    }
    if (session == null) {
      session = opener.open(arena); // closed by emptyArena
    }
    FloatBuffer out = run(session, input);
    arenaFilled = arena;
    return out;
  }

  /**
   * Gives the arena's memory back where it holds a run's: closes the session, its arena with it;
   * the next ordinary run opens it again (tens of milliseconds from the mapped saved model). For a
   * large image as soon as it is admitted, before it is decoded, so that its heap does not come on
   * top of a full arena either, and the session without the arena that it runs on is the only one
   * in memory during its run.
   */
  public synchronized void emptyArena() {
    if (!arenaFilled) {
      return;
    }
    arenaReleases++;
    arenaFilled = false;
    OrtSession full = session;
    session = null;
    try {
      full.close();
    } catch (OrtException e) {
      log.atWarn()
          .setMessage("closing the model's session to empty its arena failed")
          .addKeyValue("model", profile.name())
          .addKeyValue("error", e.toString())
          .log();
    }
  }

  private FloatBuffer run(OrtSession on, FloatBuffer input) throws OrtException {
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, inputShape);
        OrtSession.Result result = on.run(Map.of(inputName, tensor))) {
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

  @Override
  public synchronized void close() throws OrtException {
    if (sam != null) {
      sam.close();
    } else {
      if (plain != null) {
        plain.close();
      }
      if (session != null) {
        session.close();
      }
    }
  }
}
