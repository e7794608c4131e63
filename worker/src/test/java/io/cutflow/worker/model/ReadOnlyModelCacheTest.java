package io.cutflow.worker.model;

import static io.cutflow.worker.model.TestSpecs.randomBytes;
import static io.cutflow.worker.model.TestSpecs.sha256;
import static io.cutflow.worker.model.TestSpecs.spec;
import static io.cutflow.worker.model.TestSpecs.urls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache the worker cannot write (models baked into an image, a read-only volume). Tests run as
 * root, where permission bits do not stop writes, so the cache is made unwritable where it matters:
 * the lock file and the verification sidecar are directories (with a file inside), so creating the
 * one and replacing the other fail as they would on a read-only mount.
 */
class ReadOnlyModelCacheTest {
  private static final byte[] DATA = randomBytes(4096, 7);

  @TempDir Path tmp;
  private Path cache;
  private ModelSpec spec;

  @BeforeEach
  void unwritableCache() throws Exception {
    cache = Files.createDirectories(tmp.resolve("cache"));
    blockWith(cache.resolve("m.onnx.lock"));
    blockWith(cache.resolve("m.onnx.verified"));
    // A source that refuses connections: any fetch attempt fails, and would show in the message.
    spec = spec("m", (long) DATA.length, sha256(DATA), null, urls("http://127.0.0.1:9/m.onnx"));
  }

  private static void blockWith(Path p) throws IOException {
    Files.createDirectory(p);
    Files.writeString(p.resolve("keep"), "a directory where a file would be written");
  }

  private ModelRegistry registry() {
    return new ModelRegistry(
        new ModelManifest(List.of(spec), "m", "test"), new ModelCache(cache), new ModelFetcher());
  }

  @Test
  void aVerifiedModelInAnUnwritableCacheIsUsedWithoutALock() throws Exception {
    Files.write(cache.resolve("m.onnx"), DATA);
    ModelRegistry registry = registry();
    assertEquals(cache.resolve("m.onnx"), registry.ensure("m", FetchProgress.NONE));
    // Again: no sidecar could be written, so it verifies by hashing again, still without writing.
    assertEquals(cache.resolve("m.onnx"), registry.ensure("m", FetchProgress.NONE));
    assertTrue(Files.isDirectory(cache.resolve("m.onnx.lock")), "nothing was written");
    try (var files = Files.list(cache)) {
      assertEquals(3, files.count(), "no temporary files either");
    }
  }

  @Test
  void anUnwritableCacheWithoutTheModelFailsInOneLineNamingTheDirectoryAndTheFix() {
    IOException e =
        assertThrows(IOException.class, () -> registry().ensure("m", FetchProgress.NONE));
    String m = e.getMessage();
    assertFalse(m.contains("\n"), "one line: " + m);
    assertTrue(m.contains(cache.toString()), m);
    assertTrue(m.contains("does not hold a verified copy of model 'm'"), m);
    assertTrue(m.contains("cutflow.models.dir"), m);
    assertTrue(m.contains("./cutflow models fetch"), m);
    assertFalse(m.contains("127.0.0.1:9"), "no fetch was attempted: " + m);
  }

  @Test
  void anInvalidCopyInAnUnwritableCacheIsNamedAsSuch() throws Exception {
    byte[] corrupt = DATA.clone();
    corrupt[10] ^= 1;
    Files.write(cache.resolve("m.onnx"), corrupt);
    IOException e =
        assertThrows(IOException.class, () -> registry().ensure("m", FetchProgress.NONE));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().contains("sha256 mismatch"), e.getMessage());
    assertTrue(e.getMessage().contains(cache.toString()), e.getMessage());
  }
}
