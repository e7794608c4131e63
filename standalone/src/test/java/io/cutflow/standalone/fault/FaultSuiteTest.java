package io.cutflow.standalone.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.standalone.fault.PoisonInputs.Poison;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.TestPhotos;
import io.cutflow.standalone.infra.TestPhotos.Photo;
import io.cutflow.standalone.infra.WorkerUnderTest;
import io.cutflow.standalone.recycle.RecycleHarness;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import io.cutflow.worker.supervisor.SupervisorStats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Nothing lost, nothing wedged: the pipeline under faults, end to end — a real KRaft broker and S3
 * server (child JVMs of {@link EmbeddedStack}, shared by the scenarios, each on its own topics and
 * bucket), real worker processes with the real model under the recycling supervisor, real photos.
 * Each scenario injects its fault mid-batch, then asserts that every job got its result, that the
 * workers still work, and that no process it started outlives it.
 *
 * <p>Run one class at a time ({@code -Dtest=FaultSuiteTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class FaultSuiteTest {
  private static final int PARTITIONS = 4;
  private static final int IMAGES = 12;

  /** Long enough for a worker's cold start on a busy 2-core machine, plus the batch. */
  private static final Duration BATCH = Duration.ofMinutes(6);

  /** How long a server stays frozen: under the consumers' 45 s session timeout. */
  private static final Duration FREEZE = Duration.ofSeconds(15);

  private EmbeddedStack stack;
  private List<Photo> photos;

  @BeforeAll
  void start() throws Exception {
    WorkerUnderTest.assumeModelCached();
    Path dir = TestPhotos.dir();
    Assumptions.assumeTrue(dir != null, "shared/testdata/photos not found beside the repository");
    photos = TestPhotos.load(dir, TestPhotos.SMALL);
    stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.bucket.raw", "fault-raw")));
  }

  @AfterAll
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  /**
   * One slot at the supervisor's default heap, both cores for its inference, no recycling and no
   * standby (a crashed worker is replaced by a cold start).
   */
  private static SupervisorSettings oneSlot() {
    return SupervisorSettings.defaults()
        .withSlots(1)
        .withRecycleAfter(0)
        .withWarmStandby(false)
        .withWorkerProperties(Map.of(WorkerConfig.INTRA_OP_THREADS.name(), "2"))
        .withStopTimeout(Duration.ofSeconds(60));
  }

  private FaultScenario scenario(String name) throws Exception {
    return FaultScenario.start(stack, name, PARTITIONS, oneSlot());
  }

  private FaultScenario scenario(String name, FaultScenario.Fault beforeWorkers) throws Exception {
    return FaultScenario.start(stack, name, PARTITIONS, oneSlot(), beforeWorkers);
  }

  @Test
  @Order(1)
  @DisplayName("SIGKILL of the active worker, twice mid-batch: no job lost, 2 crashes counted")
  void sigkillTwiceMidBatch() throws Exception {
    try (FaultScenario s = scenario("kill2")) {
      List<String> ids = s.submitPhotos(photos, IMAGES);
      s.await("3 results before the first kill", BATCH, () -> s.okCount() >= 3);
      long first = killActive(s);
      // the replacement is up and has finished records of its own (the victim is dead, so every
      // new ok result is the replacement's)
      s.await(
          "a replacement for pid " + first,
          BATCH,
          () -> s.activePid(0) > 0 && s.activePid(0) != first);
      int okAtReplacement = s.okCount();
      s.await("2 results from the replacement", BATCH, () -> s.okCount() >= okAtReplacement + 2);
      long second = killActive(s);
      s.assertAllDone(ids, BATCH);
      SupervisorStats st = s.supervisor.stats();
      assertEquals(2, st.crashes(), st.summary());
      for (long victim : List.of(first, second)) {
        assertTrue(
            st.retired().stream().anyMatch(r -> r.pid() == victim && r.reason().equals("CRASHED")),
            "pid " + victim + " retired as CRASHED: " + st.retired());
      }
      long now = s.activePid(0);
      assertTrue(
          now > 0 && now != first && now != second, "a third worker is active: " + s.describe());
    }
  }

  /** SIGKILLs slot 0's active worker while jobs remain; returns its pid. */
  private static long killActive(FaultScenario s) {
    long pid = s.activePid(0);
    assertTrue(pid > 0, "an active worker to kill: " + s.describe());
    int ok = s.okCount();
    assertTrue(ok < IMAGES, "the kill must come mid-batch, but " + ok + " jobs are done");
    System.out.printf(
        "%s: %s SIGKILL worker pid %d after %d results%n", s.name, Instant.now(), pid, ok);
    assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
    return pid;
  }

  @Test
  @Order(2)
  @DisplayName("S3 server frozen 15 s (SIGSTOP/SIGCONT) mid-batch: every job done, no crash")
  void s3FrozenMidBatch() throws Exception {
    frozenMidBatch("s3freeze", stack.s3().process().handle());
  }

  @Test
  @Order(3)
  @DisplayName("Kafka broker frozen 15 s (SIGSTOP/SIGCONT) mid-batch: every job done, no crash")
  void brokerFrozenMidBatch() throws Exception {
    frozenMidBatch("kafkafreeze", stack.kafka().process().handle());
  }

  private void frozenMidBatch(String name, ProcessHandle server) throws Exception {
    try (FaultScenario s = scenario(name)) {
      List<String> ids = s.submitPhotos(photos, IMAGES);
      s.await("3 results before the freeze", BATCH, () -> s.okCount() >= 3);
      long worker = s.activePid(0);
      int ok = s.okCount();
      assertTrue(ok < IMAGES, "the freeze must come mid-batch, but " + ok + " jobs are done");
      System.out.printf(
          "%s: %s SIGSTOP pid %d for %s after %d results%n",
          name, Instant.now(), server.pid(), FREEZE, ok);
      try {
        ProcessFaults.freeze(server);
        Thread.sleep(FREEZE.toMillis()); // the fault's length, not a wait for an outcome
      } finally {
        ProcessFaults.thaw(server);
      }
      System.out.printf("%s: %s SIGCONT pid %d%n", name, Instant.now(), server.pid());
      s.assertAllDone(ids, BATCH);
      SupervisorStats st = s.supervisor.stats();
      assertEquals(0, st.crashes(), st.summary());
      // not wedged: the worker that lived through the freeze is the one that finished the batch
      assertEquals(worker, s.activePid(0), "the same worker is active: " + s.describe());
    }
  }

  @Test
  @Order(4)
  @DisplayName(
      "Poison inputs (zTXt bomb, 9990² PNG, truncated JPEG, non-image) among good photos:"
          + " each a precise failed result and dead letter (or, for the zTXt bomb, a cutout),"
          + " no worker crash")
  void poisonInputsAmongGoodPhotos() throws Exception {
    Path photoDir = TestPhotos.dir();
    List<Poison> poisons =
        PoisonInputs.all(
            PoisonInputs.defaultCacheDir(), Files.readAllBytes(photoDir.resolve("car-1.jpg")));
    // at the supervisor's default heap (-Xmx1g): the bombs must be refused, not survived by luck
    try (FaultScenario s = scenario("poison")) {
      assertEquals(SupervisorSettings.DEFAULT_JVM_ARGS, s.supervisor.settings().jvmArgs());
      List<String> goodIds = new ArrayList<>();
      Map<String, Poison> poisonOfJob = new HashMap<>();
      for (int i = 0; i < poisons.size(); i++) {
        goodIds.addAll(s.submitPhotos(photos, 2));
        Poison p = poisons.get(i);
        String id = s.submitOther(List.of(p.name()), List.of(p.bytes())).get(0);
        poisonOfJob.put(id, p);
      }
      goodIds.addAll(s.submitPhotos(photos, 2));
      // every job has a result; a crash fails at once (a worker must never die of an input)
      s.await(
          "a result for every job",
          BATCH,
          () -> {
            assertEquals(
                0,
                s.supervisor.stats().crashes(),
                "a worker crashed on the poison inputs; " + s.describe());
            Set<String> done = s.harness.results().keySet();
            return done.containsAll(goodIds) && done.containsAll(poisonOfJob.keySet());
          });
      Map<String, List<JobResult>> results = s.harness.results();
      JobCodec codec = new JobCodec();
      Map<String, DeadLetter> dead = new HashMap<>();
      for (ConsumerRecord<String, String> r : s.harness.readAll(s.harness.topics.deadLetters())) {
        DeadLetter d = codec.decodeDeadLetter(r.value());
        dead.put(d.jobId(), d);
      }
      Set<String> failedPoison = new HashSet<>();
      for (Map.Entry<String, Poison> e : poisonOfJob.entrySet()) {
        String id = e.getKey();
        String input = e.getValue().name();
        List<JobResult> rs = results.get(id);
        JobResult ok = rs.stream().filter(JobResult::isOk).findFirst().orElse(null);
        if (ok != null && input.equals("ztxt-bomb.png")) {
          // a decoder that never inflates text chunks cuts the 64×48 image out: harmless too
          byte[] png = s.harness.store.get(ok.output().bucket(), ok.output().key(), 10_000_000);
          FaultScenario.assertRgbaPng(png, new Photo(input, e.getValue().bytes(), 64, 48), id);
          continue;
        }
        assertTrue(ok == null, input + " must not succeed: " + rs);
        failedPoison.add(id);
        String code = rs.get(0).failure().code().code();
        String message = rs.get(0).failure().message();
        assertFalse(
            Set.of("internal_error", "worker_crashed").contains(code),
            input + ": a precise code, got " + code + " (" + message + ")");
        String expected = expectedCode(input);
        if (expected != null) {
          assertEquals(expected, code, input + ": " + message);
        }
        assertTrue(message.contains(input), input + ": the message names the input: " + message);
        DeadLetter d = dead.get(id);
        assertTrue(d != null, input + " is dead-lettered: " + dead.keySet());
        assertEquals(code, d.reason().code(), input + ": dead letter reason");
      }
      for (String id : goodIds) {
        assertTrue(
            results.get(id).stream().anyMatch(JobResult::isOk),
            "good photo failed: " + results.get(id));
      }
      assertEquals(
          failedPoison, dead.keySet(), "exactly the failed poison inputs are dead-lettered");
      s.assertAllDone(goodIds, BATCH);
      assertEquals(0, s.supervisor.stats().crashes(), s.describe());
    }
  }

  /** How long the S3 server stays down: far past the object store's own retries (about 1.5 s). */
  private static final Duration S3_DOWN = Duration.ofSeconds(20);

  @Test
  @Order(5)
  @DisplayName(
      "S3 server down 20 s (killed, started again on its port) mid-batch: every job ok, none"
          + " failed or dead-lettered, no crash")
  void s3DownMidBatch() throws Exception {
    try (FaultScenario s = scenario("s3down")) {
      List<String> ids = s.submitPhotos(photos, IMAGES);
      s.await("3 results before the outage", BATCH, () -> s.okCount() >= 3);
      long worker = s.activePid(0);
      int ok = s.okCount();
      assertTrue(ok < IMAGES, "the outage must come mid-batch, but " + ok + " jobs are done");
      ProcessHandle server = stack.s3().process().handle();
      System.out.printf(
          "s3down: %s SIGKILL S3 server pid %d for %s after %d results%n",
          Instant.now(), server.pid(), S3_DOWN, ok);
      assertTrue(server.destroyForcibly());
      server.onExit().get(30, TimeUnit.SECONDS);
      Thread.sleep(S3_DOWN.toMillis()); // the fault's length, not a wait for an outcome
      stack.s3().startAgain(Duration.ofSeconds(90));
      s.notMine(stack.s3().process().handle().pid()); // the stack's, not the scenario's
      System.out.printf(
          "s3down: %s S3 server answers again (pid %d); %d results by then%n",
          Instant.now(), stack.s3().process().handle().pid(), s.harness.results().size());
      assertEveryJobOk(s, ids, "the outage");
      SupervisorStats st = s.supervisor.stats();
      assertEquals(0, st.crashes(), st.summary());
      assertEquals(worker, s.activePid(0), "the same worker is active: " + s.describe());
    }
  }

  @Test
  @Order(6)
  @DisplayName(
      "SIGTERM of the active worker mid-batch: it finishes its job and leaves as STOPPED (exit 0,"
          + " not a native crash), a replacement finishes the batch, every job ok, none dead-lettered")
  void sigtermMidBatch() throws Exception {
    try (FaultScenario s = scenario("sigterm")) {
      List<String> ids = s.submitPhotos(photos, IMAGES);
      s.await("3 results before the SIGTERM", BATCH, () -> s.okCount() >= 3);
      long pid = s.activePid(0);
      int ok = s.okCount();
      assertTrue(ok < IMAGES, "the SIGTERM must come mid-batch, but " + ok + " jobs are done");
      // results come one after another, the model takes nearly all of each: it is running now
      System.out.printf(
          "sigterm: %s SIGTERM worker pid %d after %d results%n", Instant.now(), pid, ok);
      assertTrue(ProcessHandle.of(pid).orElseThrow().destroy());
      s.await(
          "a replacement for pid " + pid, BATCH, () -> s.activePid(0) > 0 && s.activePid(0) != pid);
      assertEveryJobOk(s, ids, "the SIGTERM");
      SupervisorStats.RetiredWorker victim =
          s.supervisor.stats().retired().stream()
              .filter(r -> r.pid() == pid)
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("pid " + pid + " not retired: " + s.describe()));
      // a native crash while ONNX Runtime's environment is released under a running model would
      // leave as CRASHED (SIGSEGV, exit 134) before or after its EXIT
      assertEquals("STOPPED", victim.reason(), victim.toString());
      assertEquals(0, victim.exitCode(), victim.toString());
      assertTrue(victim.finished() >= ok, "its results count as its own: " + victim);
      // it drained and exited as asked: replaced at once, not a crash (nor a crash-loop alert)
      assertEquals(0, s.supervisor.stats().crashes(), s.describe());
    }
  }

  /**
   * Every job answered, none of the answers a failure (a job failed in {@code fault} shows here at
   * once instead of as a missing ok result after the batch timeout), no dead letters, all done.
   */
  @Test
  @Order(7)
  @DisplayName(
      "S3 server down 20 s while the worker starts: the start waits (one process, no crash), then"
          + " every job ok")
  void s3DownWhileTheWorkerStarts() throws Exception {
    ProcessHandle server = stack.s3().process().handle();
    CompletableFuture<Long> back = new CompletableFuture<>();
    FaultScenario.Fault s3Down =
        () -> {
          System.out.printf(
              "s3down-start: %s SIGKILL S3 server pid %d for %s before the worker starts%n",
              Instant.now(), server.pid(), S3_DOWN);
          assertTrue(server.destroyForcibly());
          server.onExit().get(30, TimeUnit.SECONDS);
          Thread restart =
              new Thread(
                  () -> {
                    try {
                      Thread.sleep(S3_DOWN.toMillis()); // the fault's length
                      stack.s3().startAgain(Duration.ofSeconds(90));
                      back.complete(stack.s3().process().handle().pid());
                    } catch (Exception | AssertionError e) {
                      back.completeExceptionally(e);
                    }
                  },
                  "s3-back");
          restart.setDaemon(true);
          restart.start();
        };
    try (FaultScenario s = scenario("s3down-start", s3Down)) {
      s.notMine(back.get(2, TimeUnit.MINUTES)); // the stack's, not the scenario's
      SupervisorStats st = s.supervisor.stats();
      assertEquals(0, st.crashes(), "the start waited instead of ending: " + s.describe());
      assertEquals(1, st.workersStarted(), s.describe());
      String log = s.workerLogs();
      assertTrue(
          log.contains("dependency does not answer; the start waits for it")
              && log.contains("dependency=\"object_store\""),
          "the worker's log says what its start waited for; logs in " + s.supervisor.logDir());
      assertTrue(log.contains("dependency answers; the start goes on"), s.describe());
      assertEveryJobOk(s, s.submitPhotos(photos, 4), "a start during the outage");
      assertEquals(0, s.supervisor.stats().crashes(), s.describe());
    }
  }

  @Test
  @Order(8)
  @DisplayName(
      "a worker whose start waits for the S3 server stops at once when its supervisor stops:"
          + " STOPPED, not a crash, and not after the stop timeout")
  void aStartWaitingForTheStoreStopsAtOnce() throws Exception {
    RecycleHarness h = new RecycleHarness(stack, "s3down-stop", PARTITIONS);
    ProcessHandle server = stack.s3().process().handle();
    try {
      assertTrue(server.destroyForcibly());
      server.onExit().get(30, TimeUnit.SECONDS);
      SupervisorSettings settings =
          oneSlot()
              .withInstancePrefix("s3down-stop")
              .withLogDir(Files.createTempDirectory("fault-s3down-stop-"));
      RecyclingSupervisor sup = RecyclingSupervisor.start(h.config, settings);
      Path log = settings.logDir().resolve("slot-0-1.log");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      Matcher ops = Pattern.compile("worker warmed .* ops=\"(http://[^\"]+)\"").matcher("");
      while (!(Files.exists(log)
          && Files.readString(log).contains("the start waits for it")
          && ops.reset(Files.readString(log)).find())) {
        assertTrue(System.nanoTime() < deadline, "the start never waited, warm; log " + log);
        Thread.sleep(300);
      }
      // what an operator sees meanwhile: the reason on /readyz, the gauge on /metrics
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready =
          http.send(
              HttpRequest.newBuilder(URI.create(ops.group(1) + "/readyz")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, ready.statusCode(), ready.body());
      assertTrue(
          ready.body().contains("waiting for the object store (checking the cutouts bucket"),
          ready.body());
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(ops.group(1) + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(
          metrics.contains("cutflow_worker_start_waiting{dependency=\"object_store\",} 1.0"),
          metrics);
      long t0 = System.nanoTime();
      sup.close();
      long closeMs = (System.nanoTime() - t0) / 1_000_000;
      SupervisorStats st = sup.stats();
      System.out.printf("s3down-stop: closed in %d ms; %s%n", closeMs, st.summary());
      assertEquals(0, st.crashes(), st.toString());
      assertEquals(1, st.retired().size(), st.toString());
      assertEquals("STOPPED", st.retired().get(0).reason(), st.toString());
      assertEquals(0, st.retired().get(0).exitCode(), st.toString());
      // the stop timeout is 60 s: a worker reading STOP only once READY would take that long
      assertTrue(closeMs < 20_000, "closed in " + closeMs + " ms");
    } finally {
      stack.s3().startAgain(Duration.ofSeconds(90));
      h.close();
    }
  }

  private static void assertEveryJobOk(FaultScenario s, List<String> ids, String fault)
      throws Exception {
    s.await("a result for every job", BATCH, () -> s.harness.results().keySet().containsAll(ids));
    Map<String, List<JobResult>> results = s.harness.results();
    for (String id : ids) {
      assertTrue(
          results.get(id).stream().allMatch(JobResult::isOk),
          "job " + id + " failed in " + fault + ": " + results.get(id));
    }
    assertEquals(
        List.of(),
        s.harness.readAll(s.harness.topics.deadLetters()).stream()
            .map(ConsumerRecord::value)
            .toList(),
        "no dead letters");
    s.assertAllDone(ids, BATCH);
  }

  /**
   * The code each poison must get; null where any precise one will do (the zTXt bomb, which may
   * also succeed: its image is a valid 64×48 PNG, only its text chunk is a bomb).
   */
  private static String expectedCode(String input) {
    return switch (input) {
      case "huge-9990.png" -> "image_too_large";
      case "truncated.jpg" -> "image_truncated";
      case "not-an-image.jpg" -> "not_an_image";
      default -> null;
    };
  }
}
