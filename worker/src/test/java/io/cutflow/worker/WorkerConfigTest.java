package io.cutflow.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.CutflowConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {
  @Test
  void workerDefaults() {
    CutflowConfig c = CutflowConfig.isolated(Map.of());
    assertEquals(50_000_000L, c.getLong(WorkerConfig.IMAGE_MAX_PIXELS));
    assertTrue(c.getOptionalString(WorkerConfig.ID).isEmpty());
    assertTrue(CutflowConfig.key("cutflow.worker.model").isPresent(), "found on the class path");
    assertEquals("worker", WorkerConfig.MODEL.module());
  }

  @Test
  void badWorkerValuesFailAtStartNamingKeyValueSourceAndWhatIsAllowed() {
    CutflowConfig c =
        CutflowConfig.of(Map.of(), Map.of(), Map.of("CUTFLOW_WORKER_STANDBY_NICE", "25"));
    CutflowConfigException e = assertThrows(CutflowConfigException.class, c::validate);
    assertEquals("cutflow.worker.standby-nice", e.key());
    assertEquals(
        "cutflow.worker.standby-nice: value '25' from the environment (CUTFLOW_WORKER_STANDBY_NICE)"
            + " is outside 0..19 (allowed: 0..19)",
        e.getMessage());

    e =
        assertThrows(
            CutflowConfigException.class,
            () ->
                CutflowConfig.isolated(Map.of("cutflow.worker.model", "../etc/passwd")).validate());
    assertTrue(e.getMessage().contains("a model name"), e.getMessage());
  }
}
