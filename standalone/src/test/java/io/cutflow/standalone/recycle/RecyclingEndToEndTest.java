package io.cutflow.standalone.recycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.store.ObjectSummary;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.WorkerUnderTest;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import io.cutflow.worker.supervisor.SupervisorStats;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Worker recycling end to end: a real KRaft broker and S3 server, real worker processes with the
 * real model, supervised by {@link RecyclingSupervisor}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecyclingEndToEndTest {
  private static final int PARTITIONS = 6;
  private static final int SIZE = 64;
  private EmbeddedStack stack;

  @BeforeAll
  void start() throws Exception {
    WorkerUnderTest.assumeModelCached();
    stack =
        EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.bucket.raw", "recycle-raw")));
  }

  @AfterAll
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  /** Small worker processes: 2 slots (+ 2 standbys) share 2 cores. */
  static SupervisorSettings settings(String name, int slots, int recycleAfter, Path logs) {
    return SupervisorSettings.defaults()
        .withSlots(slots)
        .withRecycleAfter(recycleAfter)
        .withInstancePrefix(name)
        .withJvmArgs(List.of("-Xmx768m", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC"))
        .withWorkerProperties(Map.of(WorkerConfig.INTRA_OP_THREADS.name(), "1"))
        .withLogDir(logs)
        .withStopTimeout(Duration.ofSeconds(60));
  }

  /**
   * The last lines of each worker's log but the killed one's (slot-S-SERIAL.log), for a failure.
   */
  private static String logTails(Path logs, SupervisorStats st, long killedPid) {
    Set<String> killed = new HashSet<>();
    st.retired().stream()
        .filter(r -> r.pid() == killedPid)
        .forEach(r -> killed.add("slot-" + r.slot() + "-" + r.serial() + ".log"));
    StringBuilder sb = new StringBuilder();
    try (var files = Files.list(logs)) {
      for (Path f : files.sorted().toList()) {
        if (killed.contains(f.getFileName().toString())) {
          continue;
        }
        List<String> lines = Files.readAllLines(f);
        sb.append("--- ").append(f.getFileName()).append('\n');
        lines
            .subList(Math.max(0, lines.size() - 12), lines.size())
            .forEach(l -> sb.append(l).append('\n'));
      }
    } catch (Exception e) {
      sb.append("(cannot read ").append(logs).append(": ").append(e).append(')');
    }
    return sb.toString();
  }

  private static List<byte[]> images(int n) {
    return IntStream.range(0, n).mapToObj(i -> RecycleHarness.image(i, SIZE)).toList();
  }

  /**
   * Latest ASSIGNED of each slot once both slots hold disjoint sets covering every partition, else
   * null.
   */
  private static Map<Integer, Set<Integer>> settled(SupervisorStats st, int slots) {
    Map<Integer, Set<Integer>> last = new HashMap<>();
    for (SupervisorStats.AssignmentEvent a : st.assignments()) {
      if (!a.revoked()) {
        last.put(a.slot(), new TreeSet<>(a.partitions()));
      }
    }
    Set<Integer> union = new HashSet<>();
    int total = 0;
    for (int s = 0; s < slots; s++) {
      Set<Integer> p = last.get(s);
      if (p == null || p.isEmpty()) {
        return null;
      }
      union.addAll(p);
      total += p.size();
    }
    return union.size() == PARTITIONS && total == PARTITIONS ? last : null;
  }

  private static void assertOutputs(RecycleHarness h, List<String> jobIds) throws Exception {
    Map<String, List<JobResult>> results = h.results();
    List<ObjectSummary> objects = h.store.list(h.cutouts, "");
    assertEquals(jobIds.size(), objects.size(), "one output object per image: " + objects);
    for (String id : jobIds) {
      List<JobResult> rs = results.getOrDefault(id, List.of());
      JobResult ok =
          rs.stream()
              .filter(JobResult::isOk)
              .findFirst()
              .orElseThrow(() -> new AssertionError("no ok result for " + id + ": " + rs));
      long outputsOfJob = objects.stream().filter(o -> o.key().contains(id)).count();
      assertEquals(1, outputsOfJob, "outputs of " + id);
      byte[] png = h.store.get(ok.output().bucket(), ok.output().key(), 10_000_000);
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
      assertTrue(img != null, "output of " + id + " is not a readable PNG");
      assertEquals(SIZE, img.getWidth());
      assertEquals(SIZE, img.getHeight());
      assertTrue(img.getColorModel().hasAlpha(), "cutout has alpha");
      // the disc is kept, the corner background is removed
      assertTrue(
          (img.getRGB(SIZE / 2, SIZE / 2) >>> 24) > 127, "centre of " + id + " should be opaque");
      assertTrue((img.getRGB(1, 1) >>> 24) < 128, "corner of " + id + " should be transparent");
    }
  }

  /**
   * 24 images over two slots, recycled after every 3: however the 6 partitions' images split
   * between the slots, they add up to at least 7 recycles (⌊a/3⌋ + ⌊(24−a)/3⌋ ≥ 7).
   */
  @Test
  void twentyFourImagesTwoSlotsRecycledEveryThree() throws Exception {
    Path logs = Files.createTempDirectory("recycle-e2e-");
    try (RecycleHarness h = new RecycleHarness(stack, "rec", PARTITIONS)) {
      RecyclingSupervisor sup = RecyclingSupervisor.start(h.config, settings("rec", 2, 3, logs));
      SupervisorStats st;
      List<String> violations = new CopyOnWriteArrayList<>();
      Map<Integer, Set<Integer>> baseline;
      try {
        long t0 = System.nanoTime();
        // wait until both slots have joined and the group has settled
        Map<Integer, Set<Integer>> b = null;
        while (b == null && System.nanoTime() - t0 < Duration.ofSeconds(120).toNanos()) {
          Thread.sleep(200);
          b = settled(sup.stats(), 2);
        }
        assertTrue(b != null, "group never settled: " + sup.stats());
        baseline = b;
        int eventsAtBaseline = sup.stats().assignments().size();
        System.out.printf(
            "settled after %d ms: %s%n", (System.nanoTime() - t0) / 1_000_000, baseline);

        List<String> jobIds = h.submit(images(24));
        List<ConsumerRecord<String, String>> jobRecords = h.readAll(h.topics.jobs());
        assertEquals(24, jobRecords.size());
        // a hang guard, not a speed check: on a 2-core AVX2-only machine one slot's image took
        // ≈ 20 s (one intra-op thread beside a warming standby) and 40 images needed over 420 s
        int missing =
            h.awaitOk(
                jobIds,
                Duration.ofSeconds(900),
                () -> violations.addAll(h.commitsAheadOfResults(jobRecords)));
        assertEquals(
            0, missing, "images without an ok result; supervisor: " + sup.stats().summary());
        st = sup.stats();
        System.out.println("supervisor: " + st.summary());
        System.out.println(
            "assignments after baseline: "
                + st.assignments().subList(eventsAtBaseline, st.assignments().size()));
        // (d) no recycle moved anyone's partitions: every later assignment of a slot is its
        // baseline set,
        // and no running worker had partitions revoked
        for (SupervisorStats.AssignmentEvent a :
            st.assignments().subList(eventsAtBaseline, st.assignments().size())) {
          assertFalse(a.revoked(), "partitions revoked during the run (a rebalance): " + a);
          assertEquals(
              baseline.get(a.slot()),
              new TreeSet<>(a.partitions()),
              "slot " + a.slot() + " moved: " + a);
        }
        assertTrue(st.recycles() >= 7, "recycles: " + st.summary());
        assertEquals(0, st.crashes(), st.summary());
        // a last check of commits once everything is done
        violations.addAll(h.commitsAheadOfResults(jobRecords));
      } finally {
        sup.close();
      }
      assertTrue(
          violations.isEmpty(),
          "records committed before their results were published: " + violations);
      assertOutputs(h, h.readAll(h.topics.jobs()).stream().map(ConsumerRecord::key).toList());
      SupervisorStats end = sup.stats();
      System.out.println("final: " + end.summary() + "; retired " + end.retired());
      assertFalse(end.handoverGapsMs().isEmpty());
    }
  }

  @Test
  void sigkilledWorkerIsReplacedAndEveryImageProcessed() throws Exception {
    Path logs = Files.createTempDirectory("recycle-kill-");
    try (RecycleHarness h = new RecycleHarness(stack, "kill", PARTITIONS)) {
      RecyclingSupervisor sup = RecyclingSupervisor.start(h.config, settings("kill", 2, 0, logs));
      try {
        assertTrue(
            sup.awaitActive(Duration.ofSeconds(120)),
            "workers never became active: " + sup.stats());
        List<String> jobIds = h.submit(images(16));
        // mid-batch: once a few results are out, SIGKILL slot 0's worker
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (h.okJobIds().size() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        long victim = sup.stats().slots().get(0).activePid();
        assertTrue(victim > 0);
        System.out.println(
            "killing worker pid " + victim + " after " + h.okJobIds().size() + " results");
        assertTrue(ProcessHandle.of(victim).orElseThrow().destroyForcibly());
        int missing = h.awaitOk(jobIds, Duration.ofSeconds(180), () -> {});
        SupervisorStats st = sup.stats();
        System.out.println("supervisor: " + st.summary() + "; retired " + st.retired());
        assertEquals(0, missing, "images lost after the kill: " + st.summary());
        // Any crash beyond the one we caused is a finding: say which worker and how it ended.
        assertEquals(
            1,
            st.crashes(),
            st.summary() + "; retired " + st.retired() + "; logs:\n" + logTails(logs, st, victim));
        assertTrue(
            st.retired().stream().anyMatch(r -> r.pid() == victim && r.reason().equals("CRASHED")));
        long replacement = st.slots().get(0).activePid();
        assertTrue(replacement > 0 && replacement != victim, "slot 0 has a new active worker");
      } finally {
        sup.close();
      }
      assertOutputs(h, h.readAll(h.topics.jobs()).stream().map(ConsumerRecord::key).toList());
    }
  }
}
