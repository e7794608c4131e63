package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.service.MallocTunables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's state machine against a fake worker that speaks the control protocol (no Kafka,
 * no model).
 */
class RecyclingSupervisorTest {

  private static SupervisorSettings fake(
      Path dir, int slots, int recycleAfter, Map<String, String> env) {
    return SupervisorSettings.defaults()
        .withSlots(slots)
        .withRecycleAfter(recycleAfter)
        .withInstancePrefix("t")
        .withJvmArgs(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"))
        .withWorkerProperties(env)
        .withLogDir(dir)
        .withMainClass(FakeWorkerMain.class.getName())
        .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(1))
        .withStopTimeout(Duration.ofSeconds(10));
  }

  private static SupervisorStats await(
      RecyclingSupervisor s, Predicate<SupervisorStats> p, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    SupervisorStats st = s.stats();
    while (System.nanoTime() < deadline) {
      st = s.stats();
      if (p.test(st)) {
        return st;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("condition not reached within " + timeout + ": " + st);
  }

  /** Slot 0 once it has an active worker and a warm standby. */
  private static SupervisorStats.SlotState activeWithWarmStandby(RecyclingSupervisor s)
      throws InterruptedException {
    return await(
            s,
            x -> x.slots().get(0).activePid() > 0 && x.slots().get(0).standbyReady(),
            Duration.ofSeconds(30))
        .slots()
        .get(0);
  }

  @Test
  void recyclesByCountHandingOverToTheWarmStandby(@TempDir Path dir) throws Exception {
    // 20 records × 80 ms: a worker's life (~1.6 s) outlasts a fake warm-up (0.1 s) + JVM start. A
    // predecessor that gets no BYE within 0.7 s — its successor's first record comes at once —
    // exits as a crash, so BYE must come on the successor's FIRST_RECORD, not at the next handover.
    try (RecyclingSupervisor s =
        RecyclingSupervisor.start(
            CutflowConfig.isolated(Map.of()),
            fake(
                dir,
                2,
                20,
                Map.of(
                    "FAKE_WARM_MS", "100", "FAKE_RECORD_MS", "80", "FAKE_BYE_WAIT_MS", "700")))) {
      SupervisorStats st =
          await(
              s, x -> x.recyclesByReason().getOrDefault("count", 0L) >= 6, Duration.ofSeconds(60));
      assertEquals(0, st.crashes(), st.toString());
      // each predecessor was told BYE (after its successor's first record) and exited as recycled
      assertTrue(
          st.retired().stream().allMatch(r -> r.reason().equals("RECYCLE_COUNT")),
          st.retired().toString());
      assertFalse(st.handoverGapsMs().isEmpty());
      // the successor was warm before the predecessor left: the gap is the fake's
      // GO-to-first-record, small
      assertTrue(st.handoverGapPercentile(50) < 1000, st.summary());
      assertTrue(st.slots().stream().allMatch(x -> x.groupInstanceId().startsWith("t-slot-")));
      // every worker of slot 1 reported the same partitions
      assertTrue(
          st.assignments().stream()
              .filter(a -> a.slot() == 1)
              .allMatch(a -> a.partitions().equals(List.of(3, 4, 5))));
    }
  }

  @Test
  void withAPortBaseEveryWorkerGetsAPoolPortNoOtherLiveWorkerHolds(@TempDir Path dir)
      throws Exception {
    int base = 39_401; // the fake binds nothing; it reports the port it was given
    java.util.Set<Integer> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<String> clashes = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (RecyclingSupervisor s =
        RecyclingSupervisor.start(
            CutflowConfig.isolated(
                Map.of(WorkerConfig.WORKER_PORT_BASE.name(), Integer.toString(base))),
            fake(
                dir,
                1,
                20,
                Map.of(
                    "FAKE_WARM_MS", "100", "FAKE_RECORD_MS", "80", "FAKE_BYE_WAIT_MS", "700")))) {
      s.onEndpoints(
          endpoints -> {
            List<Integer> ports =
                endpoints.stream().map(RecyclingSupervisor.WorkerEndpoint::opsPort).toList();
            seen.addAll(ports);
            if (java.util.Set.copyOf(ports).size() != ports.size()) {
              clashes.add(endpoints.toString());
            }
          });
      SupervisorStats st =
          await(
              s, x -> x.recyclesByReason().getOrDefault("count", 0L) >= 4, Duration.ofSeconds(60));
      assertEquals(0, st.crashes(), st.toString());
    }
    assertEquals(List.of(), clashes, "two live workers reported the same port");
    assertTrue(seen.contains(base), "the first worker takes the lowest port: " + seen);
    assertTrue(seen.size() >= 2, "a standby beside its active worker takes another: " + seen);
    assertTrue(
        seen.stream().allMatch(p -> p >= base && p < base + WorkerPorts.PER_SLOT),
        "every port from the pool of one slot: " + seen);
  }

  @Test
  void killedWorkerIsReplacedAndCloseStopsEverything(@TempDir Path dir) throws Exception {
    RecyclingSupervisor s =
        RecyclingSupervisor.start(
            CutflowConfig.isolated(Map.of()), fake(dir, 1, 0, Map.of("FAKE_WARM_MS", "100")));
    try {
      SupervisorStats.SlotState slot = activeWithWarmStandby(s);
      long victim = slot.activePid();
      long standby = slot.standbyPid();
      ProcessHandle.of(victim).orElseThrow().destroyForcibly();
      SupervisorStats st =
          await(
              s,
              x -> x.crashes() == 1 && x.slots().get(0).activePid() == standby,
              Duration.ofSeconds(30));
      assertTrue(
          st.retired().stream().anyMatch(r -> r.pid() == victim && r.reason().equals("CRASHED")),
          st.toString());
      await(s, x -> x.slots().get(0).standbyReady(), Duration.ofSeconds(30));
    } finally {
      s.close();
    }
    SupervisorStats end = s.stats();
    assertEquals(-1, end.slots().get(0).activePid(), end.toString());
    assertTrue(
        end.retired().stream().filter(r -> r.reason().equals("STOPPED")).count() >= 2,
        end.toString());
    for (SupervisorStats.RetiredWorker r : end.retired()) {
      assertFalse(ProcessHandle.of(r.pid()).map(ProcessHandle::isAlive).orElse(false));
    }
  }

  @Test
  void aWorkerStoppedFromOutsideIsReplacedByItsStandbyWithoutACrash(@TempDir Path dir)
      throws Exception {
    // a SIGTERM to one worker (an operator's kill, not the supervisor's STOP): it drains and
    // commits as a recycled worker does, so no crash is counted and no backoff delays the next
    try (RecyclingSupervisor s =
        RecyclingSupervisor.start(
            CutflowConfig.isolated(Map.of()),
            fake(dir, 1, 0, Map.of("FAKE_WARM_MS", "100", "FAKE_SIGTERM", "drain")))) {
      SupervisorStats.SlotState slot = activeWithWarmStandby(s);
      long victim = slot.activePid();
      long standby = slot.standbyPid();
      assertTrue(ProcessHandle.of(victim).orElseThrow().destroy(), "SIGTERM sent");
      SupervisorStats st =
          await(
              s,
              x ->
                  x.slots().get(0).activePid() == standby
                      && x.retired().stream().anyMatch(r -> r.pid() == victim)
                      && x.slots().get(0).standbyReady(),
              Duration.ofSeconds(30));
      assertEquals(0, st.crashes(), st.toString());
      assertEquals(
          List.of("STOPPED"),
          st.retired().stream().filter(r -> r.pid() == victim).map(r -> r.reason()).toList());
      assertEquals(3, st.workersStarted(), "the first, its standby and the standby's: " + st);
    }
  }

  @Test
  void workersGetTheirMallocTunablesHugePagesUnlessTurnedOff(@TempDir Path dir) throws Exception {
    String inherited = System.getenv(MallocTunables.ENV);
    String on = reportedEnvironment(dir.resolve("on"), Map.of());
    assertEquals(MallocTunables.ENV + "=" + MallocTunables.forWorker(true, inherited), on);
    assertTrue(on.contains("glibc.malloc.hugetlb="), on);
    String off =
        reportedEnvironment(
            dir.resolve("off"), Map.of(WorkerConfig.MALLOC_HUGE_PAGES.name(), "false"));
    assertEquals(MallocTunables.ENV + "=" + MallocTunables.forWorker(false, inherited), off);
    assertTrue(off.contains("glibc.malloc.mmap_threshold="), off);
  }

  private static String reportedEnvironment(Path dir, Map<String, String> workerProperties)
      throws Exception {
    java.nio.file.Files.createDirectories(dir);
    Path report = dir.resolve("env.txt");
    Map<String, String> props = new java.util.HashMap<>(workerProperties);
    props.put("FAKE_ENV_REPORT", report.toString());
    try (RecyclingSupervisor s =
        RecyclingSupervisor.start(CutflowConfig.isolated(Map.of()), fake(dir, 1, 0, props))) {
      await(s, x -> x.slots().get(0).activePid() > 0, Duration.ofSeconds(30));
    }
    return java.nio.file.Files.readString(report);
  }

  @Test
  void standbyWarmsAtLowPriorityAndWorksAtNormal(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        StandbyPriority.of(19).available(), "no Linux autogroup on this machine");
    // 40 records × 200 ms = 8 s per worker: its standby (JVM start + 0.3 s) is warm long before the
    // last fifth of that quota (6.4 s in), even when a loaded machine starts JVMs slowly, so it
    // warms at nice 19 and is back at 0 by the time it works.
    Path reports = java.nio.file.Files.createDirectories(dir.resolve("nice"));
    java.util.OptionalInt ours = StandbyPriority.read(ProcessHandle.current().pid());
    try (RecyclingSupervisor s =
        RecyclingSupervisor.start(
            CutflowConfig.isolated(Map.of()),
            fake(
                dir,
                1,
                40,
                Map.of(
                    "FAKE_WARM_MS",
                    "300",
                    "FAKE_RECORD_MS",
                    "200",
                    "FAKE_NICE_REPORT",
                    reports.toString())))) {
      // two handovers done: t-slot-0-3 has had its first record, so it has written its report
      SupervisorStats st = await(s, x -> x.handoverGapsMs().size() >= 2, Duration.ofSeconds(60));
      assertEquals(0, st.crashes(), st.toString());
      // On a machine whose cores are busy with other work a standby at nice 19 gets almost no CPU
      // and is still starting when its predecessor reaches the last fifth: it is then boosted, as
      // designed (lateStandbyIsBoostedBeforeItsPredecessorLeaves), and this test's case did not
      // happen. Reproduced with two busy loops beside the test: 2 boosts in 3 of 3 runs.
      long boosts = s.registry().counter("cutflow.supervisor.standby-boosts").getCount();
      Assumptions.assumeTrue(
          boosts == 0, boosts + " standbys were boosted: the machine was too busy to warm one");
    }
    // t-slot-0-1 started with no active worker: normal priority throughout
    assertEquals(List.of("warming=0", "active=0"), niceReport(reports, "t-slot-0-1"));
    assertEquals(List.of("warming=19", "active=0"), niceReport(reports, "t-slot-0-2"));
    assertEquals(List.of("warming=19", "active=0"), niceReport(reports, "t-slot-0-3"));
    // the supervisor's own autogroup (shared with this test JVM) never changed
    assertEquals(ours, StandbyPriority.read(ProcessHandle.current().pid()));
  }

  @Test
  void lateStandbyIsBoostedBeforeItsPredecessorLeaves(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        StandbyPriority.of(19).available(), "no Linux autogroup on this machine");
    // 10 records × 100 ms against a 2.5 s warm-up: the standby is still warming when its
    // predecessor
    // reaches record 8 (the last fifth), and from then on competes at normal priority.
    Path reports = java.nio.file.Files.createDirectories(dir.resolve("nice"));
    try (RecyclingSupervisor s =
        RecyclingSupervisor.start(
            CutflowConfig.isolated(Map.of()),
            fake(
                dir,
                1,
                10,
                Map.of(
                    "FAKE_WARM_MS",
                    "2500",
                    "FAKE_RECORD_MS",
                    "100",
                    "FAKE_NICE_REPORT",
                    reports.toString())))) {
      // one handover done: t-slot-0-2 has had its first record, so it has written its report
      SupervisorStats st = await(s, x -> x.handoverGapsMs().size() >= 1, Duration.ofSeconds(60));
      assertEquals(0, st.crashes(), st.toString());
      assertTrue(s.registry().counter("cutflow.supervisor.standby-boosts").getCount() >= 1);
    }
    assertEquals(List.of("warming=0", "active=0"), niceReport(reports, "t-slot-0-2"));
  }

