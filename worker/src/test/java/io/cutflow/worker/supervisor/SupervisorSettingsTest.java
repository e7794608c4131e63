package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

  @Test
  void eachWitherChangesItsOwnComponentsAndKeepsTheRest() {
    SupervisorSettings d = SupervisorSettings.defaults();
    SupervisorSettings all =
        d.withSlots(3)
            .withRecycleAfter(7)
            .withMaxRssMb(900)
            .withWarmStandby(false)
            .withInstancePrefix("p")
            .withJvmArgs(List.of("-Xmx2g"))
            .withWorkerProperties(Map.of("cutflow.worker.intra-op-threads", "1"))
            .withLogDir(Path.of("logs"))
            .withMainClass("x.Main")
            .withBackoff(Duration.ofMillis(5), Duration.ofSeconds(6))
            .withStopTimeout(Duration.ofSeconds(8));
    assertEquals(
        new SupervisorSettings(
            3,
            7,
            900,
            false,
            "p",
            List.of("-Xmx2g"),
            Map.of("cutflow.worker.intra-op-threads", "1"),
            Path.of("logs"),
            "x.Main",
            Duration.ofMillis(5),
            Duration.ofSeconds(6),
            Duration.ofSeconds(8)),
        all);
    // one wither leaves every other component as it was
    assertEquals(d, d.withSlots(3).withSlots(d.slots()));
    assertEquals(d.recycleAfter(), d.withSlots(3).recycleAfter());
    // and a copy is checked as a new one is
    assertThrows(IllegalArgumentException.class, () -> d.withSlots(0));
  }
}
