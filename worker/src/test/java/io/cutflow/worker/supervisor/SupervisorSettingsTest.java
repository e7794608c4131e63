package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SupervisorSettingsTest {
  @Test
  void heapSizesAreReadAsTheJvmReadsThem() {
    assertEquals(1L << 30, SupervisorSettings.heapBytes("1g"));
    assertEquals(768L << 20, SupervisorSettings.heapBytes("768M"));
    assertEquals(65536L << 10, SupervisorSettings.heapBytes("65536k"));
    assertEquals(64L << 20, SupervisorSettings.heapBytes("67108864"));
    assertTrue(SupervisorSettings.jvmArgs("2g").contains("-Xmx2g"));
  }

  @Test
  void aHeapTheWorkersCannotStartWithIsRefusedWithTheFix() {
    // under -Xms64m each worker JVM would refuse to start, and the supervisor would restart it
    IllegalArgumentException small =
        assertThrows(IllegalArgumentException.class, () -> SupervisorSettings.jvmArgs("32m"));
    assertTrue(small.getMessage().startsWith("--worker-heap 32m: under 64m"), small.getMessage());
    assertTrue(small.getMessage().contains("give 64m or more"), small.getMessage());
    for (String bad : new String[] {"1.5g", "1gb", "", "-1g", "lots"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> SupervisorSettings.jvmArgs(bad), bad);
      assertTrue(e.getMessage().contains("not a heap size"), e.getMessage());
    }
  }
}