  @Test
  void nearQuotaIsTheLastFifth() {
    assertFalse(StandbyLowering.nearQuota(39, 50));
    assertTrue(StandbyLowering.nearQuota(40, 50));
    assertFalse(StandbyLowering.nearQuota(3, 5));
    assertTrue(StandbyLowering.nearQuota(4, 5));
    assertFalse(StandbyLowering.nearQuota(1_000_000, 0)); // never recycles: never near
  }

  private static List<String> niceReport(Path dir, String workerId) throws java.io.IOException {
    return java.nio.file.Files.readAllLines(dir.resolve(workerId + ".txt"));
  }

  @Test
  void crashLoopBacksOff(@TempDir Path dir) throws Exception {
    try (RecyclingSupervisor s =
        RecyclingSupervisor.start(
            CutflowConfig.isolated(Map.of()), fake(dir, 1, 0, Map.of("FAKE_MODE", "fail-start")))) {
      long t0 = System.nanoTime();
      SupervisorStats st = await(s, x -> x.crashes() >= 4, Duration.ofSeconds(60));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      // backoffs 200 + 400 + 800 ms at least between the 4 failures
      assertTrue(ms >= 1400, "4 crashes in " + ms + " ms: no backoff?");
      assertTrue(st.retired().stream().allMatch(r -> r.reason().equals("FATAL")), st.toString());
    }
  }

