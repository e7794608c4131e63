package io.cutflow.standalone.pipeline;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.model.ModelRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The end-to-end scenario on a real KRaft broker and a real S3 server (S3Proxy), no mocks. */
class EmbeddedPipelineTest {

  @Test
  void batchWithACorruptFileAndAnOutsideProducer(@TempDir Path work) throws Exception {
    Path cache = ModelRegistry.createDefault().cache().dir();
    ModelRegistry.createDefault().ensureDefault(io.cutflow.worker.model.FetchProgress.NONE);
    try (EmbeddedStack stack =
        EmbeddedStack.start(CutflowConfig.isolated(Map.of()), work.resolve("stack"), true)) {
      Map<String, String> overrides = new LinkedHashMap<>(stack.overrides());
      overrides.put(WorkerConfig.MODELS_DIR.name(), cache.toString());
      overrides.put(WorkerConfig.RECYCLE_AFTER.name(), "0");
      overrides.put(WorkerConfig.INTRA_OP_THREADS.name(), "1");
      PipelineScenario.run(stack.config().withOverrides(overrides), overrides, work);
    }
  }
}
