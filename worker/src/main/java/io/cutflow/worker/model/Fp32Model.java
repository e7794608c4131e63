package io.cutflow.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The float32 copy of a float16 model ({@link Fp16ToFp32}), made once beside the model file as
 * {@code <file>.fp32.onnx} and reused: the session loads it instead of the float16 file.
 *
 * <p>A sidecar {@code <file>.fp32.properties} keys the copy to its source (size, modification time
 * — a re-fetched model is converted again — and the converter's version) and records the copy's
 * SHA-256; the copy is used only while its size and modification time still match the sidecar, else
 * hashed again, and made anew when that fails (the model files' own verification cache works the
 * same way). A model without float16 tensors is recorded as such and loaded as it is. Two processes
 * converting at once both write a private temporary file and move it into place; the copies are
 * identical.
 */
public final class Fp32Model {
  private static final Logger log = LoggerFactory.getLogger(Fp32Model.class);

  /** Bump when the conversion changes, so that copies made by an older one are made again. */
  static final String CONVERTER_VERSION = "1";

  private Fp32Model() {}

  /** The file a session should load for {@code model}: its float32 copy, or itself. */
  public static Path of(Path model) throws IOException {
    Path copy = copyOf(model);
    Path sidecar = sidecarOf(model);
    BasicFileAttributes src = Files.readAttributes(model, BasicFileAttributes.class);
    Properties p = load(sidecar);
    if (p != null && matchesSource(p, src)) {
      if ("true".equals(p.getProperty("unchanged"))) {
        return model;
      }
      if (copyIsIntact(copy, p)) {
        return copy;
      }
      log.atWarn()
          .setMessage("float32 copy of the model is missing or damaged; converting again")
          .addKeyValue("file", copy)
          .log();
    }
    try {
      return convert(model, copy, sidecar, src);
    } catch (IOException e) {
      // A cache the worker cannot write (a read-only volume, models baked into an image) still
      // serves: the float16 file gives the same masks, only slower.
      log.atWarn()
          .setMessage(
              "cannot write the float32 copy beside the model; loading the float16 file (slower)."
                  + " Make the model cache writable once, or set cutflow.worker.fp32-weights=false")
          .addKeyValue("file", copy)
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

  private static Path convert(Path model, Path copy, Path sidecar, BasicFileAttributes src)
      throws IOException {
    long t0 = System.nanoTime();
    byte[] in = Files.readAllBytes(model);
    byte[] out = Fp16ToFp32.convert(in);
    Properties p = new Properties();
    p.setProperty("source.size", Long.toString(src.size()));
    p.setProperty("source.mtime", src.lastModifiedTime().toInstant().toString());
    p.setProperty("converter", CONVERTER_VERSION);
    boolean unchanged = java.util.Arrays.equals(in, out);
    Path result = model;
    if (unchanged) {
      p.setProperty("unchanged", "true");
    } else {
      Path tmp = Files.createTempFile(copy.getParent(), copy.getFileName() + ".", ".tmp");
      try {
        Files.write(tmp, out);
        ModelFetcher.makeReadable(tmp);
        Files.move(tmp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      BasicFileAttributes attrs = Files.readAttributes(copy, BasicFileAttributes.class);
      p.setProperty("size", Long.toString(attrs.size()));
      p.setProperty("mtime", attrs.lastModifiedTime().toInstant().toString());
      p.setProperty("sha256", Checksum.Algorithm.SHA256.digest(copy));
      result = copy;
    }
    store(sidecar, p);
    log.atInfo()
        .setMessage(unchanged ? "model has no float16 tensors" : "model converted to float32")
        .addKeyValue("file", result)
        .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000)
        .log();
    return result;
  }

  private static boolean matchesSource(Properties p, BasicFileAttributes src) {
    return CONVERTER_VERSION.equals(p.getProperty("converter"))
        && Long.toString(src.size()).equals(p.getProperty("source.size"))
        && src.lastModifiedTime().toInstant().toString().equals(p.getProperty("source.mtime"));
  }

  private static boolean copyIsIntact(Path copy, Properties p) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(copy, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (!Long.toString(attrs.size()).equals(p.getProperty("size"))) {
      return false;
    }
    if (attrs.lastModifiedTime().toInstant().toString().equals(p.getProperty("mtime"))) {
      return true;
    }
    return Checksum.Algorithm.SHA256.digest(copy).equals(p.getProperty("sha256"));
  }

  private static Properties load(Path sidecar) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(sidecar)) {
      p.load(in);
      return p;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  private static void store(Path sidecar, Properties p) throws IOException {
    Path tmp = Files.createTempFile(sidecar.getParent(), sidecar.getFileName() + ".", ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        p.store(out, "cutflow float32 copy of a float16 model; delete to convert again");
      }
      ModelFetcher.makeReadable(tmp);
      Files.move(tmp, sidecar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
