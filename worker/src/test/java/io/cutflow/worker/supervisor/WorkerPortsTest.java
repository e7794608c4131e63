package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerPortsTest {
  @Test
  void baseZeroMeansEphemeralPortsWithoutLimit() {
    WorkerPorts ports = new WorkerPorts(0, 1);
    assertFalse(ports.fixed());
    for (int i = 0; i < 10; i++) {
      assertEquals(0, ports.acquire());
    }
    assertEquals(0, ports.heldCount());
    assertEquals("ephemeral", ports.describe());
  }

  @Test
  void handsOutTheLowestFreePortAndReusesReleasedOnes() {
    WorkerPorts ports = new WorkerPorts(9401, 2);
    assertEquals("9401-9406", ports.describe());
    assertEquals(java.util.List.of(9401, 9402, 9403, 9404, 9405, 9406), WorkerPorts.pool(9401, 2));
    assertEquals(java.util.List.of(), WorkerPorts.pool(0, 2));
    assertEquals(9401, ports.acquire());
    assertEquals(9402, ports.acquire());
    assertEquals(9403, ports.acquire());
    ports.release(9402);
    assertEquals(2, ports.heldCount());
    assertEquals(9402, ports.acquire(), "lowest free, not the next unused");
    assertEquals(9404, ports.acquire());
    ports.release(9402);
    ports.release(9402); // a repeat is harmless
    ports.release(0); // an ephemeral "port" too
    ports.release(80); // and one outside the pool
    assertEquals(3, ports.heldCount());
    assertEquals(9402, ports.acquire());
  }

  @Test
  void exhaustionNamesTheSettingAndRecoversOnRelease() {
    WorkerPorts ports = new WorkerPorts(9401, 1);
    assertEquals(9401, ports.acquire());
    assertEquals(9402, ports.acquire());
    assertEquals(9403, ports.acquire());
    IllegalStateException e = assertThrows(IllegalStateException.class, ports::acquire);
    assertTrue(e.getMessage().contains("cutflow.supervisor.worker-port-base"), e.getMessage());
    assertTrue(e.getMessage().contains("9401-9403"), e.getMessage());
    ports.release(9403);
    assertEquals(9403, ports.acquire());
  }

  @Test
  void aPoolPastThePortRangeFailsAtStartNamingTheSetting() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new WorkerPorts(65_534, 1));
    assertTrue(e.getMessage().contains("cutflow.supervisor.worker-port-base"), e.getMessage());
    assertEquals("65533-65535", new WorkerPorts(65_533, 1).describe());
  }

  @Test
  void launcherPassesThePoolPortToTheWorkerAndEphemeralWithoutPool(@TempDir Path dir) {
    CutflowConfig config =
        CutflowConfig.isolated(
            Map.of(
                WorkerConfig.WORKER_PORT_BASE.name(), "9401", "cutflow.worker.http-port", "7000"));
    WorkerLauncher launcher =
        new WorkerLauncher(config, config, SupervisorSettings.defaults().withSlots(2), dir);
    assertEquals("9401-9406", launcher.ports().describe());
    Map<String, String> env = launcher.environment("h-slot-0", 1, 9404);
    assertEquals("9404", env.get("CUTFLOW_WORKER_HTTP_PORT"));

    CutflowConfig plain = CutflowConfig.isolated(Map.of("cutflow.worker.http-port", "7000"));
    WorkerLauncher ephemeral = new WorkerLauncher(plain, plain, SupervisorSettings.defaults(), dir);
    assertFalse(ephemeral.ports().fixed());
    assertEquals("0", ephemeral.environment("h-slot-0", 1, 0).get("CUTFLOW_WORKER_HTTP_PORT"));
  }

  @Test
  void aLaunchedWorkerHoldsItsPortUntilItExits(@TempDir Path dir) throws Exception {
    CutflowConfig config =
        CutflowConfig.isolated(Map.of(WorkerConfig.WORKER_PORT_BASE.name(), "9401"));
    WorkerLauncher launcher =
        new WorkerLauncher(
            config,
            config,
            SupervisorSettings.defaults().withMainClass(ExitAtOnce.class.getName()),
            dir);
    var process = launcher.launch(0, "h-slot-0", 1);
    process.waitFor();
    process.handle().onExit().get();
    // the release runs on the exit future's thread, just after it completes: give it a moment
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (launcher.ports().heldCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, launcher.ports().heldCount(), "port released once the process exited");
    assertEquals(9401, launcher.ports().acquire());
  }

  @Test
  void launchingPastThePoolIsAFailedStartTheSlotRetries(@TempDir Path dir) {
    CutflowConfig config =
        CutflowConfig.isolated(Map.of(WorkerConfig.WORKER_PORT_BASE.name(), "9401"));
    WorkerLauncher launcher =
        new WorkerLauncher(config, config, SupervisorSettings.defaults(), dir);
    for (int i = 0; i < WorkerPorts.PER_SLOT; i++) {
      launcher.ports().acquire();
    }
    IOException e = assertThrows(IOException.class, () -> launcher.launch(0, "h-slot-0", 1));
    assertTrue(e.getMessage().contains("cutflow.supervisor.worker-port-base"), e.getMessage());
  }

  /** A worker main that exits at once. */
  public static final class ExitAtOnce {
    public static void main(String[] args) {
      System.exit(0);
    }
  }
}
