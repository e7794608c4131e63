package io.cutflow.worker.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime's own optimised form of a model (its graph after every optimisation, in ORT format),
 * saved once beside the model and loaded from then on without optimising again: a new session is
 * ready in tens of milliseconds instead of about half a second, and the session reads its weights
 * from the mapped file instead of copying them.
 *
 * <p>The optimised graph fits the ONNX Runtime that made it and the CPU it was made on (its NCHWc
 * layout follows the vector width), so the file is named by a key of both — {@code
 * <model>.opt-<key>.ort} — and a sidecar ({@link DerivedFile}) records the runtime version, the
 * CPU, the source's size and time, and the file's SHA-256, all checked before use. Machines of
 * another CPU sharing the cache each make their own.
 */
public final class OptimizedModel {
  private static final Logger log = LoggerFactory.getLogger(OptimizedModel.class);

  /** Bump when what is saved changes, so that files made by an older Cutflow are made again. */
  static final String FORMAT_VERSION = "1";

  /** Writes the optimised form of {@code model} to {@code out}. */
  @FunctionalInterface
  public interface Optimizer {
    void save(Path model, Path out) throws Exception;
  }

  private OptimizedModel() {}

  /**
   * The optimised form of {@code model} for ONNX Runtime {@code runtime} on this CPU, made now with
   * {@code optimizer} when missing or stale; null when it cannot be made (logged; the caller loads
   * {@code model} and optimises it as usual).
   */
  public static Path of(Path model, String runtime, Optimizer optimizer) throws IOException {
    String cpu = cpuIdentity();
    DerivedFile saved = derived(model, runtime, cpu);
    BasicFileAttributes src = Files.readAttributes(model, BasicFileAttributes.class);
    Properties p = saved.read();
    if (p != null && matches(p, runtime, cpu) && DerivedFile.madeFrom(p, src)) {
      if (saved.intact(p)) {
        return saved.file;
      }
      log.atWarn()
          .setMessage("saved optimised model is missing or damaged; optimising again")
          .addKeyValue("file", saved.file)
          .log();
    }
    long t0 = System.nanoTime();
    Path tmp = null;
    try {
      tmp = saved.temporary();
      optimizer.save(model, tmp);
      Properties made = new Properties();
      made.setProperty("format", FORMAT_VERSION);
      made.setProperty("runtime", runtime);
      made.setProperty("cpu", cpu);
      DerivedFile.recordSource(made, src);
      saved.install(tmp, made, "cutflow: ONNX Runtime's optimised " + model.getFileName());
    } catch (Exception e) {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
      // a read-only cache, or a model the runtime cannot save: the session optimises as before
      log.atWarn()
          .setMessage(
              "cannot save the optimised model beside the model; optimising at every start."
                  + " Make the model cache writable once, or set cutflow.worker.ort-saved-model=false")
          .addKeyValue("file", saved.file)
          .addKeyValue("error", e.toString())
          .log();
      return null;
    }
    log.atInfo()
        .setMessage("optimised model saved")
        .addKeyValue("file", saved.file)
        .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000)
        .log();
    return saved.file;
  }

  static DerivedFile derived(Path model, String runtime, String cpu) {
    String name = model.getFileName() + ".opt-" + key(runtime, cpu) + ".ort";
    return new DerivedFile(model.resolveSibling(name), model.resolveSibling(name + ".properties"));
  }

  private static boolean matches(Properties p, String runtime, String cpu) {
    return FORMAT_VERSION.equals(p.getProperty("format"))
        && runtime.equals(p.getProperty("runtime"))
        && cpu.equals(p.getProperty("cpu"));
  }

  /** 16 hex digits of SHA-256 over the runtime version, the CPU and the format. */
  static String key(String runtime, String cpu) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update((FORMAT_VERSION + "\n" + runtime + "\n" + cpu).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d.digest()).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What the optimised graph depends on in the CPU: the architecture and, where Linux tells, the
   * first processor's model name and instruction-set flags.
   */
  static String cpuIdentity() {
    StringBuilder id = new StringBuilder(System.getProperty("os.arch"));
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
      for (String prefix : List.of("model name", "flags", "Features")) {
        lines.stream()
            .filter(l -> l.startsWith(prefix))
            .findFirst()
            .ifPresent(l -> id.append(" | ").append(l.substring(l.indexOf(':') + 1).trim()));
      }
    } catch (IOException | RuntimeException e) {
      id.append(" | ").append(System.getProperty("os.name"));
    }
    return id.toString();
  }
}
