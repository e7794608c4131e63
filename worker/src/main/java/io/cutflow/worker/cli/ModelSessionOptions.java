package io.cutflow.worker.cli;

import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.inference.InferenceSession;
import picocli.CommandLine.Option;

/**
 * The model and thread options of the commands that open one model session ({@code profile}, {@code
 * cold-start}).
 */
public final class ModelSessionOptions {
  @Option(
      names = {"-m", "--model"},
      description = "Model name; default: the manifest's default.")
  String model;

  @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores).")
  Integer threads;

  @Option(
      names = "--fp16-weights",
      description =
          "Load the model file as it is, not the session's copy (float32, only the output read;"
              + " workers: cutflow.worker.fp32-weights).")
  boolean fp16Weights;

  @Option(
      names = "--no-saved-model",
      description =
          "Optimise the model's graph at start instead of loading ONNX Runtime's optimised form saved"
              + " beside it (workers: cutflow.worker.ort-saved-model).")
  boolean noSavedModel;

  @Option(
      names = "--no-arena",
      description =
          "Turn ONNX Runtime's CPU memory arena off: less memory, more page faults in every run"
              + " (workers: cutflow.worker.ort-arena).")
  boolean noArena;

  /** The model name, or null for the manifest's default. */
  public String model() {
    return model;
  }

  /** Refuses values the session cannot take, before anything loads. */
  public void check() {
    CliArguments.allowedFor("--threads", WorkerConfig.INTRA_OP_THREADS, threads);
  }

  /** Intra-op threads, or null for all cores. */
  public Integer threads() {
    return threads;
  }

  /** Whether to load a float16 model's float32 copy (the default). */
  public boolean fp32Weights() {
    return !fp16Weights;
  }

  /** The session settings these options give (the rest as {@link InferenceSession.Settings#of}). */
  public InferenceSession.Settings settings() {
    return InferenceSession.Settings.of(threads)
        .withFp32Weights(!fp16Weights)
        .withSavedModel(!noSavedModel)
        .withArena(!noArena);
  }
}