  @Test
  void recordThatKillsEveryWorkerIsRetriedAloneThenFailed(@TempDir Path dir) throws Exception {
    // Records 0..5 of partition 0, three in flight at a time; record 1 SIGKILLs whoever runs it.
    // Expected: [0,1,2] (crash: 1 and 2 charged once), [1] alone (crash), [1] alone (crash: 3 >
    // crash-retries 2), then the next worker fails 1 unrun, runs 2 alone, then [3,4,5].
    Path state = java.nio.file.Files.createDirectories(dir.resolve("state"));
    try (RecyclingSupervisor s =
        RecyclingSupervisor.start(
            CutflowConfig.isolated(Map.of()),
            fake(
                dir,
                1,
                0,
                Map.of(
                    "FAKE_WARM_MS",
                    "100",
                    "FAKE_RECORD_MS",
                    "50",
                    "FAKE_RECORDS",
                    "6",
                    "FAKE_BATCH",
                    "3",
                    "FAKE_POISON",
                    "1",
                    "FAKE_STATE",
                    state.toString(),
                    WorkerConfig.CRASH_RETRIES.name(),
                    "2")))) {
      await(s, x -> committed(state) == 6, Duration.ofSeconds(120));
      SupervisorStats st = s.stats();
      List<String> batches =
          java.nio.file.Files.readAllLines(state.resolve("batches.log")).stream()
              .map(l -> l.substring(l.indexOf(' ') + 1))
              .toList();
      // record 1 went to workers retries + 1 = 3 times; 2, in flight beside it, once more alone
      assertEquals(List.of("0,1,2", "1", "1", "2", "3,4,5"), batches, st.toString());
      List<String> failed = java.nio.file.Files.readAllLines(state.resolve("failed.log"));
      assertEquals(1, failed.size(), failed.toString());
      assertTrue(failed.get(0).endsWith(" 1"), failed.toString());
      assertEquals(3, st.crashes(), st.toString());

      // each crash named: exit code, signal, the worker's last log line
      List<SupervisorStats.RetiredWorker> crashed =
          st.retired().stream().filter(r -> r.reason().equals("CRASHED")).toList();
      assertEquals(3, crashed.size(), st.toString());
      for (SupervisorStats.RetiredWorker r : crashed) {
        assertEquals(137, r.exitCode(), r.toString());
        assertEquals(9, r.signal(), r.toString());
        assertTrue(r.crash().contains("exit 137 (SIGKILL)"), r.crash());
        assertTrue(r.crash().contains("fake worker dying on record 0@1"), r.crash());
      }

      // the ledger: record 1 past the bound; record 2 cleared once it came through alone
      assertEquals(1, st.suspects().size(), st.suspects().toString());
      SupervisorStats.Suspect poison = st.suspects().get(0);
      assertEquals(
          List.of(0, 1L, 3, 137, 9),
          List.of(
              poison.partition(),
              poison.offset(),
              poison.crashes(),
              poison.exitCode(),
              poison.signal()));
      assertEquals(4, s.registry().counter("cutflow.supervisor.record-crashes").getCount());
      assertEquals(
          1, s.registry().getGauges().get("cutflow.supervisor.suspects.past-bound").getValue());

      // the worker that failed it had been told, before it started, that it was past the bound
      String failer = failed.get(0).substring(0, failed.get(0).indexOf(' '));
      List<ControlMessage> told =
          java.nio.file.Files.readAllLines(state.resolve("suspects-" + failer + ".log")).stream()
              .map(l -> ControlMessage.parse(l).orElseThrow())
              .toList();
      assertTrue(
          told.stream()
              .anyMatch(
                  m ->
                      m instanceof ControlMessage.Suspect x
                          && x.offset() == 1
                          && x.crashes() == 3
                          && x.reason().contains("SIGKILL")),
          told.toString());
    }
  }

