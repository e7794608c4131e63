package io.cutflow.worker.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.cutflow.worker.model.Fp32Model;
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
 * <p>The first runs of a fresh session are several times slower (allocation planning, kernel
 * selection), so {@link #warmUp} runs the model before the owner reports ready. {@link #run} is
 * serialised: one session runs one image at a time with all its intra-op threads, which is the
 * fastest use of a CPU session; callers overlap I/O around it rather than inside it.
 */
public final class InferenceSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InferenceSession.class);

  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelProfile profile;
  private final String inputName;
  private final long[] inputShape;

  /** The encoder and decoder of a {@code sam} model, instead of {@code session}; else null. */
  private final SamSegmenter sam;

  private volatile boolean warm;

  private InferenceSession(SamSegmenter sam, ModelProfile profile) {
    this.env = OrtEnvironment.getEnvironment();
    this.session = null;
    this.profile = profile;
    this.inputName = null;
    this.inputShape = null;
    this.sam = sam;
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
            new SamSegmenter(encoder, decoder, settings.intraOpThreads()), profile);
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
   */
  public record Settings(
      int intraOpThreads, boolean allowSpinning, boolean memoryPattern, boolean fp32Weights) {
    public Settings(int intraOpThreads, boolean allowSpinning) {
      this(intraOpThreads, allowSpinning, false);
    }

    public Settings(int intraOpThreads, boolean allowSpinning, boolean memoryPattern) {
      this(intraOpThreads, allowSpinning, memoryPattern, true);
    }

    public static Settings defaults() {
      return new Settings(Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    }
  }

  public InferenceSession(Path modelFile, ModelProfile profile, Settings settings)
      throws OrtException, IOException {
    this.env = OrtEnvironment.getEnvironment();
    this.profile = profile;
    long start = System.nanoTime();
    Path load = settings.fp32Weights() ? Fp32Model.of(modelFile) : modelFile;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(settings.intraOpThreads());
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      // Spinning intra-op threads burn CPU between runs; off when decode/encode share the cores.
      options.addConfigEntry(
          "session.intra_op.allow_spinning", settings.allowSpinning() ? "1" : "0");
      options.setMemoryPatternOptimization(settings.memoryPattern());
      if (Boolean.getBoolean("exp.initdev")) {
        options.addConfigEntry("session.use_device_allocator_for_initializers", "1");
      }
      if (Boolean.getBoolean("exp.noprepack")) {
        options.addConfigEntry("session.disable_prepacking", "1");
      }
      if (Boolean.getBoolean("exp.noarena")) {
        options.setCPUArenaAllocator(false);
      }
      this.session = env.createSession(load.toString(), options);
    }
    this.sam = null;
    Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
    this.inputName = in.getKey();
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
        .addKeyValue("load_ms", (System.nanoTime() - start) / 1_000_000)
        .log();
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
  public synchronized FloatBuffer run(FloatBuffer input) throws OrtException {
    if (sam != null) {
      throw new IllegalStateException(profile.name() + " runs with a prompt: use sam()");
    }
    input.rewind();
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, inputShape);
        OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
      OnnxTensor out = (OnnxTensor) result.get(profile.outputIndex());
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

  /** Records that the session has been warmed by its owner (see {@link WarmUpImage}). */
  void markWarm() {
    warm = true;
  }

  public boolean isWarm() {
    return warm;
  }

  @Override
  public void close() throws OrtException {
    if (sam != null) {
      sam.close();
    } else {
      session.close();
    }
  }
}
