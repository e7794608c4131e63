package io.cutflow.worker.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's copy of a model, made once beside the model file as {@code <file>.fp32.onnx} and
 * reused: the session loads it instead of the model. The copy holds only the output the session
 * reads, with the nodes it needs ({@link OutputPruner}), in float32 ({@link Fp16ToFp32}).
 *
 * <p>A sidecar {@code <file>.fp32.properties} ({@link DerivedFile}) keys the copy to its source
 * (size, modification time — a re-fetched model is converted again — the converter's version and
 * the output kept) and records the copy's SHA-256; a copy that fails the check is made anew. A
 * float32 model with one output needs no copy: that is recorded as such and the model is loaded as
 * it is. Two processes converting at once each move a whole copy into place; the copies are
 * identical.
 */
public final class Fp32Model {
  private static final Logger log = LoggerFactory.getLogger(Fp32Model.class);

  /** Bump when the conversion changes, so that copies made by an older one are made again. */
  static final String CONVERTER_VERSION = "2";

  private Fp32Model() {}

  /**
   * The file a session that reads output {@code output} (from 0) should load for {@code model}: its
   * copy, or itself.
   */
  public static Path of(Path model, int output) throws IOException {
    DerivedFile copy = new DerivedFile(copyOf(model), sidecarOf(model));
    BasicFileAttributes src = Files.readAttributes(model, BasicFileAttributes.class);
    Properties p = copy.read();
    if (p != null
        && CONVERTER_VERSION.equals(p.getProperty("converter"))
        && String.valueOf(output).equals(p.getProperty("output"))
        && DerivedFile.madeFrom(p, src)) {
      if ("true".equals(p.getProperty("unchanged"))) {
        return model;
      }
      if (copy.intact(p)) {
        return copy.file;
      }
      log.atWarn()
          .setMessage("float32 copy of the model is missing or damaged; converting again")
          .addKeyValue("file", copy.file)
          .log();
    }
    try {
      return convert(model, output, copy, src);
    } catch (IOException e) {
      // A cache the worker cannot write (a read-only volume, models baked into an image) still
      // serves: the float16 file gives the same masks, only slower.
      log.atWarn()
          .setMessage(
              "cannot write the float32 copy beside the model; loading the float16 file (slower)."
                  + " Make the model cache writable once, or set cutflow.worker.fp32-weights=false")
          .addKeyValue("file", copy.file)
          .addKeyValue("error", e.toString())
          .log();
      return model;
    }
  }

  static Path copyOf(Path model) {
    return model.resolveSibling(model.getFileName() + ".fp32.onnx");
  }

  static Path sidecarOf(Path model) {
    return model.resolveSibling(model.getFileName() + ".fp32.properties");
  }

  private static Path convert(Path model, int output, DerivedFile copy, BasicFileAttributes src)
      throws IOException {
    long t0 = System.nanoTime();
    byte[] in = Files.readAllBytes(model);
    // pruned first, while the weights are still float16: less to widen, less memory at once
    byte[] pruned = OutputPruner.keepOutput(in, output);
    boolean fewerOutputs = !Arrays.equals(in, pruned);
    in = null;
    byte[] out = Fp16ToFp32.convert(pruned);
    boolean widened = !Arrays.equals(pruned, out);
    pruned = null;
    Properties p = new Properties();
    DerivedFile.recordSource(p, src);
    p.setProperty("converter", CONVERTER_VERSION);
    p.setProperty("output", String.valueOf(output));
    boolean unchanged = !fewerOutputs && !widened;
    String comment = "cutflow float32, one-output copy of a model; delete to convert again";
    Path result = model;
    if (unchanged) {
      p.setProperty("unchanged", "true");
      copy.writeSidecar(p, comment);
    } else {
      Path tmp = copy.temporary();
      try {
        Files.write(tmp, out);
      } catch (IOException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      copy.install(tmp, p, comment);
      result = copy.file;
    }
    log.atInfo()
        .setMessage(unchanged ? "model needs no copy: float32, one output" : "model copy made")
        .addKeyValue("file", result)
        .addKeyValue("float16_widened", widened)
        .addKeyValue("other_outputs_dropped", fewerOutputs)
        .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000)
        .log();
    return result;
  }
}