  private static long committed(Path state) {
    try {
      Path f = state.resolve("committed");
      return java.nio.file.Files.exists(f)
          ? Long.parseLong(java.nio.file.Files.readString(f).trim())
          : 0;
    } catch (java.io.IOException | NumberFormatException e) {
      return -1; // being written
    }
  }

  @Test
  void crashCauseNamesExitCodeSignalAndLastLine() {
    CrashCause killed = new CrashCause(137, CrashCause.signalOf(137), "  decoding x.jpg \n", 42, 1);
    assertEquals(9, killed.signal());
    assertEquals("exit 137 (SIGKILL)", killed.exit());
    assertEquals(
        "exit 137 (SIGKILL) of worker pid 42 (slot 1); its last log line: decoding x.jpg",
        killed.describe());
    assertEquals("exit 134 (SIGABRT)", new CrashCause(134, 6, "", 1, 0).exit());
    assertEquals(0, CrashCause.signalOf(3));
    assertTrue(new CrashCause(3, 0, "", 1, 0).exit().contains("out of memory"));
    assertEquals("exit 1", new CrashCause(1, 0, null, 1, 0).describe().substring(0, 6));
    assertEquals(
        CrashCause.MAX_LINE + 1, new CrashCause(1, 0, "x".repeat(999), 1, 0).lastLine().length());
  }

  @Test
  void backoffDoublesAndIsCapped() {
    SupervisorSettings s =
        SupervisorSettings.defaults().withBackoff(Duration.ofMillis(500), Duration.ofSeconds(30));
    assertEquals(500, s.backoff(1).toMillis());
    assertEquals(1000, s.backoff(2).toMillis());
    assertEquals(4000, s.backoff(4).toMillis());
    assertEquals(30_000, s.backoff(12).toMillis());
    assertEquals(30_000, s.backoff(100).toMillis());
  }

  @Test
  void percentiles() {
    SupervisorStats st =
        new SupervisorStats(
            Map.of("count", 3L),
            0,
            4,
            List.of(30L, 10L, 20L, 200L),
            List.of(),
            List.of(),
            List.of(),
            List.of(9000L, 11000L));
    assertEquals(20, st.handoverGapPercentile(50));
    assertEquals(10000, st.meanWarmUpCpuMs());
    assertEquals(200, st.handoverGapPercentile(95));
    assertEquals(3, st.recycles());
  }
}
