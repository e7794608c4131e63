package io.cutflow.standalone.infra;

import io.cutflow.common.process.JavaProcess;
import io.cutflow.worker.model.ModelVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A worker process that an end-to-end test runs on an {@link EmbeddedStack}, and the test's
 * teardown. The worker loads the real model, runs two intra-op threads and never recycles: the
 * tests that use it are about ingest, status and uploads, not about recycling.
 */
public final class WorkerUnderTest {
  private WorkerUnderTest() {}

  /**
   * Skips the calling test unless the default model has been fetched and verified into {@code
   * models/cache} (of this folder or one above it), where worker processes load it.
   */
  public static void assumeModelCached() {
    Assumptions.assumeTrue(
        modelCached(), "the ISNet model is not in models/cache (run `cutflow models fetch`)");
  }

  private static boolean modelCached() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path cache = d.resolve("models/cache");
      if (Files.isDirectory(cache)) {
        try (Stream<Path> files = Files.list(cache)) {
          return files.anyMatch(p -> p.toString().endsWith(".onnx" + ModelVerifier.SIDECAR_SUFFIX));
        } catch (IOException e) {
          return false;
        }
      }
    }
    return false;
  }

  /** Starts a worker on {@code stack}'s settings; {@code name} is its worker id and log name. */
  public static JavaProcess start(EmbeddedStack stack, String name) throws IOException {
    Map<String, String> props = new LinkedHashMap<>(stack.config().resolvedValues());
    props.put("cutflow.worker.intra-op-threads", "2");
    props.put("cutflow.worker.recycle-after", "0");
    props.put("cutflow.worker.id", name);
    return JavaProcess.builder("io.cutflow.worker.service.WorkerProcess")
        .systemProperties(props)
        .jvmArgs("-Xmx1g")
        .name(name)
        .logFile(ChildLogs.file(name))
        .start();
  }

  /**
   * Closes what a test started, in the order given, skipping what never started ({@code null}). A
   * worker's log tail is printed first: when a test fails, that is where the reason usually is.
   * Every part is closed even if one fails; the first failure is thrown, with the rest suppressed.
   */
  public static void closeAll(AutoCloseable... parts) throws Exception {
    Exception first = null;
    for (AutoCloseable part : parts) {
      if (part == null) {
        continue;
      }
      if (part instanceof JavaProcess worker) {
        System.out.println(worker.name() + " log tail:\n" + worker.logTail(15));
      }
      try {
        part.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
