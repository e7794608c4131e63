package io.cutflow.standalone.recycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.standalone.UpCommand;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.WorkerUnderTest;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@code cutflow up}'s workers keep processing past their recycle quota (they used to stop for good
 * after it: {@code CUTFLOW_WORKER_RECYCLE_AFTER=2 ./cutflow up}, five jobs → two done, three queued
 * forever). A real broker and S3 server, real worker processes with the real model, started the way
 * {@code up} starts them.
 */
class UpRecyclingEndToEndTest {

  @Test
  void upKeepsProcessingPastTheRecycleQuota() throws Exception {
    WorkerUnderTest.assumeModelCached();
    try (EmbeddedStack stack =
            EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.bucket.raw", "up-raw")));
        RecycleHarness h = new RecycleHarness(stack, "up", 6)) {
      // as if CUTFLOW_WORKER_RECYCLE_AFTER=2: up takes the quota from the configuration
      CutflowConfig config = h.config.withOverrides(Map.of(WorkerConfig.RECYCLE_AFTER.name(), "2"));
      Path logs = Files.createTempDirectory("up-recycle-");
      try (RecyclingSupervisor up =
          UpCommand.startWorkers(
              config, Map.of(WorkerConfig.INTRA_OP_THREADS.name(), "1"), 1, logs)) {
        List<byte[]> images =
            IntStream.range(0, 6).mapToObj(i -> RecycleHarness.image(i, 64)).toList();
        List<String> ids = h.submit(images);
        int missing = h.awaitOk(ids, Duration.ofMinutes(8), () -> {});
        SupervisorStats st = up.stats();
        assertEquals(0, missing, "jobs without a result: " + st + "; logs in " + logs);
        assertTrue(st.recycles() >= 2, st.summary());
        assertTrue(up.settings().warmStandby(), "up recycles with a warm standby");
      }
    }
  }
}
