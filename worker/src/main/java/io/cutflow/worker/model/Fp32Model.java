package io.cutflow.worker.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The float32 copy of a float16 model ({@link Fp16ToFp32}), made once beside the model file as
 * {@code <file>.fp32.onnx} and reused: the session loads it instead of the float16 file.
 *
 * <p>A sidecar {@code <file>.fp32.properties} ({@link DerivedFile}) keys the copy to its source
 * (size, modification time — a re-fetched model is converted again — and the converter's version)
 * and records the copy's SHA-256; a copy that fails the check is made anew. A model without float16
 * tensors is recorded as such and loaded as it is. Two processes converting at once each move a
 * whole copy into place; the copies are identical.
 */
public final class Fp32Model {
  private static final Logger log = LoggerFactory.getLogger(Fp32Model.class);

  /** Bump when the conversion changes, so that copies made by an older one are made again. */
  static final String CONVERTER_VERSION = "1";

  private Fp32Model() {}

  /** The file a session should load for {@code model}: its float32 copy, or itself. */
  public static Path of(Path model) throws IOException {
    DerivedFile copy = new DerivedFile(copyOf(model), sidecarOf(model));
    BasicFileAttributes src = Files.readAttributes(model, BasicFileAttributes.class);
    Properties p = copy.read();
    if (p != null
        && CONVERTER_VERSION.equals(p.getProperty("converter"))
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
      return convert(model, copy, src);
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

  private static Path convert(Path model, DerivedFile copy, BasicFileAttributes src)
      throws IOException {
    long t0 = System.nanoTime();
    byte[] in = Files.readAllBytes(model);
    byte[] out = Fp16ToFp32.convert(in);
    Properties p = new Properties();
    DerivedFile.recordSource(p, src);
    p.setProperty("converter", CONVERTER_VERSION);
    boolean unchanged = java.util.Arrays.equals(in, out);
    String comment = "cutflow float32 copy of a float16 model; delete to convert again";
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
        .setMessage(unchanged ? "model has no float16 tensors" : "model converted to float32")
        .addKeyValue("file", result)
        .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000)
        .log();
    return result;
  }
}
